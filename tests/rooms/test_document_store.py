"""The document store on its own: group commit, reopening, metadata, and compaction that keeps history."""

from __future__ import annotations

import ctypes
import ctypes.util
import random
import sqlite3
import tempfile
from pathlib import Path

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jupyter_ydoc import YNotebook
from pycrdt import Array, Doc, Map, Text

from meshcollab.rooms import DocumentStore, RoomRegistry

pytestmark = pytest.mark.anyio


def text_doc(content: str = "", client_id: int | None = None) -> tuple[Doc, Text, list[bytes]]:
    doc = Doc(client_id=client_id)
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    doc["source"] = text = Text(content)
    return doc, text, updates


def content(update: bytes | None) -> str:
    doc = Doc()
    if update is not None:
        doc.apply_update(update)
    return str(doc.get("source", type=Text))


async def test_a_store_made_by_an_earlier_version_is_upgraded_with_everything_in_it(tmp_path):
    """Version 1 kept room metadata WITHOUT ROWID (a lookup next to a large value read all of it)."""
    path = tmp_path / "rooms.sqlite3"
    async with DocumentStore(path=str(path)) as store:
        history = await store.history_id("json:notebook:a")
        await store.append("json:notebook:a", text_doc("kept")[0].get_update())
        await store.set_metadata("json:notebook:a", "cs3.snapshot", b"{" + b" " * 100_000 + b"}")
        await store.set_metadata("json:notebook:a", "cs3.etag", b'"etag-1"')
    with sqlite3.connect(path) as db:  # back to version 1's table
        db.executescript(
            """ALTER TABLE room_metadata RENAME TO current;
            CREATE TABLE room_metadata (room INTEGER NOT NULL REFERENCES rooms(id), key TEXT NOT NULL,
                value BLOB NOT NULL, PRIMARY KEY (room, key)) WITHOUT ROWID;
            INSERT INTO room_metadata SELECT * FROM current; DROP TABLE current; PRAGMA user_version = 0;"""
        )
    async with DocumentStore(path=str(path)) as store:
        stored = await store.load("json:notebook:a")
        assert stored.history_id == history and content(stored.update) == "kept"
        assert await store.get_metadata("json:notebook:a", "cs3.etag") == b'"etag-1"'
        assert len(await store.get_metadata("json:notebook:a", "cs3.snapshot")) == 100_002
        await store.set_metadata("json:notebook:a", "cs3.lock_id", b"lock")
    with sqlite3.connect(path) as db:
        table = db.execute("SELECT sql FROM sqlite_master WHERE name = 'room_metadata'").fetchone()[0]
        assert "WITHOUT ROWID" not in table.upper()
        assert db.execute("PRAGMA user_version").fetchone()[0] >= 2
        assert db.execute("SELECT count(*) FROM room_metadata").fetchone()[0] == 3


async def test_concurrent_appends_are_committed_together_and_all_kept(tmp_path):
    path = str(tmp_path / "rooms.sqlite3")
    docs = {f"json:notebook:room{index}": text_doc() for index in range(10)}
    async with DocumentStore(path=path) as store:
        async with anyio.create_task_group() as tg:
            for room, (_, text, updates) in docs.items():
                for keystroke in range(20):
                    text += str(keystroke % 10)
                    tg.start_soon(store.append, room, updates[-1])
        appends = sum(len(updates) for _, _, updates in docs.values()) - len(docs)  # not the creations
        assert store.commits < appends
    async with DocumentStore(path=path) as store:
        for room, (doc, text, _) in docs.items():
            assert content((await store.load(room)).update) == str(text) == "01234567890123456789"


async def test_history_id_and_metadata_survive_reopening(tmp_path):
    path = str(tmp_path / "rooms.sqlite3")
    async with DocumentStore(path=path) as store:
        history = await store.history_id("json:notebook:a")
        assert history != await store.history_id("json:notebook:b")
        await store.set_metadata("json:notebook:a", "cs3.etag", b'"etag-1"')
        await store.set_metadata("json:notebook:a", "base", b"{}")
        await store.set_metadata("json:notebook:a", "base", None)
        assert (await store.load("json:notebook:a")).update is None
    async with DocumentStore(path=path) as store:
        assert (await store.load("json:notebook:a")).history_id == history
        assert await store.get_metadata("json:notebook:a", "cs3.etag") == b'"etag-1"'
        assert await store.get_metadata("json:notebook:a", "base") is None
        assert await store.get_metadata("json:notebook:b", "cs3.etag") is None


async def test_appends_during_a_compaction_are_kept(tmp_path):
    doc, text, updates = text_doc()
    async with DocumentStore(path=str(tmp_path / "rooms.sqlite3"), compact_after_updates=10**9) as store:
        for char in "compacted":
            text += char
            await store.append("room", updates[-1])
        async with anyio.create_task_group() as tg:
            tg.start_soon(store.compact, "room")
            for char in " and appended":
                text += char
                tg.start_soon(store.append, "room", updates[-1])
        assert content((await store.load("room")).update) == "compacted and appended"


def edit_text(text: Text, rnd: random.Random) -> None:
    length = len(str(text))
    if length and rnd.random() < 0.3:
        start = rnd.randrange(length)
        del text[start : min(length, start + rnd.randint(1, 5))]
    else:
        # ASCII only: pycrdt 0.14 encodes an insert right after a non-ASCII character with a right
        # origin pointing at itself (Text("ü").insert(1, "x") does not survive get_update()).
        text.insert(rnd.randint(0, length), rnd.choice(["a", "bc", "\n", "def "]))


def edit_cells(cells: Array, rnd: random.Random) -> None:
    """A notebook-shaped edit: mostly typing in a cell, sometimes adding or deleting a cell."""
    choice = rnd.random()
    if choice < 0.1 and len(cells) > 1:
        del cells[rnd.randrange(len(cells))]
    elif choice < 0.25:
        cell = Map({"id": f"{rnd.getrandbits(32):08x}", "source": Text("new")})
        cells.insert(rnd.randint(0, len(cells)), cell)
    else:
        edit_text(cells[rnd.randrange(len(cells))]["source"], rnd)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    edits=st.integers(1, 150),
    compact_after=st.integers(2, 40),
    offline_at=st.floats(0, 1),
)
def test_compaction_never_changes_content_nor_breaks_an_old_client(seed, edits, compact_after, offline_at):
    """Whatever the edits and wherever compaction falls, the store returns the document, and a client
    that went offline at any point merges with it exactly as it would with the uncompacted history:
    same cells, none duplicated."""
    rnd = random.Random(seed)

    async def scenario(folder: Path) -> None:
        doc, updates = Doc(), []
        doc.observe(lambda event: updates.append(event.update))
        doc["cells"] = cells = Array([Map({"id": "first", "source": Text("start")})])
        old = None
        store = DocumentStore(path=str(folder / "rooms.sqlite3"), compact_after_updates=compact_after)
        async with store:
            await store.append("room", updates[-1])
            for index in range(edits):
                edit_cells(cells, rnd)
                await store.append("room", updates[-1])
                if old is None and index >= int(offline_at * (edits - 1)):
                    old = Doc()
                    old.apply_update(doc.get_update())
            stored = (await store.load("room")).update
        reopened = Doc()
        reopened.apply_update(stored)
        assert reopened.get("cells", type=Array).to_py() == cells.to_py()

        for _ in range(rnd.randint(1, 3)):  # the old client's offline edits
            edit_cells(old.get("cells", type=Array), rnd)
        reference = Doc()
        reference.apply_update(doc.get_update())  # the uncompacted history
        for merged in (reference, reopened):
            merged.apply_update(old.get_update(merged.get_state()))
            old_copy = Doc()
            old_copy.apply_update(old.get_update())
            old_copy.apply_update(merged.get_update(old_copy.get_state()))
            assert old_copy.get("cells", type=Array).to_py() == merged.get("cells", type=Array).to_py()
        assert reopened.get("cells", type=Array).to_py() == reference.get("cells", type=Array).to_py()

    with tempfile.TemporaryDirectory() as folder:
        anyio.run(scenario, Path(folder))


async def test_store_and_registry_also_run_in_a_task_group_of_their_own(tmp_path):
    """The other way to run them (`async with` is what the other tests use)."""
    store = DocumentStore(path=str(tmp_path / "rooms.sqlite3"))
    registry = RoomRegistry(store, room_close_delay=0)
    async with anyio.create_task_group() as tg:
        await tg.start(store.start)
        await tg.start(registry.start)
        room = await registry.room("json:notebook:x")
        YNotebook(room.doc).set({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
        await room.flushed()
        await registry.stop()
        await store.stop()
    assert room.closed.is_set()
    async with DocumentStore(path=str(tmp_path / "rooms.sqlite3")) as store:
        assert (await store.load("json:notebook:x")).update is not None


async def test_a_large_snapshot_does_not_make_every_append_a_compaction(tmp_path):
    path = tmp_path / "rooms.sqlite3"
    doc, text, updates = text_doc("x" * 50_000)  # a large document, in one update
    async with DocumentStore(path=str(path), compact_after_bytes=10_000) as store:
        await store.load("room")  # as a room does before it appends
        await store.append("room", updates[-1])
        for char in "small edits":
            text += char
            await store.append("room", updates[-1])
    # Only the rows after the first count towards compaction: these few small ones do not trigger it.
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM updates").fetchone()[0] == 1 + len("small edits")
    async with DocumentStore(path=str(path)) as store:
        assert content((await store.load("room")).update) == "x" * 50_000 + "small edits"


def sqlite_memory_in_use() -> int:
    """Bytes SQLite has allocated in this process (its own counter, in the library Python's sqlite3 uses)."""
    used = ctypes.CDLL(ctypes.util.find_library("sqlite3")).sqlite3_memory_used
    used.restype = ctypes.c_int64
    return used()


async def test_a_large_room_leaves_little_in_sqlite_memory_once_written_and_read(tmp_path):
    notebook = random.Random(7).randbytes(8 << 20)  # a large merge base, a large snapshot
    doc, text, updates = text_doc("y" * (4 << 20))
    async with DocumentStore(path=str(tmp_path / "rooms.sqlite3")) as store:
        before = sqlite_memory_in_use()
        await store.load("room")
        await store.append("room", updates[-1])
        await store.set_metadata("room", "base", notebook)
        assert await store.get_metadata("room", "base") == notebook
        await store.compact("room")
        assert content((await store.load("room")).update) == str(text)
        # No copy of the rows stays behind (bound parameters, a full page cache): a closed room's
        # memory goes back, and a server's caches do not grow with the notebooks it has seen.
        assert sqlite_memory_in_use() - before < 1 << 20
