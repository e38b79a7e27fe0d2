"""The store's metadata database: one SQLite file, one connection, used from one worker thread
at a time so that the event loop never blocks and every `run` is one serialized transaction
(which is what makes SetLock atomic)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")


class MetadataDB:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._limiter: anyio.CapacityLimiter | None = None

    async def open(self) -> None:
        self._limiter = anyio.CapacityLimiter(1)
        self._conn = await anyio.to_thread.run_sync(self._connect, limiter=self._limiter)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await anyio.to_thread.run_sync(conn.close, limiter=self._limiter)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(conn, *args)` in the DB thread inside one transaction (rolled back if it raises).
        `fn` may also do short file-system steps that must be atomic with the rows it touches."""
        return await anyio.to_thread.run_sync(self._transaction, fn, args, limiter=self._limiter)

    def _transaction(self, fn: Callable[..., T], args: tuple) -> T:
        conn = self._conn
        if conn is None:
            raise RuntimeError("the metadata database is closed")
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(conn, *args)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    async def executescript(self, script: str) -> None:
        """Create tables (idempotent `CREATE TABLE IF NOT EXISTS ...` scripts)."""
        await anyio.to_thread.run_sync(self._require().executescript, script, limiter=self._limiter)

    async def execute(self, sql: str, params: tuple | dict = ()) -> int:
        """Run one statement; returns the number of rows changed."""
        return await self.run(lambda conn: conn.execute(sql, params).rowcount)

    async def fetchone(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        return await self.run(lambda conn: conn.execute(sql, params).fetchone())

    async def fetchall(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        return await self.run(lambda conn: conn.execute(sql, params).fetchall())

    def _require(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("the metadata database is closed")
        return self._conn
