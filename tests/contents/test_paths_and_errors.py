"""The pure parts of the contents manager: path mapping and refusal, checkpoint ids, error mapping."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tornado.web import HTTPError
from traitlets import TraitError

from meshcollab.contents import CheckpointId, CS3ContentsManager, UserRoot, http_error, normalize
from meshcollab.contents.paths import check_root_template, is_hidden_path
from meshcollab.cs3 import (
    AlreadyExists,
    Conflict,
    FileVersion,
    InvalidArgument,
    Lock,
    Locked,
    NotFound,
    PermissionDenied,
    ServerError,
    Unavailable,
    UserId,
)


@pytest.mark.parametrize(
    ("path", "expected"),
    [("", ""), ("/", ""), ("a", "a"), ("/a/b/", "a/b"), ("a//b", "a/b"), ("/home/marie/x", "home/marie/x")],
)
def test_normalize(path, expected):
    assert normalize(path) == expected


@pytest.mark.parametrize(
    "path", ["..", "../x", "a/../../b", "a/./b", ".", "a\x00b", "a/..", "/../home/marie"]
)
def test_escapes_are_refused(path):
    with pytest.raises(HTTPError) as refused:
        normalize(path)
    assert refused.value.status_code == 400


def test_user_root_maps_both_ways():
    root = UserRoot.from_template("{home}", home="/home/einstein/", username="einstein")
    assert root.cs3_path == "/home/einstein"
    assert root.to_cs3("") == "/home/einstein"
    assert root.to_cs3("/dir/nb.ipynb") == "/home/einstein/dir/nb.ipynb"
    assert root.to_cs3("home/marie") == "/home/einstein/home/marie"
    assert root.to_api("/home/einstein/dir/nb.ipynb") == "dir/nb.ipynb"
    assert root.to_api("/home/einstein") == ""
    assert root.to_api("/home/einsteinium/x") is None
    assert root.to_api("/home/marie/x") is None
    with pytest.raises(HTTPError):
        root.to_cs3("../marie")


def test_project_spaces_below_the_projects_folder_map_both_ways():
    projects = (("physics", "/projects/physics"),)
    root = UserRoot("/home/einstein", projects_folder="Projects", projects=projects)
    assert root.to_cs3("Projects/physics") == "/projects/physics"
    assert root.to_cs3("Projects/physics/a/nb.ipynb") == "/projects/physics/a/nb.ipynb"
    assert root.to_api("/projects/physics/a/nb.ipynb") == "Projects/physics/a/nb.ipynb"
    assert root.to_api("/projects/physics") == "Projects/physics"
    assert root.to_api("/projects/chemistry/x") is None  # not a member
    assert root.has_projects_folder("Projects") and not root.has_projects_folder("Projects/physics")
    # The projects folder itself, and what a real folder of that name holds, stay in the home...
    assert root.to_cs3("Projects") == "/home/einstein/Projects"
    assert root.to_cs3("Projects/notes.txt") == "/home/einstein/Projects/notes.txt"
    assert root.to_api("/home/einstein/Projects/notes.txt") == "Projects/notes.txt"
    # ...but for the entries a project space hides.
    assert root.to_api("/home/einstein/Projects/physics/x") is None
    with pytest.raises(HTTPError):
        root.to_cs3("Projects/physics/../../x")
    without = UserRoot("/home/richard", projects_folder="Projects")
    assert without.to_cs3("Projects/physics") == "/home/richard/Projects/physics"
    assert not without.has_projects_folder("Projects")


def test_the_projects_folder_is_a_plain_name_or_nothing():
    assert CS3ContentsManager().projects_folder == "Projects"
    assert CS3ContentsManager(projects_folder="").projects_folder == ""
    for bad in ("a/b", "..", ".projects"):
        with pytest.raises(TraitError):
            CS3ContentsManager(projects_folder=bad)


def test_root_templates():
    eos = UserRoot.from_template("/eos/user/{username[0]}/{username}", home="", username="einstein")
    assert eos.cs3_path == "/eos/user/e/einstein"
    with pytest.raises(HTTPError) as refused:
        UserRoot.from_template("/home/{username}", home="", username="../marie")
    assert refused.value.status_code == 403
    with pytest.raises(ValueError, match="unknown placeholder"):
        check_root_template("/home/{user}")
    with pytest.raises(ValueError, match="absolute"):
        check_root_template("home/{username}")
    manager = CS3ContentsManager(root_template="/home/{username}/notebooks")
    assert manager.root_template == "/home/{username}/notebooks"


def test_hidden_paths():
    assert is_hidden_path(".git") and is_hidden_path("a/.ipynb_checkpoints/x") and not is_hidden_path("a/b.c")


def test_checkpoint_ids_round_trip_and_fit_the_api_route():
    import re

    for checkpoint in (CheckpointId(etag="5fd50ab617d79660"), CheckpointId(key="abc.REV.000123")):
        encoded = checkpoint.encode()
        assert re.fullmatch(r"[\w-]+", encoded)
        assert CheckpointId.decode(encoded) == checkpoint
    assert CheckpointId.decode("not!base64") is None
    assert CheckpointId.decode("eDp5") is None  # "x:y": not a kind we make
    version = FileVersion(key="n.REV.1", size=1, mtime=None, etag='"e1"')
    assert CheckpointId(etag="e1").names_version(version)
    assert CheckpointId.of_version(FileVersion(key="n.REV.2", size=1, mtime=None)).key == "n.REV.2"


def test_error_mapping():
    def status(error, **kwargs):
        return http_error(error, path="nb.ipynb", action="save", **kwargs)

    assert status(NotFound("x")).status_code == 404
    assert status(PermissionDenied("x")).status_code == 403
    assert "may not save 'nb.ipynb'" in status(PermissionDenied("x")).log_message
    assert status(AlreadyExists("x")).status_code == 409
    assert status(Conflict("etag")).status_code == 409
    assert status(Locked("locked by x")).status_code == 409
    assert status(InvalidArgument("bad")).status_code == 400
    assert status(Unavailable("down")).status_code == 503
    assert status(ServerError("boom")).status_code == 502
    lock = Lock(
        lock_id="l",
        app_name="collabora",
        user=UserId(idp="idp", opaque_id="u-1"),
        expiration=datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    locked = status(Conflict("precondition"), lock=lock, holder="Marie Curie (marie)")
    assert locked.status_code == 409
    assert locked.log_message == (
        "'nb.ipynb' is locked by collabora for Marie Curie (marie) until 2030-01-02 03:04:05 UTC, "
        "so it cannot be saved now. Try again later."
    )


@pytest.mark.anyio
async def test_the_manager_needs_the_request_user():
    manager = CS3ContentsManager()
    with pytest.raises(HTTPError) as refused:
        await manager.get("")
    assert refused.value.status_code == 401
    # A path that escapes is refused before anything else, even the user.
    with pytest.raises(HTTPError) as escaped:
        await manager.get("../x")
    assert escaped.value.status_code == 400
