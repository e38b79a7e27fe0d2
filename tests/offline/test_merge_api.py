"""The merge API against `meshcollab serve`: preview (a cell-level diff, nothing changes) and apply of
a conflict copy, an uploaded notebook and an earlier CS3 version into the live room; a viewer may
preview but not apply; bad input is a clear 400. And the recover endpoint's refusals."""

from __future__ import annotations

import base64
import copy
import json

import anyio
import httpx
import nbformat
import pytest
from jupyter_rooms import JupyterRooms
from notebook_edits import NOTEBOOK, type_into, upload
from recovering_client import OfflineEditor, add_cells, assert_every_edit_once, converged, eventually, notebook_in_cs3
from room_clients import notebook
from server_process import basic

from meshcollab.cs3 import VIEWER

pytestmark = pytest.mark.anyio


async def post(server, url: str, body: dict, headers: dict | None = None) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.url, headers=headers or server.headers, timeout=60) as http:
        return await http.post(url, json=body)


async def test_a_conflict_copy_edited_elsewhere_is_previewed_then_merged_into_the_room(
    server, einstein, outsider, folder
):
    path = f"{await einstein.home()}/{folder}/nb.ipynb"
    await upload(einstein, path)
    await outsider.locks.set(path, "collabora-1", app_name="collabora", expiration=None)
    rooms = JupyterRooms(server.url, server.headers)
    alice = OfflineEditor(rooms, f"{folder}/nb.ipynb", "alice")
    await alice.join()
    edits = add_cells(alice.doc, "alice while locked", 2)
    await anyio.sleep(0.3)
    alice.go_offline()
    folder_path = path.rsplit("/", 1)[0]
    [copy_path] = await eventually(lambda: _copies(outsider, folder_path))
    await outsider.locks.unlock(path, "collabora-1", app_name="collabora")

    # Someone opens the copy in another tool and adds a cell; the room goes on meanwhile.
    edited = await notebook_in_cs3(outsider, copy_path)
    edited["cells"].append(nbformat.v4.new_code_cell("added in the copy", id="in-the-copy"))
    await outsider.files.write(copy_path, json.dumps(edited).encode())
    await alice.reconnect()
    type_into(alice.doc, 0, " (room)")
    edits += ["added in the copy", "# Shared (room)"]
    await anyio.sleep(0.3)

    copy_api_path = f"{folder}/{copy_path.rsplit('/', 1)[1]}"
    preview = await post(server, f"/api/meshcollab/merge/preview/{folder}/nb.ipynb", {"conflict_copy": copy_api_path})
    assert preview.status_code == 200, preview.text
    answer = preview.json()
    assert answer["base"] == "fork-point" and answer["applied"] is False and answer["conflicts"] == []
    assert [change["cell_id"] for change in answer["changes"] if change["kind"] == "added"] == ["in-the-copy"]
    assert "added in the copy" not in json.dumps(notebook(alice.doc))  # a preview changes nothing

    applied = await post(server, f"/api/meshcollab/merge/apply/{folder}/nb.ipynb", {"conflict_copy": copy_api_path})
    assert applied.status_code == 200, applied.text
    await eventually(lambda: alice.notices("merged"))
    assert alice.notices("merged")[-1]["source"] == "conflict-copy"
    bob = OfflineEditor(rooms, f"{folder}/nb.ipynb", "bob")
    await bob.join()
    final = await converged([alice.doc, bob.doc])
    assert_every_edit_once(final, edits)


async def _copies(session, folder_path) -> list[str]:
    return [e.path for e in await session.files.list(folder_path) if ".conflict." in e.name]


async def test_an_uploaded_notebook_and_an_earlier_version_are_merged_on_request(server, einstein, folder):
    path = f"{await einstein.home()}/{folder}/nb.ipynb"
    await upload(einstein, path)
    rooms = JupyterRooms(server.url, server.headers)
    alice = OfflineEditor(rooms, f"{folder}/nb.ipynb", "alice")
    await alice.join()

    # An upload with its base: a notebook edited elsewhere from the original.
    theirs = json.loads(json.dumps(NOTEBOOK))
    theirs["cells"][1]["source"] = "x = 1\nuploaded = 2"
    body = {"notebook": theirs, "base": {"notebook": json.loads(json.dumps(NOTEBOOK))}}
    type_into(alice.doc, 0, " (alice)")
    await anyio.sleep(0.2)
    answer = (await post(server, f"/api/meshcollab/merge/apply/{folder}/nb.ipynb", body)).json()
    assert answer["source"] == "upload" and answer["base"] == "given" and answer["changed"] is True
    await eventually(lambda: "uploaded = 2" in json.dumps(notebook(alice.doc)))
    assert notebook(alice.doc)["cells"][0]["source"] == "# Shared (alice)"

    # An earlier version, previewed: the diff of the room against the merged result.
    saved = await eventually(lambda: _saved_with(einstein, path, "uploaded = 2"))
    versions = await einstein.versions.list(path)
    assert versions and saved
    key = versions[0].key
    preview = await post(server, f"/api/meshcollab/merge/preview/{folder}/nb.ipynb", {"version": key})
    assert preview.status_code == 200, preview.text
    assert preview.json()["source"] == "version" and isinstance(preview.json()["changes"], list)
    missing = await post(server, f"/api/meshcollab/merge/preview/{folder}/nb.ipynb", {"version": "no-such-version"})
    assert missing.status_code in (404, 400)


async def _saved_with(session, path, text) -> bool:
    saved = await notebook_in_cs3(session, path)
    return saved is not None and text in json.dumps(saved)


async def test_a_viewer_may_preview_but_not_apply_and_bad_input_is_a_400(server, einstein, gateway, folder):
    path = f"{await einstein.home()}/{folder}/shared.ipynb"
    await upload(einstein, path)
    marie = await gateway.login_basic("marie", "radioactivity")
    share = await einstein.shares.create(path, marie.user, VIEWER)
    received = await marie.shares.accept(share.id)
    marie_path = f"MyShares/{received.mount_point}"
    as_marie = basic("marie", "radioactivity")
    theirs = copy.deepcopy(json.loads(json.dumps(NOTEBOOK)))
    theirs["cells"][0]["source"] = "# by marie"

    preview = await post(server, f"/api/meshcollab/merge/preview/{marie_path}", {"notebook": theirs}, as_marie)
    assert preview.status_code == 200, preview.text
    applied = await post(server, f"/api/meshcollab/merge/apply/{marie_path}", {"notebook": theirs}, as_marie)
    assert applied.status_code == 403
    recover = await post(
        server, f"/api/meshcollab/recover/{marie_path}", {"document": {"notebook": theirs}}, as_marie
    )
    assert recover.status_code == 403
    assert "# by marie" not in json.dumps(await notebook_in_cs3(einstein, path))

    bad = await post(server, f"/api/meshcollab/recover/{folder}/shared.ipynb", {"document": {"update": "!!"}})
    assert bad.status_code == 400 and "base64" in bad.text
    garbage = base64.b64encode(b"\x07\x07\x07not a y update").decode()
    bad = await post(server, f"/api/meshcollab/recover/{folder}/shared.ipynb", {"document": {"update": garbage}})
    assert bad.status_code == 400
    bad = await post(server, f"/api/meshcollab/merge/apply/{folder}/shared.ipynb", {})
    assert bad.status_code == 400
    not_a_notebook = await post(server, f"/api/meshcollab/merge/apply/{folder}/nothing.txt", {"notebook": theirs})
    assert not_a_notebook.status_code == 400


async def test_a_document_of_the_rooms_own_history_is_recovered_by_the_crdt(server, einstein, folder):
    path = f"{await einstein.home()}/{folder}/nb.ipynb"
    await upload(einstein, path)
    rooms = JupyterRooms(server.url, server.headers)
    alice, bob = OfflineEditor(rooms, f"{folder}/nb.ipynb", "alice"), OfflineEditor(rooms, f"{folder}/nb.ipynb", "bob")
    await alice.join()
    await bob.join()
    alice.go_offline()
    edits = add_cells(alice.doc, "alice offline", 3)
    body = {
        "document": {"update": base64.b64encode(alice.doc.get_update()).decode()},
        "sessionId": alice.session_id,
    }
    answer = await post(server, f"/api/meshcollab/recover/{folder}/nb.ipynb", body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["method"] == "crdt" and answer.json()["changed"] is True
    await eventually(lambda: all(edit in json.dumps(notebook(bob.doc)) for edit in edits))
    again = await post(server, f"/api/meshcollab/recover/{folder}/nb.ipynb", body)
    assert again.json()["changed"] is False  # the same document twice: nothing new
    await alice.reconnect()
    final = await converged([alice.doc, bob.doc])
    assert_every_edit_once(final, edits)
