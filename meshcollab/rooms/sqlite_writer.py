"""The one thread that writes to the document store's SQLite file.

Jobs run in order on the thread's connection. Rows appended while a commit runs are committed
together by the next one (group commit), so the commit rate stays flat however many rooms and
clients write. Each finished job hands its outcome back to the event loop in one wake-up: a commit's
callbacks (each room sending what was just stored) run together, in the same loop turn.

Why a thread of its own rather than a worker thread per write: a keystroke's way from the socket
to the other clients then costs one hand-off each way (no task to wake on either side, no search of
the loop's tasks per hand-off), and the connection never moves between threads.

The write-ahead log is copied into the database file by another thread (`WALCheckpointer`), never
inside a commit: SQLite's automatic checkpoint runs in the commit that fills the log, and the
keystrokes of that commit then wait for pages to be copied and the database file to be synced
(after a 20 MB snapshot, for 20 MB).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

import anyio

T = TypeVar("T")

Row = tuple[int, bytes]  # room key, update
Committed = Callable[[BaseException | None], None]  # called on the event loop: None once committed


class _Job(Generic[T]):
    def __init__(self, work: Callable[[sqlite3.Connection], T]) -> None:
        self.work = work
        self.result: T | None = None
        self.error: BaseException | None = None
        self.done = anyio.Event()

    def finish(self, result: T | None, error: BaseException | None) -> None:
        self.result, self.error = result, error
        self.done.set()


class _Group:
    """The rows appended since the last commit began, and who waits for them."""

    def __init__(
        self,
        insert: Callable[[sqlite3.Connection, list[Row]], None],
        on_commit: Callable[[list[Row], BaseException | None], None],
    ) -> None:
        self.rows: list[Row] = []
        self.waiting: list[Committed] = []
        self._insert = insert
        self._on_commit = on_commit

    def work(self, connection: sqlite3.Connection) -> None:
        self._insert(connection, self.rows)

    def finish(self, _: None, error: BaseException | None) -> None:
        self._on_commit(self.rows, error)
        for committed in self.waiting:
            committed(error)


class WALCheckpointer:
    """Checkpoints the log (PASSIVE: it never blocks a writer) on its own connection and thread, at
    most once per `interval`, after something was written."""

    def __init__(self, connection: sqlite3.Connection, interval: float = 1.0) -> None:
        self._connection = connection
        self._interval = interval
        self._written = threading.Event()
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="meshcollab-wal-checkpointer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def written(self) -> None:
        self._written.set()

    def close(self) -> None:
        """Stop (a blocking call: run it in a worker thread); the last connection to close checkpoints."""
        self._closing.set()
        self._written.set()
        if self._thread.is_alive():
            self._thread.join()
        self._connection.close()

    def _serve(self) -> None:
        while True:
            self._written.wait()
            if self._closing.is_set():
                return
            self._written.clear()
            try:
                self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:
                pass  # nothing is lost: the log keeps every commit; the next checkpoint copies it
            self._closing.wait(self._interval)


class SQLiteWriter:
    """`start()` on the event loop, then `append` rows and `await run(work)`; `await close()`."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        insert: Callable[[sqlite3.Connection, list[Row]], None],
        on_commit: Callable[[list[Row], BaseException | None], None],
        checkpointer: WALCheckpointer,
    ) -> None:
        self._connection = connection
        self._checkpointer = checkpointer
        self._insert = insert
        self._on_commit = on_commit  # on the event loop, before the rows' own callbacks
        self._jobs: deque[_Job | _Group] = deque()
        self._open_group: _Group | None = None
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._closing = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._serve, name="meshcollab-sqlite-writer", daemon=True)

    def start(self) -> None:
        # The loop is only used to hand outcomes back (call_soon_threadsafe: a wake-up per job).
        self._loop = asyncio.get_running_loop()
        self._thread.start()
        self._checkpointer.start()

    def append(self, row: Row, committed: Committed) -> None:
        """Add a row to the next commit; `committed(error)` runs on the event loop after it."""
        with self._lock:
            group = self._open_group
            if group is None:
                group = self._open_group = _Group(self._insert, self._on_commit)
                self._jobs.append(group)
                self._ready.notify()
            group.rows.append(row)
            group.waiting.append(committed)

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work(connection)` on the writer thread, after what is queued; its result or error."""
        job = _Job(work)
        with self._lock:
            self._jobs.append(job)
            self._ready.notify()
        with anyio.CancelScope(shield=True):  # as a worker thread: the write happens either way
            await job.done.wait()
        if job.error is not None:
            raise job.error
        return job.result

    async def close(self) -> None:
        """Run what is queued, then end the thread and close the connection."""
        with self._lock:
            self._closing = True
            self._ready.notify()
        if self._thread.is_alive():
            await anyio.to_thread.run_sync(self._thread.join)
        await anyio.to_thread.run_sync(self._checkpointer.close)
        self._connection.close()

    def _serve(self) -> None:
        while True:
            with self._lock:
                while not self._jobs and not self._closing:
                    self._ready.wait()
                if not self._jobs:
                    return
                job = self._jobs.popleft()
                if job is self._open_group:
                    self._open_group = None  # appends from now on go to the next commit
            result, error = None, None
            try:
                result = job.work(self._connection)
            except BaseException as failure:  # noqa: BLE001 - handed to whoever waits for the job
                error = failure
            self._checkpointer.written()
            try:
                self._loop.call_soon_threadsafe(job.finish, result, error)
            except RuntimeError:  # the event loop is closed: nobody waits any more
                return
