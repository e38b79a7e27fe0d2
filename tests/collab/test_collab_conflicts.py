"""A change made outside the room is never overwritten: a notebook is merged into the room (base = the
room's last snapshot, theirs = the file, ours = the room) and the merged state saved; what cannot be
merged (a text file, a file that is not a valid notebook) is kept as a conflict copy next to the file
(`<name>.<user>.<YYYY-MM-DD_HH_MM_SS>.conflict.<ext>`), and clients are told. A room closing while
another application holds the lock writes its state to a conflict copy too.

"An application that ignores locks" is simulated honestly: it reads the room's lock id with GetLock
(any client that may stat the file can) and sends it with its write, which the store, like Reva,
accepts: uploads are checked against the lock id only."""

from __future__ import annotations

import copy
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


def edit(doc, kind: str, text: str, cell: int = 1) -> None:
    if kind == "notebook":
        source = YNotebook(doc).ycells[cell]["source"]
    else:
        source = YUnicode(doc)._ysource
    source.insert(len(source), text)


def sources(nb: dict) -> list[str]:
    return [cell["source"] for cell in nb["cells"]]


def outside_version(first_cell: str, new_cell: str | None = None) -> bytes:
    theirs = copy.deepcopy(NOTEBOOK)
    theirs["cells"][0]["source"] = first_cell
    if new_cell is not None:
        theirs["cells"].append(nbformat.v4.new_code_cell(new_cell, id="theirs-new"))
    return json.dumps(theirs).encode()


async def new_notebook(session, workdir: str) -> tuple[str, str]:
    """`nb.ipynb` in the test's folder: its path and its room."""
    path = f"{workdir}/nb.ipynb"
    return path, room_id(await session.files.write(path, json.dumps(NOTEBOOK).encode()))


async def file_notebook(session, path) -> dict:
    return parse_notebook(await read_stable(session, path))


async def write_ignoring_the_lock(outsider, path, data: bytes):
    lock = await outsider.locks.get(path)
    return await outsider.files.write(path, data, lock_id=lock.lock_id if lock else "")


async def _copy_has(session, path, text) -> bool:
    return text.encode() in await read_stable(session, path)


async def test_an_outside_change_while_active_is_merged_into_the_room_and_saved(
    tmp_path, einstein, outsider, workdir
):
    path, room = await new_notebook(einstein, workdir)
    async with collab(tmp_path, einstein) as c, c.server.client(room=room) as client:
        live = c.server.registry.get(room)
        theirs = await write_ignoring_the_lock(outsider, path, outside_version("# Theirs", "added = 1"))
        edit(client.doc, "notebook", "\nours = 1")
        [notice] = await eventually(lambda: client.notices("merged"))
        assert notice["source"] == "outside" and notice["conflicts"] == 0 and notice["file_etag"] == theirs.etag
        expected = ["# Theirs", "x = 1\nours = 1", "added = 1"]
        await eventually(lambda: sources(notebook(client.doc)) == expected)
        assert sources(notebook(live.doc)) == expected
        # The merged state is saved over their version (which stays in CS3's history).
        await eventually(lambda: _file_is(outsider, path, expected))
        assert not client.notices("conflict-copy")
        ids = [cell["id"] for cell in notebook(live.doc)["cells"]]
        assert len(ids) == len(set(ids))
        # Their version is the new base.
        etag, base = await RoomRecord(c.server.registry.store, room).last_snapshot()
        assert b"# Theirs" in base


async def _file_is(session, path, expected) -> bool:
    return sources(await file_notebook(session, path)) == expected


async def test_both_sides_editing_one_line_is_a_reported_conflict_that_keeps_both(
    tmp_path, einstein, outsider, workdir
):
    path, room = await new_notebook(einstein, workdir)
    async with collab(tmp_path, einstein) as c, c.server.client(room=room) as client:
        theirs = copy.deepcopy(NOTEBOOK)
        theirs["cells"][1]["source"] = "x = 'theirs'"
        await write_ignoring_the_lock(outsider, path, json.dumps(theirs).encode())
        YNotebook(client.doc).ycells[1]["source"].insert(4, "'ours' + ")
        [notice] = await eventually(lambda: client.notices("merged"))
        assert notice["conflicts"] >= 1
        await eventually(lambda: "x = 'theirs'" in sources(notebook(client.doc))[1])
        merged_cell = sources(notebook(client.doc))[1]
        assert "'ours' + 1" in merged_cell and "x = 'theirs'" in merged_cell


async def test_a_text_file_changed_outside_is_kept_and_the_room_state_goes_to_a_conflict_copy(
    tmp_path, einstein, outsider, workdir
):
    path = f"{workdir}/data.txt"
    resource = await einstein.files.write(path, b"line one\n")
    room = room_id(resource, "file")
    async with collab(tmp_path, einstein) as c, c.server.client(room=room) as client:
        live = c.server.registry.get(room)
        theirs = await write_ignoring_the_lock(outsider, path, b"their version\n")
        edit(client.doc, "file", "\nours = 1")
        [notice] = await eventually(lambda: client.notices("conflict-copy"))
        assert re.fullmatch(rf"data\.einstein\.{STAMP}\.conflict\.txt", notice["path"].rsplit("/", 1)[1])
        assert notice["path"].rsplit("/", 1)[0] == workdir and notice["file"] == path
        assert notice["file_etag"] == theirs.etag and notice["reason"] == "changed-outside"
        status = client.notices("save-blocked")[-1]
        assert status["reason"] == "changed-outside" and status["conflict_copy"] == notice["path"]
        assert await read_stable(outsider, path) == b"their version\n"
        copy_path = notice["path"]
        assert (await read_stable(outsider, copy_path)).decode() == YUnicode(live.doc).get()
        edit(client.doc, "file", "\nmore = 2")
        await eventually(lambda: _copy_has(outsider, copy_path, "more = 2"))
        assert await read_stable(outsider, path) == b"their version\n"


async def test_an_invalid_notebook_in_cs3_is_not_overwritten_and_the_room_state_goes_to_a_copy_until_fixed(
    tmp_path, einstein, outsider, workdir
):
    path, room = await new_notebook(einstein, workdir)
    async with collab(tmp_path, einstein) as c, c.server.client(room=room) as client:
        live = c.server.registry.get(room)
        await write_ignoring_the_lock(outsider, path, b'{"cells": [ broken')
        edit(client.doc, "notebook", "\nours = 1")
        [notice] = await eventually(lambda: client.notices("conflict-copy"))
        assert notice["reason"] == "invalid-file" and "not JSON" in notice["error"]
        assert re.fullmatch(rf"nb\.einstein\.{STAMP}\.conflict\.ipynb", notice["path"].rsplit("/", 1)[1])
        copy_path = notice["path"]
        assert (await file_notebook(outsider, copy_path))["cells"] == notebook(live.doc)["cells"]
        assert client.notices("save-blocked")[-1]["reason"] == "invalid-file"
        assert await read_stable(outsider, path) == b'{"cells": [ broken'
        edit(client.doc, "notebook", "\nmore = 2")
        await eventually(lambda: _copy_has(outsider, copy_path, "more = 2"))
        assert await read_stable(outsider, path) == b'{"cells": [ broken'

        # Fixed (a valid notebook again): merged, and the room saves to the file again.
        await write_ignoring_the_lock(outsider, path, outside_version("# Fixed"))
        edit(client.doc, "notebook", "\nthird = 3")
        await eventually(lambda: client.notices("merged"))
        expected = ["# Fixed", "x = 1\nours = 1\nmore = 2\nthird = 3"]
        await eventually(lambda: _file_is(outsider, path, expected))
        assert sources(notebook(live.doc)) == expected


async def test_an_outside_change_while_the_room_was_closed_is_merged_on_activation(
    tmp_path, einstein, outsider, workdir
):
    path, room = await new_notebook(einstein, workdir)
    async with collab(tmp_path, einstein, room_close_delay=0.05) as c:
        async with c.server.client(room=room) as client:
            edit(client.doc, "notebook", "\nfirst = 1")
        await eventually(lambda: c.server.registry.get(room) is None)
        assert "first = 1" in json.loads(await read_stable(outsider, path))["cells"][1]["source"]

        # Edited elsewhere while no room is active (a valid notebook, another version).
        theirs = json.loads(await read_stable(outsider, path))
        theirs["cells"][0]["source"] = "# Edited in another tool"
        theirs["cells"].append(nbformat.v4.new_code_cell("added = 1", id="theirs-new"))
        await outsider.files.write(path, json.dumps(theirs).encode())

        # The room comes back from its history and merges the file before the client syncs.
        async with c.server.client(room=room) as client:
            expected = ["# Edited in another tool", "x = 1\nfirst = 1", "added = 1"]
            assert sources(notebook(client.doc)) == expected
            assert client.notices("merged")[0]["source"] == "outside"
            edit(client.doc, "notebook", "\nsecond = 2")
            expected[1] += "\nsecond = 2"
            await eventually(lambda: _file_is(outsider, path, expected))
        copies = [entry.name for entry in await outsider.files.list(workdir) if ".conflict." in entry.name]
        assert copies == []


async def test_a_room_closing_while_another_app_holds_the_lock_writes_a_conflict_copy_and_says_so(
    tmp_path, einstein, outsider, workdir
):
    path, room = await new_notebook(einstein, workdir)
    before = await outsider.files.stat(path)
    await outsider.locks.set(path, "wopi-1", expiration=None, app_name="collabora")
    async with collab(tmp_path, einstein, room_close_delay=0.05) as c:
        async with c.server.client(room=room) as client:
            await eventually(lambda: client.notices("save-blocked"))
            edit(client.doc, "notebook", "\ntyped while locked = 1")
        await eventually(lambda: c.server.registry.get(room) is None)
        assert (await outsider.files.stat(path)).etag == before.etag  # the file is untouched
        copies = [e.path for e in await outsider.files.list(workdir) if ".conflict." in e.name]
        assert len(copies) == 1
        assert "typed while locked = 1" in (await file_notebook(outsider, copies[0]))["cells"][1]["source"]

        # Nobody was in the room when it closed: the next client is told.
        async with c.server.client(room=room) as client:
            [notice] = await eventually(lambda: client.notices("conflict-copy"))
            assert notice["path"] == copies[0] and notice["reason"] == "locked"
            # The lock goes: the room saves to the file as usual.
            await outsider.locks.unlock(path, "wopi-1", app_name="collabora")
            await eventually(lambda: _copy_has(outsider, path, "typed while locked = 1"))


async def test_an_idle_room_finds_an_outside_change_by_itself(tmp_path, einstein, outsider, workdir):
    path, room = await new_notebook(einstein, workdir)
    async with collab(tmp_path, einstein, lock_ttl=1.5) as c, c.server.client(room=room) as client:
        await write_ignoring_the_lock(outsider, path, outside_version("# Theirs"))
        # Nobody types: no snapshot is refused; the room looks at the file's etag now and then.
        [notice] = await eventually(lambda: client.notices("merged"))
        assert notice["source"] == "outside"
        await eventually(lambda: sources(notebook(client.doc))[0] == "# Theirs")
        assert c.writer(room).merges == 1
