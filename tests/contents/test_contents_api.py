"""The contents REST API (`/api/contents`, `/files`) of a real Jupyter server whose contents manager
is the CS3 one, on the embedded store, as JupyterLab's file browser uses it."""

from __future__ import annotations

import base64
import json
import os
from datetime import datetime

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from tornado.web import HTTPError

from meshcollab.cs3 import EDITOR, VIEWER

pytestmark = pytest.mark.anyio


def notebook_with(*sources: str) -> dict:
    nb = new_notebook(cells=[new_markdown_cell("# Title")] + [new_code_cell(s) for s in sources])
    return json.loads(json.dumps(nb))


def without_trust(cells: list[dict]) -> list[dict]:
    """Cells as stored: the server marks them `trusted` (in memory only) when it reads a notebook."""
    return [{**c, "metadata": {k: v for k, v in c["metadata"].items() if k != "trusted"}} for c in cells]


async def test_list_home_folder(contents_server):
    answer = await contents_server.request("GET", "")
    assert answer.status_code == 200
    home = answer.json()
    assert home["type"] == "directory" and home["path"] == "" and home["format"] == "json"
    entry = next(e for e in home["content"] if e["name"] == contents_server.workdir)
    assert entry["type"] == "directory" and entry["path"] == contents_server.workdir
    assert entry["writable"] is True and entry["content"] is None

    without_content = (await contents_server.request("GET", "", params={"content": "0"})).json()
    assert without_content["content"] is None and without_content["type"] == "directory"


async def test_new_untitled_notebook_save_and_get_back(contents_server):
    work = contents_server.workdir
    created = await contents_server.request("POST", work, json={"type": "notebook"})
    assert created.status_code == 201, created.text
    model = created.json()
    assert model["name"] == "Untitled.ipynb" and model["type"] == "notebook"
    assert model["path"] == f"{work}/Untitled.ipynb"
    again = (await contents_server.request("POST", work, json={"type": "notebook"})).json()
    assert again["name"] == "Untitled1.ipynb"

    empty = (await contents_server.request("GET", model["path"])).json()
    nbformat.validate(nbformat.from_dict(empty["content"]))
    assert empty["format"] == "json" and empty["content"]["cells"] == []

    notebook = notebook_with("print('hello')", "x = 1\nx + 1")
    saved = await contents_server.request(
        "PUT", model["path"], json={"type": "notebook", "format": "json", "content": notebook}
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["content"] is None and "message" not in saved.json()

    back = (await contents_server.request("GET", model["path"])).json()
    nbformat.validate(nbformat.from_dict(back["content"]))
    assert [c["source"] for c in back["content"]["cells"]] == ["# Title", "print('hello')", "x = 1\nx + 1"]
    assert without_trust(back["content"]["cells"]) == notebook["cells"]
    assert back["size"] > 0 and back["writable"] is True

    # What CS3 holds is plain nbformat 4 JSON.
    einstein = await contents_server.session()
    raw = await einstein.files.read_bytes(await contents_server.cs3_path(model["path"]))
    assert nbformat.reads(raw.decode(), as_version=4).cells[1].source == "print('hello')"


async def test_invalid_notebook_is_saved_with_a_validation_message(contents_server):
    path = f"{contents_server.workdir}/invalid.ipynb"
    notebook = notebook_with("1")
    notebook["cells"][1]["bogus_field"] = True
    saved = await contents_server.request("PUT", path, json={"type": "notebook", "content": notebook})
    assert saved.status_code == 201, saved.text
    assert "Notebook validation failed" in saved.json()["message"]
    back = (await contents_server.request("GET", path)).json()
    assert "Notebook validation failed" in back["message"]


async def test_unreadable_notebook_is_a_400(contents_server):
    einstein = await contents_server.session()
    path = f"{contents_server.workdir}/broken.ipynb"
    await einstein.files.write(await contents_server.cs3_path(path), b"{ not json")
    answer = await contents_server.request("GET", path)
    assert answer.status_code == 400 and "Unreadable Notebook" in answer.json()["message"]
    # ... but it can still be opened as a file, to repair it.
    as_file = (await contents_server.request("GET", path, params={"type": "file"})).json()
    assert as_file["content"] == "{ not json"


async def test_text_and_base64_files(contents_server):
    work = contents_server.workdir
    text = "Grüße, CS3!\nline two\n"
    put = await contents_server.request(
        "PUT", f"{work}/notes.txt", json={"type": "file", "format": "text", "content": text}
    )
    assert put.status_code == 201, put.text
    model = (await contents_server.request("GET", f"{work}/notes.txt")).json()
    assert model["format"] == "text" and model["content"] == text
    assert model["mimetype"] == "text/plain" and model["size"] == len(text.encode())

    binary = bytes(range(256)) * 4
    put = await contents_server.request(
        "PUT",
        f"{work}/data.bin",
        json={"type": "file", "format": "base64", "content": base64.b64encode(binary).decode()},
    )
    assert put.status_code == 201, put.text
    model = (await contents_server.request("GET", f"{work}/data.bin")).json()
    assert model["format"] == "base64" and base64.b64decode(model["content"]) == binary
    assert model["mimetype"] == "application/octet-stream"
    as_text = await contents_server.request("GET", f"{work}/data.bin", params={"format": "text"})
    assert as_text.status_code == 400 and "UTF-8" in as_text.json()["message"]
    forced = (await contents_server.request("GET", f"{work}/notes.txt", params={"format": "base64"})).json()
    assert base64.b64decode(forced["content"]).decode() == text

    hashed = (
        await contents_server.request("GET", f"{work}/data.bin", params={"hash": "1", "content": "0"})
    ).json()
    import hashlib

    assert hashed["hash"] == hashlib.sha256(binary).hexdigest() and hashed["hash_algorithm"] == "sha256"

    # /files/ streams the raw bytes.
    raw = await contents_server.request("GET", f"/files/{work}/data.bin")
    assert raw.status_code == 200 and raw.content == binary
    download = await contents_server.request("GET", f"/files/{work}/notes.txt", params={"download": "1"})
    assert download.content == text.encode() and "attachment" in download.headers["content-disposition"]


async def test_chunked_upload_larger_than_one_chunk(contents_server):
    path = f"{contents_server.workdir}/big.bin"
    chunk_size = 200 * 1024  # larger than the adapter's transfer chunks in these tests (64 KiB)
    content = os.urandom(chunk_size * 3 + 12345)
    pieces = [content[i : i + chunk_size] for i in range(0, len(content), chunk_size)]
    for number, piece in enumerate(pieces, start=1):
        chunk = -1 if number == len(pieces) else number
        answer = await contents_server.request(
            "PUT",
            path,
            json={
                "type": "file",
                "format": "base64",
                "chunk": chunk,
                "content": base64.b64encode(piece).decode(),
            },
        )
        assert answer.status_code in (200, 201), answer.text
    assert answer.json()["size"] == len(content)

    einstein = await contents_server.session()
    cs3_path = await contents_server.cs3_path(path)
    assert await einstein.files.read_bytes(cs3_path) == content
    # One write to CS3 for the whole upload: no partial file in the version history.
    assert await einstein.versions.list(cs3_path) == []
    # Nothing is left staged on the server's disk.
    staging = contents_server.app.contents_manager.upload_staging_dir
    assert not os.listdir(staging)
    # /files/ streams it back in many transfer chunks.
    download = await contents_server.request("GET", f"/files/{path}")
    assert download.status_code == 200 and download.content == content


async def test_chunks_out_of_order_are_refused(contents_server):
    path = f"{contents_server.workdir}/out-of-order.txt"

    async def send(chunk: int, text: str):
        return await contents_server.request(
            "PUT", path, json={"type": "file", "format": "text", "chunk": chunk, "content": text}
        )

    orphan = await send(3, "c")
    assert orphan.status_code == 400 and "no earlier chunks" in orphan.json()["message"]
    assert (await send(1, "a")).status_code in (200, 201)
    skipped = await send(3, "c")
    assert skipped.status_code == 400 and "chunk 2 was expected" in skipped.json()["message"]
    # The upload was dropped: nothing reached CS3.
    assert (await contents_server.request("GET", path)).status_code == 404


async def test_rename_keeps_the_resource_id(contents_server):
    work = contents_server.workdir
    einstein = await contents_server.session()
    await contents_server.request(
        "PUT", f"{work}/before.ipynb", json={"type": "notebook", "content": notebook_with("1")}
    )
    before = await einstein.files.stat(await contents_server.cs3_path(f"{work}/before.ipynb"))
    await contents_server.request("PUT", f"{work}/sub", json={"type": "directory"})

    renamed = await contents_server.request(
        "PATCH", f"{work}/before.ipynb", json={"path": f"{work}/sub/after.ipynb"}
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["path"] == f"{work}/sub/after.ipynb" and renamed.json()["type"] == "notebook"
    after = await einstein.files.stat(await contents_server.cs3_path(f"{work}/sub/after.ipynb"))
    assert after.id == before.id
    assert (await contents_server.request("GET", f"{work}/before.ipynb")).status_code == 404

    await contents_server.request(
        "PUT", f"{work}/other.txt", json={"type": "file", "format": "text", "content": "x"}
    )
    taken = await contents_server.request(
        "PATCH", f"{work}/other.txt", json={"path": f"{work}/sub/after.ipynb"}
    )
    assert taken.status_code == 409 and "already exists" in taken.json()["message"]
    missing = await contents_server.request("PATCH", f"{work}/nope.txt", json={"path": f"{work}/nope2.txt"})
    assert missing.status_code == 404


async def test_delete(contents_server):
    work = contents_server.workdir
    await contents_server.request(
        "PUT", f"{work}/gone.txt", json={"type": "file", "format": "text", "content": "x"}
    )
    deleted = await contents_server.request("DELETE", f"{work}/gone.txt")
    assert deleted.status_code == 204
    assert (await contents_server.request("GET", f"{work}/gone.txt")).status_code == 404
    again = await contents_server.request("DELETE", f"{work}/gone.txt")
    assert again.status_code == 404 and "No such file" in again.json()["message"]
    root = await contents_server.request("DELETE", "")
    assert root.status_code in (400, 404, 405)


async def test_missing_file_is_a_404(contents_server):
    answer = await contents_server.request("GET", f"{contents_server.workdir}/no-such.ipynb")
    assert answer.status_code == 404
    assert "does not exist" in answer.text
    rename = await contents_server.request(
        "PATCH",
        f"{contents_server.workdir}/no-such.ipynb",
        json={"path": f"{contents_server.workdir}/b.ipynb"},
    )
    assert rename.status_code == 404 and "no-such.ipynb" in rename.json()["message"]
    into_missing_folder = await contents_server.request(
        "PUT",
        f"{contents_server.workdir}/no-such-dir/x.txt",
        json={"type": "file", "format": "text", "content": "x"},
    )
    assert into_missing_folder.status_code == 404
    assert "No such directory" in into_missing_folder.json()["message"]
    new_in_missing_folder = await contents_server.request(
        "POST", f"{contents_server.workdir}/no-such-dir", json={}
    )
    assert new_in_missing_folder.status_code == 404


async def test_new_directory_and_untitled_file(contents_server):
    work = contents_server.workdir
    folder = (await contents_server.request("POST", work, json={"type": "directory"})).json()
    assert folder["type"] == "directory" and folder["name"] == "Untitled Folder"
    text = (await contents_server.request("POST", work, json={"type": "file", "ext": ".py"})).json()
    assert text["name"] == "untitled.py" and text["type"] == "file"
    folder2 = (await contents_server.request("POST", work, json={"type": "directory"})).json()
    assert folder2["name"] == "Untitled Folder 1"
    text2 = (await contents_server.request("POST", work, json={"type": "file", "ext": ".py"})).json()
    assert text2["name"] == "untitled1.py"
    listing = (await contents_server.request("GET", work)).json()
    assert {e["name"] for e in listing["content"]} == {
        "Untitled Folder",
        "Untitled Folder 1",
        "untitled.py",
        "untitled1.py",
    }


async def test_copy(contents_server):
    work = contents_server.workdir
    await contents_server.request(
        "PUT", f"{work}/orig.ipynb", json={"type": "notebook", "content": notebook_with("42")}
    )
    copied = await contents_server.request("POST", work, json={"copy_from": f"{work}/orig.ipynb"})
    assert copied.status_code == 201, copied.text
    assert copied.json()["name"] == "orig-Copy1.ipynb"
    back = (await contents_server.request("GET", copied.json()["path"])).json()
    assert back["content"]["cells"][1]["source"] == "42"


async def test_hidden_files_are_not_listed_or_served(contents_server):
    work = contents_server.workdir
    einstein = await contents_server.session()
    await einstein.files.write(await contents_server.cs3_path(f"{work}/.secret"), b"hidden")
    await einstein.files.write(await contents_server.cs3_path(f"{work}/visible.txt"), b"shown")
    names = {e["name"] for e in (await contents_server.request("GET", work)).json()["content"]}
    assert names == {"visible.txt"}
    assert (await contents_server.request("GET", f"{work}/.secret")).status_code == 404
    put = await contents_server.request(
        "PUT", f"{work}/.other", json={"type": "file", "format": "text", "content": "x"}
    )
    assert put.status_code == 400


async def test_file_shared_read_only_is_a_403_on_save(contents_server):
    marie = await contents_server.session("marie")
    einstein = await contents_server.session("einstein")
    name = f"marie-readonly-{contents_server.workdir}.txt"
    shared = await marie.files.write(f"{await marie.home()}/{name}", b"marie's words")
    share = await marie.shares.create(shared, einstein.user, permissions=VIEWER)
    await einstein.shares.accept(share.id)
    mount = next(r.mount_point for r in await einstein.shares.list_received() if r.share.id == share.id)
    path = f"MyShares/{mount}"

    model = (await contents_server.request("GET", path)).json()
    assert model["content"] == "marie's words" and model["writable"] is False

    refused = await contents_server.request(
        "PUT", path, json={"type": "file", "format": "text", "content": "mine"}
    )
    assert refused.status_code == 403, refused.text
    assert "Permission denied" in refused.json()["message"] and mount in refused.json()["message"]
    assert await marie.files.read_bytes(shared) == b"marie's words"
    assert (await contents_server.request("DELETE", path)).status_code == 403


async def test_file_locked_by_another_app_is_a_409_naming_the_holder(contents_server):
    marie = await contents_server.session("marie")
    einstein = await contents_server.session("einstein")
    name = f"marie-locked-{contents_server.workdir}.ipynb"
    shared = await marie.files.write(f"{await marie.home()}/{name}", nbformat.writes(new_notebook()).encode())
    share = await marie.shares.create(shared, einstein.user, permissions=EDITOR)
    await einstein.shares.accept(share.id)
    mount = next(r.mount_point for r in await einstein.shares.list_received() if r.share.id == share.id)
    path = f"MyShares/{mount}"
    await marie.locks.set(shared, "lock-of-collabora", app_name="collabora", expiration=None)

    refused = await contents_server.request(
        "PUT", path, json={"type": "notebook", "content": notebook_with("1")}
    )
    assert refused.status_code == 409, refused.text
    message = refused.json()["message"]
    assert "collabora" in message and "Marie Curie" in message and mount in message
    assert nbformat.reads((await marie.files.read_bytes(shared)).decode(), as_version=4).cells == []


async def test_lock_with_expiry_says_until_when(contents_server):
    einstein = await contents_server.session("einstein")
    from datetime import timedelta

    path = f"{contents_server.workdir}/locked.txt"
    resource = await einstein.files.write(await contents_server.cs3_path(path), b"v1")
    await einstein.locks.set(
        resource, "other-app-lock", app_name="onlyoffice", expiration=timedelta(minutes=10)
    )
    refused = await contents_server.request(
        "PUT", path, json={"type": "file", "format": "text", "content": "v2"}
    )
    assert refused.status_code == 409
    message = refused.json()["message"]
    assert (
        "onlyoffice" in message and "Albert Einstein" in message and " until " in message and "UTC" in message
    )
    assert await einstein.files.read_bytes(resource) == b"v1"
    # A refusal for another reason is not blamed on the lock.
    moved = await contents_server.request(
        "PATCH", path, json={"path": f"{contents_server.workdir}/no-such-dir/locked.txt"}
    )
    assert moved.status_code == 404 and "No such directory" in moved.json()["message"]
    # A chunked upload is refused at its first chunk, before the rest is sent.
    first = await contents_server.request(
        "PUT", path, json={"type": "file", "format": "text", "chunk": 1, "content": "v"}
    )
    assert first.status_code == 409 and "onlyoffice" in first.json()["message"]


@pytest.mark.parametrize(
    "escape",
    ["%2E%2E/%2E%2E/marie", "%2E%2E", "x/%2E%2E/%2E%2E/%2E%2E/home/marie", "a%00b", "%2E/x"],
)
async def test_path_escapes_are_refused(contents_server, escape):
    for method, body in (
        ("GET", None),
        ("PUT", {"type": "file", "format": "text", "content": "x"}),
        ("DELETE", None),
    ):
        answer = await contents_server.request(method, escape, json=body)
        assert answer.status_code in (400, 404), (method, escape, answer.status_code, answer.text)


async def test_rename_out_of_the_root_is_refused(contents_server):
    work = contents_server.workdir
    await contents_server.request(
        "PUT", f"{work}/stay.txt", json={"type": "file", "format": "text", "content": "x"}
    )
    answer = await contents_server.request("PATCH", f"{work}/stay.txt", json={"path": "../marie/stolen.txt"})
    assert answer.status_code == 400, answer.text
    marie = await contents_server.session("marie")
    assert not await marie.files.exists(f"{await marie.home()}/stolen.txt")
    # An absolute-looking path stays below the user's root.
    absolute = await contents_server.request(
        "PUT", "/api/contents//home/marie/evil.txt", json={"type": "file", "format": "text", "content": "x"}
    )
    assert absolute.status_code in (400, 404, 409)
    assert not await marie.files.exists(f"{await marie.home()}/evil.txt")


async def test_checkpoints_create_list_restore(contents_server):
    path = f"{contents_server.workdir}/history.ipynb"

    async def save(*sources):
        answer = await contents_server.request(
            "PUT", path, json={"type": "notebook", "content": notebook_with(*sources)}
        )
        assert answer.status_code in (200, 201), answer.text

    async def sources():
        cells = (await contents_server.request("GET", path)).json()["content"]["cells"]
        return [c["source"] for c in cells[1:]]

    await save("version one")
    created = await contents_server.request("POST", f"{path}/checkpoints")
    assert created.status_code == 201, created.text
    checkpoint = created.json()
    assert set(checkpoint) == {"id", "last_modified"}

    listed = (await contents_server.request("GET", f"{path}/checkpoints")).json()
    assert listed[-1]["id"] == checkpoint["id"]  # the current content is the latest checkpoint

    await save("version two")
    await save("version three")
    listed = (await contents_server.request("GET", f"{path}/checkpoints")).json()
    ids = [c["id"] for c in listed]
    assert checkpoint["id"] in ids and ids[-1] != checkpoint["id"] and len(ids) == 3
    stamps = [datetime.fromisoformat(c["last_modified"]) for c in listed]
    assert stamps == sorted(stamps)  # oldest first: JupyterLab takes the last one as the latest

    restored = await contents_server.request("POST", f"{path}/checkpoints/{checkpoint['id']}")
    assert restored.status_code == 204, restored.text
    assert await sources() == ["version one"]
    # Nothing is lost: the content that was replaced is a checkpoint now.
    after = [c["id"] for c in (await contents_server.request("GET", f"{path}/checkpoints")).json()]
    assert ids[-1] in after

    second = (await contents_server.request("GET", f"{path}/checkpoints")).json()[1]["id"]
    assert (await contents_server.request("POST", f"{path}/checkpoints/{second}")).status_code == 204
    assert await sources() == ["version two"]

    unknown = await contents_server.request("POST", f"{path}/checkpoints/bm9uZQ")
    assert unknown.status_code == 404
    deleted = await contents_server.request("DELETE", f"{path}/checkpoints/{checkpoint['id']}")
    assert deleted.status_code == 405 and "versions" in deleted.json()["message"]


async def test_restoring_a_checkpoint_of_a_file_locked_by_another_app_is_a_409(contents_server):
    einstein = await contents_server.session("einstein")
    path = f"{contents_server.workdir}/locked-history.txt"
    await contents_server.request("PUT", path, json={"type": "file", "format": "text", "content": "one"})
    checkpoint = (await contents_server.request("POST", f"{path}/checkpoints")).json()
    resource = await einstein.files.write(await contents_server.cs3_path(path), b"two")
    await einstein.locks.set(resource, "someone-else", app_name="collabora")
    refused = await contents_server.request("POST", f"{path}/checkpoints/{checkpoint['id']}")
    assert refused.status_code == 409 and "collabora" in refused.json()["message"]
    assert await einstein.files.read_bytes(resource) == b"two"


async def test_requests_without_a_cs3_user_are_refused(contents_server):
    import httpx

    async with httpx.AsyncClient(base_url=contents_server.base_url) as anonymous:
        assert (await anonymous.get("/api/contents/")).status_code == 403
    async with httpx.AsyncClient(base_url=contents_server.base_url, auth=("einstein", "wrong")) as wrong:
        assert (await wrong.get("/api/contents/")).status_code == 403


async def test_each_request_acts_as_its_own_user(contents_server):
    """One manager serves everyone: concurrent requests of two users each see their own home."""
    import anyio

    seen: dict[str, list[set[str]]] = {"einstein": [], "marie": []}

    async def list_home(user: str) -> None:
        answer = await contents_server.request("GET", "", user=user)
        assert answer.status_code == 200
        seen[user].append({entry["name"] for entry in answer.json()["content"]})

    async with anyio.create_task_group() as tasks:
        for _ in range(10):
            tasks.start_soon(list_home, "einstein")
            tasks.start_soon(list_home, "marie")
    assert all(contents_server.workdir in names for names in seen["einstein"])
    assert not any(contents_server.workdir in names for names in seen["marie"])
    assert len(seen["einstein"]) == len(seen["marie"]) == 10


async def test_resource_and_notebook_api_for_the_rooms(contents_server):
    """What the rooms use: a Jupyter path's CS3 resource (its id), and notebook JSON by resource id."""
    from meshcollab.contents import read_notebook, write_notebook
    from meshcollab.identity import acting_as

    manager = contents_server.app.contents_manager
    einstein = await contents_server.session()
    path = f"{contents_server.workdir}/room.ipynb"
    await contents_server.request("PUT", path, json={"type": "notebook", "content": notebook_with("a")})
    with acting_as(einstein):
        resource = await manager.resource(path)
        assert resource.is_file and resource.id is not None
        assert await manager.cs3_path(path) == await contents_server.cs3_path(path)
        assert await manager.api_path(await contents_server.cs3_path(path)) == path
        assert await manager.api_path("/home/marie/x.ipynb") is None

        written, validation_error = await write_notebook(
            einstein, resource.id, notebook_with("b"), if_match=resource.etag
        )
        assert validation_error is None and written.id == resource.id and written.etag != resource.etag
        read = await read_notebook(einstein, resource.id)
        assert read.notebook.cells[1].source == "b" and read.validation_error is None
        assert (await manager.read_notebook(path)).notebook.cells[1].source == "b"
        with pytest.raises(HTTPError) as missing:
            await manager.resource(f"{contents_server.workdir}/none.ipynb")
        assert missing.value.status_code == 404
