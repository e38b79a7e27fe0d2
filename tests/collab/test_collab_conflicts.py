"""A change made outside the room is never overwritten: both are kept, the room's state as a conflict
copy next to the file (named `<name>.<user>.<YYYY-MM-DD_HH_MM_SS>.conflict.<ext>`), and clients are told."""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from collab_helpers import collab, eventually, read_stable, room_id
from jupyter_ydoc import YNotebook, YUnicode
from room_clients import NOTEBOOK, notebook

from meshcollab.collab import RoomRecord
from meshcollab.collab.content import parse_notebook

pytestmark = pytest.mark.anyio

STAMP = r"\d{4}-\d{2}-\d{2}_\d{2}_\d{2}_\d{2}"


def edit(doc, kind: str, text: str) -> None:
    if kind == "notebook":
        source = YNotebook(doc).ycells[1]["source"]
    else:
        source = YUnicode(doc)._ysource
    source.insert(len(source), text)


def room_content(doc, kind: str):
    return notebook(doc) if kind == "notebook" else YUnicode(doc).get()


def file_content(data: bytes, kind: str):
    return nbformat.reads(data.decode(), as_version=4) if kind == "notebook" else data.decode()


CASES = {
    "notebook": ("nb.ipynb", json.dumps(NOTEBOOK).encode(), r"nb\.einstein\.{stamp}\.conflict\.ipynb"),
    "file": ("data.txt", b"line one\n", r"data\.einstein\.{stamp}\.conflict\.txt"),
}


@pytest.mark.parametrize("kind", ["notebook", "file"])
async def test_an_outside_change_while_active_is_kept_and_the_room_state_goes_to_a_conflict_copy(
    tmp_path, einstein, outsider, workdir, kind
):
    name, initial, pattern = CASES[kind]
    path = f"{workdir}/{name}"
    resource = await einstein.files.write(path, initial)
    room = room_id(resource, kind)
    async with collab(tmp_path, einstein) as c, c.server.client(room=room) as client:
        live = c.server.registry.get(room)
        # An application that ignores locks writes the file (it even sends the room's lock id).
        lock = await outsider.locks.get(path)
        theirs = await outsider.files.write(path, b"their version\n", lock_id=lock.lock_id)

        edit(client.doc, kind, "\nours = 1")
        [notice] = await eventually(lambda: client.notices("conflict-copy"))
        assert re.fullmatch(pattern.format(stamp=STAMP), notice["path"].rsplit("/", 1)[1]), notice["path"]
        assert notice["path"].rsplit("/", 1)[0] == workdir and notice["file"] == path
        assert notice["file_etag"] == theirs.etag
        status = client.notices("save-blocked")[-1]
        assert status["reason"] == "changed-outside" and status["conflict_copy"] == notice["path"]

        # Theirs is not overwritten; ours is in the copy.
        assert await read_stable(outsider, path) == b"their version\n"
        copy = notice["path"]
        assert file_content(await read_stable(outsider, copy), kind) == room_content(live.doc, kind)
        assert "ours = 1" in str(room_content(live.doc, kind))

        # Later edits keep going to the copy, never to the file.
        edit(client.doc, kind, "\nmore = 2")
        await eventually(lambda: _copy_has(outsider, copy, "more = 2"))
        assert await read_stable(outsider, path) == b"their version\n"

        # The base for a later merge is kept: the last snapshot the room wrote to the file.
        etag, base = await RoomRecord(c.server.registry.store, room).last_snapshot()
        assert etag == resource.etag and b"ours" not in base


async def _copy_has(session, path, text) -> bool:
    return text.encode() in await read_stable(session, path)


async def test_an_outside_change_while_the_room_was_closed_is_not_overwritten(
    tmp_path, einstein, outsider, workdir
):
    path = f"{workdir}/nb.ipynb"
    resource = await einstein.files.write(path, json.dumps(NOTEBOOK).encode())
    room = room_id(resource)
    async with collab(tmp_path, einstein, room_close_delay=0.05) as c:
        async with c.server.client(room=room) as client:
            edit(client.doc, "notebook", "\nfirst = 1")
        await eventually(lambda: c.server.registry.get(room) is None)
        assert "first = 1" in json.loads(await read_stable(outsider, path))["cells"][1]["source"]

        # Edited elsewhere while no room is active (a valid notebook, another version).
        outside = json.loads(json.dumps(NOTEBOOK))
        outside["cells"][0]["source"] = "# Edited in another tool"
        await outsider.files.write(path, json.dumps(outside).encode())

        # The room comes back from its history (not from the file) and its next snapshot conflicts.
        async with c.server.client(room=room) as client:
            edit(client.doc, "notebook", "\nsecond = 2")
            [notice] = await eventually(lambda: client.notices("conflict-copy"))
            copy = parse_notebook(await read_stable(outsider, notice["path"]))
            assert [cell["source"] for cell in copy["cells"]] == ["# Mesh", "x = 1\nfirst = 1\nsecond = 2"]
        assert json.loads(await read_stable(outsider, path)) == outside
        await eventually(lambda: c.server.registry.get(room) is None)

        # Until the out-of-band change is merged, the next activation goes on with the same copy.
        async with c.server.client(room=room) as client:
            assert client.notices("save-blocked")[-1]["conflict_copy"] == notice["path"]
            edit(client.doc, "notebook", "\nthird = 3")
            await eventually(lambda: _copy_has(outsider, notice["path"], "third = 3"))
            assert not client.notices("conflict-copy")
        copies = [entry.name for entry in await outsider.files.list(workdir) if ".conflict." in entry.name]
        assert copies == [notice["path"].rsplit("/", 1)[1]]
        assert json.loads(await read_stable(outsider, path)) == outside
