"""The durable document store: each room's Y update log, compacted into snapshots, in one SQLite file.

Why it keeps history: the log only ever holds updates that the room's document committed, and
compaction replays the log into a scratch document and stores that document's state as one update:
the same items with the same ids, origins and deletions (deleted text keeps its ids and lengths, not
its characters, as in the live room), never a re-typed copy. So a client that still holds an older
copy of the document merges with the compacted state natively, without duplicates. A replayed state
is also far smaller than the log: runs of keystrokes become one item (about 1.4 bytes a keystroke).

Durability: an append is acknowledged only after its row is committed (WAL, `synchronous` FULL by
default). Appends from every room that arrive while a commit is in flight are written together by the
next one (group commit), so the commit rate stays flat however many clients type.

No SQLite work runs on the event loop: writes run in order on one thread of their own
(`SQLiteWriter`, which hands each commit back to the loop in one wake-up); reads run in worker
threads on a second connection, which WAL lets proceed while a write is in flight.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import anyio
from anyio.abc import TaskGroup, TaskStatus
from pycrdt import Doc
from traitlets import Enum, Float, Int, Unicode
from traitlets.config import LoggingConfigurable

from .service import Service
from .sqlite_writer import Committed, Row, SQLiteWriter, WALCheckpointer

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS rooms (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    history TEXT NOT NULL            -- changes only when a room's Y history starts anew
);
CREATE TABLE IF NOT EXISTS updates (
    id INTEGER PRIMARY KEY,          -- order of the log; a snapshot takes the id of the last row it replaced
    room INTEGER NOT NULL REFERENCES rooms(id),
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS updates_by_room ON updates(room, id);
CREATE TABLE IF NOT EXISTS room_metadata (
    room INTEGER NOT NULL REFERENCES rooms(id),
    key TEXT NOT NULL,
    value BLOB NOT NULL,             -- up to a whole notebook: kept out of the key's b-tree (a rowid table)
    PRIMARY KEY (room, key)
);
"""
SCHEMA_VERSION = 2  # PRAGMA user_version

# Version 1 kept room_metadata WITHOUT ROWID: its values were part of the key's b-tree, so finding any
# key next to a large value (a 20 MB notebook's last snapshot) read that whole value: 20 ms a lookup.
UPGRADE_TO_2 = """
ALTER TABLE room_metadata RENAME TO room_metadata_v1;
CREATE TABLE room_metadata (
    room INTEGER NOT NULL REFERENCES rooms(id),
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (room, key)
);
INSERT INTO room_metadata SELECT room, key, value FROM room_metadata_v1;
DROP TABLE room_metadata_v1;
"""


class DocumentStoreError(RuntimeError):
    """The store could not keep an update durably; the room must not acknowledge it."""


@dataclass(frozen=True, slots=True)
class StoredRoom:
    """What the store holds for a room: its Y state as one update (None if empty) and its history id."""

    update: bytes | None
    history_id: str


MIN_ROWS_TO_COMPACT = 20  # fewer rows are not compacted for their size (compact_share)


@dataclass(slots=True)
class _LogTail:
    """Rows and bytes after the first row of a room's log (the snapshot, once compacted), as far as
    this process has seen: the compaction trigger. The snapshot itself does not count, or a large
    document would be compacted again at every keystroke."""

    rows: int = 0
    bytes: int = 0
    has_head: bool = False  # whether the log has its first row yet
    head_bytes: int = 0  # the first row's size


class DocumentStore(Service, LoggingConfigurable):
    """Durable Y history per room. Use as `async with store:` or `await tg.start(store.start)`."""

    path = Unicode(
        help="The SQLite file that holds every room's update log, snapshots and metadata."
    ).tag(config=True)
    synchronous = Enum(
        ["FULL", "NORMAL"],
        default_value="FULL",
        help=(
            "SQLite synchronous mode (WAL journal). FULL fsyncs the log at every commit, so an "
            "acknowledged edit survives a power cut; group commit keeps that affordable. NORMAL only "
            "survives a crash of the server process, not of the machine."
        ),
    ).tag(config=True)
    compact_after_updates = Int(
        500, help="Compact a room's log into its snapshot once this many rows came after the snapshot."
    ).tag(config=True)
    compact_after_bytes = Int(
        4 * 1024 * 1024,
        help="Compact a room's log into its snapshot once the rows after the snapshot hold this many bytes.",
    ).tag(config=True)
    compact_share = Float(
        0.05,
        help="Also compact a room's log once the rows after the snapshot (at least 20 of them) hold this "
        "share of the snapshot's size: a small document's log stays small (a keystroke is stored as ~25 "
        "bytes, compacted as ~1.3), and compacting, which rewrites the snapshot, writes a bounded multiple "
        "(1 / share) of what was appended. 0: only by rows and bytes.",
    ).tag(config=True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._writer: SQLiteWriter | None = None
        self._reader: sqlite3.Connection | None = None
        self._rooms: dict[str, tuple[int, str]] = {}
        self._log_tails: dict[int, _LogTail] = {}
        self._compacting: dict[int, anyio.Event] = {}  # set when that room's compaction is over
        self._task_group: TaskGroup | None = None
        self._stopping = False
        self.commits = 0  # group commits of updates so far: appends / commits is the batching achieved

    # lifecycle

    async def start(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Open the file and run the writer until `stop()`."""
        if not self.path:
            raise ValueError("DocumentStore.path is not set")
        writer, reader, checkpointer = await anyio.to_thread.run_sync(self._open)
        self._writer = SQLiteWriter(writer, _insert_rows, self._committed, WALCheckpointer(checkpointer))
        self._writer.start()
        self._reader, self._read_lock, self._stopping = reader, anyio.Lock(), False
        try:
            async with anyio.create_task_group() as self._task_group:
                task_status.started()
                await anyio.sleep_forever()
        finally:
            self._task_group = None
            writer, self._writer, self._reader = self._writer, None, None
            with anyio.CancelScope(shield=True):
                await writer.close()  # what was appended is committed first
                await anyio.to_thread.run_sync(reader.close)

    async def stop(self) -> None:
        """Commit what is pending, let compactions finish, and close the file."""
        if self._task_group is None:
            return
        self._stopping = True
        for compacted in list(self._compacting.values()):  # let them commit before the file closes
            await compacted.wait()
        self._task_group.cancel_scope.cancel()

    def _open(self) -> tuple[sqlite3.Connection, sqlite3.Connection, sqlite3.Connection]:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        writer = _connect(self.path)
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute(f"PRAGMA synchronous={self.synchronous}")
        writer.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer's thread does it
        _create_or_upgrade(writer)
        reader = _connect(self.path)
        reader.execute("PRAGMA query_only=1")
        checkpointer = _connect(self.path)
        checkpointer.execute(f"PRAGMA synchronous={self.synchronous}")
        return writer, reader, checkpointer

    # the room log

    async def history_id(self, room: str) -> str:
        """The id of the room's Y history: it stays the same until the history starts anew."""
        return (await self._room(room))[1]

    async def load(self, room: str) -> StoredRoom:
        """The room's whole state as one update, read and replayed off the event loop."""
        key, history_id = await self._room(room)
        updates = [data for _, data in await self._log(key)]
        head, tail = updates[:1], updates[1:]
        self._log_tails[key] = _LogTail(len(tail), sum(map(len, tail)), bool(head), sum(map(len, head)))
        if not updates:
            return StoredRoom(None, history_id)
        state = updates[0] if len(updates) == 1 else await anyio.to_thread.run_sync(replay, updates)
        return StoredRoom(state, history_id)

    def forget(self, room: str) -> None:
        """The room unloaded: drop what is kept in memory for it; it is read again when needed."""
        known = self._rooms.pop(room, None)
        if known is not None:
            self._log_tails.pop(known[0], None)

    async def append(self, room: str, update: bytes) -> None:
        """Store an update durably; returns once it is committed (together with everyone else's)."""
        await self._room(room)
        done = anyio.Event()
        outcome: list[DocumentStoreError | None] = []
        self.append_soon(room, update, lambda error: (outcome.append(error), done.set()))
        await done.wait()
        if outcome[0] is not None:
            raise outcome[0]

    def append_soon(
        self, room: str, update: bytes, stored: Callable[[DocumentStoreError | None], None]
    ) -> None:
        """Add an update of a loaded room to the next group commit, without waiting: `stored(error)`
        runs on the event loop once it is committed (error None) or could not be. Raises
        DocumentStoreError at once if the store is closing or the room is not loaded."""
        known = self._rooms.get(room)
        if self._stopping or self._writer is None:
            raise DocumentStoreError(f"the document store is closing; room {room} cannot be written")
        if known is None:
            raise DocumentStoreError(f"room {room} is not loaded in the document store")
        self._writer.append((known[0], update), _reporting(room, stored))

    def _committed(self, rows: list[Row], error: BaseException | None) -> None:
        if error is not None:
            return
        self.commits += 1
        for key, data in rows:
            tail = self._log_tails.setdefault(key, _LogTail())
            if not tail.has_head:
                tail.has_head, tail.head_bytes = True, len(data)
                continue
            tail.rows += 1
            tail.bytes += len(data)
            due = (
                tail.rows >= self.compact_after_updates
                or tail.bytes >= self.compact_after_bytes
                or 0 < self.compact_share * tail.head_bytes <= tail.bytes and tail.rows >= MIN_ROWS_TO_COMPACT
            )
            if due and key not in self._compacting and not self._stopping:
                self._compacting[key] = anyio.Event()
                self._task_group.start_soon(self._compact_key, key)

    # compaction

    async def compact(self, room: str) -> None:
        """Merge the room's log into one snapshot now (it also happens by itself, by count and size)."""
        key, _ = await self._room(room)
        while key in self._compacting:
            await self._compacting[key].wait()
        self._compacting[key] = anyio.Event()
        await self._compact_key(key)

    async def _compact_key(self, key: int) -> None:
        try:
            rows = await self._log(key)
            if len(rows) < 2:
                return
            last_id = rows[-1][0]
            snapshot = await anyio.to_thread.run_sync(replay, [data for _, data in rows])
            await self._write(lambda db: _replace_with_snapshot(db, key, last_id, snapshot))
            tail = self._log_tails.setdefault(key, _LogTail())
            # What was appended meanwhile is the new tail.
            tail.rows = max(tail.rows - (len(rows) - 1), 0)
            tail.bytes = max(tail.bytes - sum(len(data) for _, data in rows[1:]), 0)
            tail.head_bytes = len(snapshot)
        except Exception:
            # The log is untouched (one transaction); it is retried when the next rows arrive.
            self.log.exception("Compaction of room #%s failed", key)
        finally:
            self._compacting.pop(key).set()

    async def compact_tail(self, room: str) -> None:
        """Compact the room's log if rows came after its snapshot: for a room that unloads, so that
        its next load reads one row, and the store keeps the replayed state (about 1.4 bytes a
        keystroke) rather than the raw updates until the row count would have triggered it."""
        known = self._rooms.get(room)
        tail = self._log_tails.get(known[0]) if known is not None else None
        if tail is not None and tail.rows > 0:
            await self.compact(room)

    # per-room metadata

    async def get_metadata(self, room: str, key: str) -> bytes | None:
        """A value the integration keeps with the room (e.g. the last snapshot written to CS3, its etag)."""
        room_key, _ = await self._room(room)
        sql = "SELECT value FROM room_metadata WHERE room=? AND key=?"
        row = await self._read(lambda db: db.execute(sql, (room_key, key)).fetchone())
        return None if row is None else row[0]

    async def set_metadata(self, room: str, key: str, value: bytes | None) -> None:
        """Set (or, with None, delete) a metadata value; durable on return."""
        await self.update_metadata(room, {key: value})

    async def update_metadata(self, room: str, values: dict[str, bytes | None]) -> None:
        """Set (or, with None, delete) several metadata values in one transaction; durable on return."""
        room_key, _ = await self._room(room)
        await self._write(lambda db: _set_metadata(db, room_key, values))

    # plumbing

    async def _room(self, name: str) -> tuple[int, str]:
        known = self._rooms.get(name)
        if known is None:
            known = await self._write(lambda db: _room_row(db, name))
            self._rooms[name] = known
        return known

    async def _log(self, key: int) -> list[tuple[int, bytes]]:
        sql = "SELECT id, data FROM updates WHERE room=? ORDER BY id"
        return await self._read(lambda db: db.execute(sql, (key,)).fetchall())

    async def _write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        if self._writer is None:
            raise DocumentStoreError("the document store is not running")
        return await self._writer.run(work)

    async def _read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        if self._reader is None:
            raise DocumentStoreError("the document store is not running")
        async with self._read_lock:
            return await anyio.to_thread.run_sync(work, self._reader)


def _connect(path: str) -> sqlite3.Connection:
    # No cache of prepared statements: a cached one keeps its last bound parameters and its last row
    # (a 20 MB snapshot stayed in memory after its room closed); preparing one takes microseconds.
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, cached_statements=0)
    # A small page cache (256 KiB, SQLite's default is 2 MiB): the pages of the last large rows stayed
    # in it after their room closed (bench/ W4: 5.9 -> 3.0 MB left over baseline). Appends touch a
    # few pages at the end of the log, and a room's rows are read once when it opens, from the OS's cache.
    connection.execute("PRAGMA cache_size=-256")
    return connection


def _create_or_upgrade(db: sqlite3.Connection) -> None:
    """The schema, made or brought up to SCHEMA_VERSION in one transaction (the store's one server opens it)."""
    if db.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
        return
    metadata = db.execute("SELECT sql FROM sqlite_master WHERE name = 'room_metadata'").fetchone()
    upgrade = UPGRADE_TO_2 if metadata is not None and "WITHOUT ROWID" in metadata[0].upper() else ""
    try:
        db.executescript(f"BEGIN IMMEDIATE; {upgrade} {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
    except sqlite3.Error:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def replay(updates: list[bytes]) -> bytes:
    """The state of a document that applied these updates, as one update (run in a worker thread:
    the scratch document lives and dies there)."""
    doc = Doc()
    for update in updates:
        doc.apply_update(update)
    return doc.get_update()


def _set_metadata(db: sqlite3.Connection, room: int, values: dict[str, bytes | None]) -> None:
    with db:  # commits, or rolls back on error
        db.execute("BEGIN IMMEDIATE")
        for key, value in values.items():
            if value is None:
                db.execute("DELETE FROM room_metadata WHERE room=? AND key=?", (room, key))
            else:
                db.execute("INSERT OR REPLACE INTO room_metadata VALUES (?, ?, ?)", (room, key, value))


def _insert_rows(db: sqlite3.Connection, rows: list[tuple[int, bytes]]) -> None:
    with db:
        db.execute("BEGIN IMMEDIATE")
        db.executemany("INSERT INTO updates(room, data) VALUES (?, ?)", rows)


def _replace_with_snapshot(db: sqlite3.Connection, key: int, last_id: int, snapshot: bytes) -> None:
    # Rows appended meanwhile have larger ids, so they stay after the snapshot in the log.
    with db:
        db.execute("BEGIN IMMEDIATE")
        db.execute("DELETE FROM updates WHERE room=? AND id<?", (key, last_id))
        db.execute("UPDATE updates SET data=? WHERE id=?", (snapshot, last_id))


def _room_row(db: sqlite3.Connection, name: str) -> tuple[int, str]:
    with db:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT OR IGNORE INTO rooms(name, history) VALUES (?, ?)", (name, str(uuid.uuid4())))
        return db.execute("SELECT id, history FROM rooms WHERE name=?", (name,)).fetchone()


def _reporting(room: str, stored: Callable[[DocumentStoreError | None], None]) -> Committed:
    def committed(error: BaseException | None) -> None:
        if error is None:
            stored(None)
        else:
            problem = DocumentStoreError(f"could not store an update of room {room}: {error}")
            problem.__cause__ = error
            stored(problem)

    return committed
