"""Every change a client could have seen is stored; a room reloaded from the store (after it unloads,
after a restart, after compaction) is the same Y document, so old clients merge without duplicates."""

from __future__ import annotations

import gc
import json
import shutil
import sqlite3
import weakref

import pytest
from jupyter_ydoc import YNotebook
from pycrdt import Doc
from room_clients import ROOM, notebook, serve, sources, type_into, until

from meshcollab.rooms import CloseCode, DocumentStore

pytestmark = pytest.mark.anyio


def copy_of(doc: Doc, same_client: bool = True) -> Doc:
    """A client's document as it was. Keep the client id only if the original is not edited any more:
    two documents editing under one client id is a broken client, not an old one."""
    copy = Doc(client_id=doc.client_id) if same_client else Doc()
    copy.apply_update(doc.get_update())
    return copy


def assert_no_duplicated_cells(doc: Doc, expected_cells: int) -> None:
    cells = notebook(doc)["cells"]
    assert len(cells) == expected_cells
    assert len({cell["id"] for cell in cells}) == expected_cells


def stored_rows(data, room: str = ROOM) -> int:
    with sqlite3.connect(data / "rooms.sqlite3") as db:
        (count,) = db.execute(
            "SELECT count(*) FROM updates JOIN rooms ON rooms.id = updates.room WHERE rooms.name = ?", (room,)
        ).fetchone()
    return count


@pytest.mark.parametrize("compact", [False, True], ids=["log", "compacted"])
async def test_acknowledged_edits_survive_a_restart_and_old_clients_merge(tmp_path, compact):
    async with serve(tmp_path) as server:
        async with server.client() as author, server.client() as witness:
            type_into(author.doc, 1, "\nprint(x)")
            YNotebook(author.doc).append_cell({"cell_type": "markdown", "source": "added", "metadata": {}})
            # What the witness received was fanned out, hence acknowledged, hence stored.
            await until(lambda: notebook(witness.doc) == notebook(author.doc))
            acknowledged = notebook(witness.doc)
            session_id = await server.session_id()
        offline = copy_of(author.doc)
    if compact:
        async with DocumentStore(path=str(tmp_path / "rooms.sqlite3")) as store:
            await store.compact(ROOM)
        assert stored_rows(tmp_path) == 1

    type_into(offline, 0, " (offline)")  # edited while the server was down
    async with serve(tmp_path) as server:
        assert await server.session_id() == session_id  # the same history: no reload in JupyterLab
        async with server.client(Doc()) as fresh:
            assert notebook(fresh.doc) == acknowledged
            async with server.client(offline) as returning:
                await until(lambda: notebook(fresh.doc) == notebook(returning.doc))
        assert sources(fresh.doc) == ["# Mesh (offline)", "x = 1\nprint(x)", "added"]
        assert_no_duplicated_cells(fresh.doc, 3)
        assert "on_load" not in server.hooks[ROOM].calls  # loaded from the store, not from the file


async def test_a_room_unloads_after_its_last_client_and_comes_back_with_the_same_history(tmp_path):
    async with serve(tmp_path, room_close_delay=0.05) as server:
        async with server.client() as client:
            type_into(client.doc, 1, " + 1")
            await until(lambda: notebook(server.registry.get(ROOM).doc) == notebook(client.doc))
        first_hooks = server.hooks[ROOM]
        await until(lambda: server.registry.get(ROOM) is None)
        assert first_hooks.calls[-1] == "on_close" and "on_last_client" in first_hooks.calls

        offline = copy_of(client.doc)
        type_into(offline, 0, "!")
        async with server.client(offline) as returning, server.client(Doc()) as fresh:
            await until(lambda: notebook(fresh.doc) == notebook(returning.doc))
            assert sources(fresh.doc) == ["# Mesh!", "x = 1 + 1"]
            assert_no_duplicated_cells(fresh.doc, 2)
        assert server.hooks[ROOM] is not first_hooks and "on_load" not in server.hooks[ROOM].calls


async def test_a_client_from_a_lost_history_is_told_to_reload(tmp_path):
    async with serve(tmp_path / "before") as server:
        async with server.client() as client:
            old_session = await server.session_id()
    shutil.rmtree(tmp_path / "before")  # the data directory is gone: the history starts anew
    async with serve(tmp_path / "after") as server:
        stale = server.client(copy_of(client.doc), sessionId=old_session)
        await stale.connect()
        await until(lambda: stale.closed)
        assert stale.close_code == CloseCode.SESSION_EXPIRED
        reason = {"reason": "unknown_session", "sessionId": old_session, "reloadable": True}
        assert json.loads(stale.close_reason) == reason
        async with server.client(Doc()) as fresh:
            assert_no_duplicated_cells(fresh.doc, 2)  # nothing of the stale document came in


async def test_storage_stays_bounded_under_long_editing_and_the_content_is_kept(tmp_path):
    limit = 200
    async with serve(tmp_path, compact_after_updates=limit) as server:
        async with server.client() as typist:
            type_into(typist.doc, 1, "a" * 2500)
            halfway = copy_of(typist.doc, same_client=False)  # a reader who went offline
            type_into(typist.doc, 1, "b" * 2500)
            del YNotebook(typist.doc).ycells[1]["source"][0:100]  # deletions are history too
            await until(lambda: notebook(server.registry.get(ROOM).doc) == notebook(typist.doc))
            final = notebook(typist.doc)
    # Compaction runs as the log grows: what is left is at most one threshold's worth of rows.
    assert stored_rows(tmp_path) <= limit

    type_into(halfway, 0, "?")  # an old client that went offline halfway
    async with serve(tmp_path, compact_after_updates=limit) as server:
        async with server.client(Doc()) as fresh:
            assert notebook(fresh.doc) == final
            async with server.client(halfway) as returning:
                await until(lambda: notebook(fresh.doc) == notebook(returning.doc))
        assert sources(fresh.doc) == ["# Mesh?", final["cells"][1]["source"]]
        assert_no_duplicated_cells(fresh.doc, 2)


async def test_when_the_disk_is_full_no_unstored_edit_is_shown_and_none_is_lost(tmp_path):
    async with serve(tmp_path) as server:
        async with server.client() as author, server.client() as witness:
            type_into(author.doc, 1, " ok")
            await until(lambda: sources(witness.doc)[1] == "x = 1 ok")
            # Fault injection through the store's own connection: SQLite answers "database or disk is full".
            store = server.registry.store
            pages = await store._write(lambda db: db.execute("PRAGMA page_count").fetchone()[0])
            await store._write(lambda db: db.execute(f"PRAGMA max_page_count={pages}"))
            type_into(author.doc, 1, " " + "X" * 200_000, keystrokes=False)
            await until(lambda: author.closed and witness.closed)
            assert author.close_code == witness.close_code == CloseCode.INTERNAL_ERROR
            assert "X" not in sources(witness.doc)[1]  # it was never stored, so never sent

            await store._write(lambda db: db.execute("PRAGMA max_page_count=1073741823"))
            author.disconnect()
            witness.disconnect()
            await author.connect()  # the author still has its edit and brings it back
            await witness.connect()
            await until(lambda: sources(witness.doc)[1] == "x = 1 ok " + "X" * 200_000)


async def test_an_unloaded_room_leaves_nothing_behind_in_memory(tmp_path):
    async with serve(tmp_path, room_close_delay=0) as server:
        async with server.client() as client:
            type_into(client.doc, 1, "!")
            room = weakref.ref(server.registry.get(ROOM))
        await until(lambda: server.registry.get(ROOM) is None)
        await until(lambda: gc.collect() is not None and room() is None)
