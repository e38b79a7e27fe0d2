"""Offline editors get every edit back: scenarios with protocol-level clients against `meshcollab serve`
and the embedded store. In every one: the documents converge, no cell is duplicated, and every edit of
every side is present (or in a conflict copy the clients were told about).

How "an application that does not honour locks" writes the file while the room is active: it reads
the room's lock id with GetLock (any client that may stat the file can; CS3 hands it out) and sends it
with its upload, which the store, like Reva, accepts: uploads are checked against the lock id only.
"""

from __future__ import annotations

import json
import signal
import sqlite3

import anyio
import nbformat
import pytest
from tornado.httpclient import HTTPClientError
from jupyter_rooms import JupyterRooms
from notebook_edits import upload
from recovering_client import (
    OfflineEditor,
    add_cells,
    assert_every_edit_once,
    converged,
    eventually,
    notebook_in_cs3,
    saved_as,
)
from notebook_edits import type_into
from room_clients import notebook
from server_process import FAST, ServerProcess

pytestmark = pytest.mark.anyio


async def setup(server, einstein, folder, name="nb.ipynb"):
    path = f"{await einstein.home()}/{folder}/{name}"
    await upload(einstein, path)
    return path, JupyterRooms(server.url, server.headers), f"{folder}/{name}"


async def two_editors(server, einstein, folder):
    """A new notebook with Alice and Bob in its room."""
    path, rooms, api_path = await setup(server, einstein, folder)
    alice, bob = OfflineEditor(rooms, api_path, "alice"), OfflineEditor(rooms, api_path, "bob")
    await alice.join()
    await bob.join()
    return path, rooms, alice, bob


async def room_closed(einstein, path) -> None:
    """The room unloaded: its final snapshot is written and its lock released."""
    await eventually(lambda: _unlocked(einstein, path))


async def _unlocked(einstein, path) -> bool:
    return await einstein.locks.get(path) is None


def lines(prefix: str, count: int) -> list[str]:
    return [f"{prefix} line {n}" for n in range(count)]


def type_lines(doc, cell: int, texts: list[str]) -> None:
    for text in texts:
        type_into(doc, cell, f"\n{text}")


async def test_offline_edits_while_another_client_edits_merge_on_reconnect(server, einstein, folder):
    path, rooms, alice, bob = await two_editors(server, einstein, folder)
    alice.go_offline()
    edits = add_cells(alice.doc, "alice offline", 10)
    type_lines(alice.doc, 1, alice_lines := lines("alice", 5))
    edits += add_cells(bob.doc, "bob online", 5)
    type_lines(bob.doc, 0, bob_lines := lines("bob", 5))
    edits += alice_lines + bob_lines
    await alice.reconnect()
    final = await converged([alice.doc, bob.doc])
    assert_every_edit_once(final, edits)
    await saved_as(einstein, path, final)


async def test_offline_edits_survive_a_killed_server(server, einstein, folder):
    path, rooms, alice, bob = await two_editors(server, einstein, folder)
    edits = add_cells(bob.doc, "bob before the crash", 3)
    await converged([alice.doc, bob.doc])
    server.stop(signal.SIGKILL)
    alice.go_offline()
    bob.go_offline()
    edits += add_cells(alice.doc, "alice while the server is down", 10)
    type_lines(alice.doc, 1, alice_lines := lines("alice", 5))
    server.start()
    await bob.reconnect()  # same sessionId: the history survived the crash
    edits += add_cells(bob.doc, "bob after the restart", 5)
    type_lines(bob.doc, 0, bob_lines := lines("bob", 5))
    await alice.reconnect()
    final = await converged([alice.doc, bob.doc])
    assert alice.recovered is None and bob.recovered is None  # merged by the CRDT
    assert_every_edit_once(final, edits + alice_lines + bob_lines)
    await saved_as(einstein, path, final)


async def test_offline_edits_survive_a_room_unloaded_for_idleness(server, einstein, folder):
    path, rooms, alice, bob = await two_editors(server, einstein, folder)
    alice.go_offline()
    edits = add_cells(bob.doc, "bob before the unload", 3)
    await anyio.sleep(0.2)
    bob.go_offline()
    await room_closed(einstein, path)  # nobody in the room: it wrote its snapshot and unloaded
    edits += add_cells(alice.doc, "alice offline", 10)
    type_lines(alice.doc, 1, alice_lines := lines("alice", 5))
    await bob.reconnect()
    edits += add_cells(bob.doc, "bob after the unload", 5)
    await alice.reconnect()
    final = await converged([alice.doc, bob.doc])
    assert alice.recovered is None
    assert_every_edit_once(final, edits + alice_lines)
    await saved_as(einstein, path, final)


async def test_a_history_reset_brings_in_fifty_unsynced_edits_through_the_recover_path(
    server, einstein, folder
):
    path, rooms, alice, bob = await two_editors(server, einstein, folder)
    edits = add_cells(bob.doc, "bob before the reset", 2)
    synced = await converged([alice.doc, bob.doc])
    await saved_as(einstein, path, synced)
    alice.go_offline()
    bob.go_offline()

    # The server loses its document store: every room's history starts anew from the files.
    server.stop()
    stores = list(server.data_dir.rglob("documents.sqlite*"))
    assert stores
    for file in stores:
        file.unlink()
    server.start()

    # Alice goes on editing offline: 50 edits the server has never seen.
    offline = add_cells(alice.doc, "alice offline cell", 30)
    offline += lines("alice offline", 20)
    type_lines(alice.doc, 1, offline[30:])
    assert len(offline) == 50
    # Bob reloads (JupyterLab offers it) and edits the new history.
    bob = OfflineEditor(rooms, alice.path, "bob")
    await bob.join()
    edits += add_cells(bob.doc, "bob after the reset", 3)
    type_into(bob.doc, 0, " (bob)")
    edits.append("# Shared (bob)")

    await alice.reconnect()  # 1003 unknown_session → recover endpoint → join again
    assert alice.recovered is not None and alice.recovered["method"] == "merge"
    assert alice.recovered["base"] == "client" and alice.recovered["conflicts"] == []
    final = await converged([alice.doc, bob.doc])
    assert_every_edit_once(final, edits + offline)
    assert [n for n in bob.notices("merged") if n["source"] == "recovered"]
    await saved_as(einstein, path, final)


async def test_a_file_edited_outside_while_no_room_is_active_is_merged(server, einstein, outsider, folder):
    path, rooms, api_path = await setup(server, einstein, folder)
    alice = OfflineEditor(rooms, api_path, "alice")
    await alice.join()
    edits = add_cells(alice.doc, "alice online", 2)
    await anyio.sleep(0.2)
    alice.go_offline()
    await room_closed(einstein, path)

    # Another tool edits the file while no room is active.
    theirs = await notebook_in_cs3(outsider, path)
    theirs["cells"][0]["source"] = "# Edited in another tool"
    theirs["cells"].append(nbformat.v4.new_code_cell("outside cell", id="outside-cell"))
    await outsider.files.write(path, json.dumps(theirs).encode())
    edits += ["# Edited in another tool", "outside cell"]

    edits += add_cells(alice.doc, "alice offline", 5)  # Alice keeps editing offline meanwhile
    bob = OfflineEditor(rooms, api_path, "bob")
    await bob.join()  # the room activates: it merges the file before Bob syncs
    assert "# Edited in another tool" in "\n".join(cell["source"] for cell in notebook(bob.doc)["cells"])
    assert [n for n in bob.notices("merged") if n["source"] == "outside"]
    edits += add_cells(bob.doc, "bob", 2)
    await alice.reconnect()
    final = await converged([alice.doc, bob.doc])
    assert_every_edit_once(final, edits)
    await saved_as(einstein, path, final)


async def test_a_file_edited_outside_while_the_room_is_active_is_merged(server, einstein, outsider, folder):
    path, rooms, alice, bob = await two_editors(server, einstein, folder)
    edits = add_cells(alice.doc, "alice", 2)
    synced = await converged([alice.doc, bob.doc])
    await saved_as(einstein, path, synced)

    # An application that does not honour locks (see the module doc) writes the file.
    theirs = await notebook_in_cs3(outsider, path)
    theirs["cells"][0]["source"] = "# Edited by a lockless app"
    theirs["cells"].append(nbformat.v4.new_code_cell("lockless cell", id="lockless-cell"))
    lock = await eventually(lambda: outsider.locks.get(path))  # taken as the room became active
    assert lock.app_name == "meshcollab"
    await outsider.files.write(path, json.dumps(theirs).encode(), lock_id=lock.lock_id)
    edits += ["# Edited by a lockless app", "lockless cell"]

    edits += add_cells(bob.doc, "bob", 2)  # the room's next snapshot finds the etag moved: a merge
    await eventually(lambda: alice.notices("merged") and bob.notices("merged"))
    final = await converged([alice.doc, bob.doc])
    assert_every_edit_once(final, edits)
    await saved_as(einstein, path, final)
    copies = [e.name for e in await einstein.files.list(path.rsplit("/", 1)[0]) if ".conflict." in e.name]
    assert copies == []


async def test_a_lock_taken_by_another_app_keeps_the_edits_in_a_conflict_copy_on_close(
    server, einstein, outsider, folder
):
    path, rooms, api_path = await setup(server, einstein, folder)
    before = await outsider.files.stat(path)
    await outsider.locks.set(path, "collabora-7", app_name="collabora", expiration=None)
    alice = OfflineEditor(rooms, api_path, "alice")
    await alice.join()
    await eventually(lambda: [n for n in alice.notices("save-blocked") if n["reason"] == "locked"])
    edits = add_cells(alice.doc, "alice while collabora holds the lock", 5)
    await anyio.sleep(0.3)
    alice.go_offline()

    # The room closes while collabora still holds the lock: the edits go to a conflict copy.
    folder_path = path.rsplit("/", 1)[0]
    copies = await eventually(
        lambda: _conflict_copies(outsider, folder_path)
    )
    assert (await outsider.files.stat(path)).etag == before.etag  # the file was not written
    [copy_path] = copies
    assert_every_edit_once(await notebook_in_cs3(outsider, copy_path), edits)

    # Alice comes back: she is told where her edits went, and has them all in the room too.
    await alice.reconnect()
    [notice] = await eventually(lambda: alice.notices("conflict-copy"))
    assert notice["path"] == copy_path and notice["reason"] == "locked"
    assert_every_edit_once(notebook(alice.doc), edits)
    # Collabora lets go: the room saves to the file as usual.
    await outsider.locks.unlock(path, "collabora-7", app_name="collabora")
    await saved_as(einstein, path, notebook(alice.doc))


async def _conflict_copies(session, folder_path) -> list[str]:
    return [e.path for e in await session.files.list(folder_path) if ".conflict." in e.name]


async def test_invalid_json_in_cs3_sends_the_room_to_a_conflict_copy_and_loses_nothing(
    server, einstein, outsider, folder
):
    path, rooms, alice, bob = await two_editors(server, einstein, folder)
    edits = add_cells(alice.doc, "alice", 2)
    await converged([alice.doc, bob.doc])

    lock = await eventually(lambda: outsider.locks.get(path))  # taken as the room became active
    garbage = b'{"cells": [ this is not json'
    await outsider.files.write(path, garbage, lock_id=lock.lock_id)
    edits += add_cells(bob.doc, "bob", 2)
    [notice] = await eventually(lambda: bob.notices("conflict-copy"))
    assert notice["reason"] == "invalid-file" and notice["path"].endswith(".conflict.ipynb")
    await eventually(lambda: alice.notices("conflict-copy"))
    assert await outsider.files.read_bytes(path) == garbage  # not overwritten: it may be someone's work

    edits += add_cells(alice.doc, "alice after the copy", 2)
    final = await converged([alice.doc, bob.doc])
    assert_every_edit_once(final, edits)
    await saved_as(einstein, notice["path"], final)  # the room keeps saving to the copy
    assert await outsider.files.read_bytes(path) == garbage


async def test_offline_edits_merge_natively_after_the_history_was_compacted_past_them(
    store, tmp_path, einstein, folder
):
    compacting = ServerProcess(
        store.grpc_address, tmp_path / "compacting", *FAST, "--DocumentStore.compact_after_updates=5"
    )
    compacting.start()
    try:
        path, rooms, alice, bob = await two_editors(compacting, einstein, folder)
        alice.go_offline()
        edits = []
        for n in range(30):  # many flushes: the log is compacted into snapshots several times
            edits += add_cells(bob.doc, f"bob {n}", 1)
            await anyio.sleep(0.02)
        await converged([bob.doc], timeout=5)
        [database] = compacting.data_dir.rglob("documents.sqlite")
        with sqlite3.connect(database) as db:  # the log was compacted: far fewer rows than flushes
            assert db.execute("SELECT count(*) FROM updates").fetchone()[0] < 30
        edits += add_cells(alice.doc, "alice offline", 10)
        type_lines(alice.doc, 1, alice_lines := lines("alice", 5))
        await alice.reconnect()
        final = await converged([alice.doc, bob.doc])
        assert alice.recovered is None  # compaction keeps every item id: the CRDT merges it
        assert_every_edit_once(final, edits + alice_lines)
        await saved_as(einstein, path, final)
    finally:
        compacting.stop()


async def test_a_file_replaced_while_a_client_was_offline_gets_its_edits_through_the_recover_path(
    server, einstein, outsider, folder
):
    path, rooms, alice, bob = await two_editors(server, einstein, folder)
    edits = add_cells(alice.doc, "alice online", 2)
    synced = await converged([alice.doc, bob.doc])
    await saved_as(einstein, path, synced)
    alice.go_offline()
    bob.go_offline()
    await room_closed(einstein, path)

    # Another tool replaces the file: a new resource at the same path (a new room), with a change.
    replacement = await notebook_in_cs3(outsider, path)
    replacement["cells"][0]["source"] = "# Replaced by another tool"
    await outsider.files.delete(path)
    await outsider.files.write(path, json.dumps(replacement).encode())
    edits.append("# Replaced by another tool")

    edits += add_cells(alice.doc, "alice offline", 5)
    with pytest.raises(HTTPClientError) as refused:
        await alice.reconnect()  # the old room's file is gone: its websocket is refused
    assert refused.value.code == 404
    # The frontend asks the session endpoint again: the path is another file (another fileId) now.
    old_room = alice.room
    assert await rooms.open(alice.path) != old_room
    await alice.recover()
    assert alice.room != old_room and alice.recovered["method"] == "merge"
    bob = OfflineEditor(rooms, alice.path, "bob")
    await bob.join()
    final = await converged([alice.doc, bob.doc])
    assert_every_edit_once(final, edits)
    await saved_as(einstein, path, final)
