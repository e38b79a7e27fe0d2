"""Locks with the semantics Reva gives on EOS: one lock per resource, SetLock is atomic (it runs
as one serialized DB transaction), an expired lock is no lock, a conflict or a lock-id mismatch is
FAILED_PRECONDITION, and a write must carry the holder's lock id while the lock lives.

Locks are keyed by resource id (they follow moves) and never appear in arbitrary metadata."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from cs3.identity.user.v1beta1 import resources_pb2 as user_pb2
from cs3.storage.provider.v1beta1 import resources_pb2 as rp
from cs3.types.v1beta1 import types_pb2

from .db import MetadataDB
from .status import failed_precondition, invalid_argument, not_found
from .users import UserRecord

# A lock whose client sends no expiration lives this long (seconds), like a WOPI lock.
DEFAULT_LOCK_TTL = 1800.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS locks (
    opaque_id TEXT PRIMARY KEY,
    lock_id TEXT NOT NULL,
    type INTEGER NOT NULL,
    app_name TEXT NOT NULL,
    user_idp TEXT NOT NULL,
    user_opaque_id TEXT NOT NULL,
    user_type INTEGER NOT NULL,
    expiration REAL NOT NULL,
    created REAL NOT NULL,
    holder TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class LockRecord:
    lock_id: str
    type: int
    app_name: str
    user_idp: str
    user_opaque_id: str
    user_type: int
    expiration: float  # unix time, seconds
    created: float
    holder: str  # who took it, for people reading a refusal (a username)

    @classmethod
    def from_request(cls, lock: rp.Lock, caller: UserRecord, now: float) -> LockRecord:
        if not lock.lock_id:
            raise invalid_argument("the lock needs a lock_id")
        if lock.type == rp.LOCK_TYPE_INVALID:
            raise invalid_argument("the lock needs a type (e.g. LOCK_TYPE_WRITE)")
        user = lock.user if lock.user.opaque_id else caller.user_id()
        expires = lock.expiration.seconds + lock.expiration.nanos / 1e9 if lock.HasField("expiration") else 0
        return cls(
            lock.lock_id,
            lock.type,
            lock.app_name,
            user.idp,
            user.opaque_id,
            user.type or user_pb2.USER_TYPE_PRIMARY,
            expires or now + DEFAULT_LOCK_TTL,
            now,
            caller.username,
        )

    def to_proto(self) -> rp.Lock:
        return rp.Lock(
            lock_id=self.lock_id,
            type=self.type,
            app_name=self.app_name,
            user=user_pb2.UserId(idp=self.user_idp, opaque_id=self.user_opaque_id, type=self.user_type),
            expiration=_timestamp(self.expiration),
            creation_time=_timestamp(self.created),
        )

    def describe(self) -> str:
        until = datetime.fromtimestamp(self.expiration, UTC).isoformat(timespec="seconds")
        app = f" in {self.app_name}" if self.app_name else ""
        return f"locked by {self.holder}{app} until {until}"


def _timestamp(when: float) -> types_pb2.Timestamp:
    seconds = int(when)
    return types_pb2.Timestamp(seconds=seconds, nanos=int((when - seconds) * 1e9))


class LockTable:
    def __init__(self, db: MetadataDB) -> None:
        self.db = db

    async def start(self) -> None:
        await self.db.executescript(SCHEMA)

    async def get(self, opaque_id: str) -> LockRecord | None:
        return await self.db.run(live_lock, opaque_id)

    async def get_many(self, ids: list[str]) -> dict[str, LockRecord]:
        """The live locks among several resources (one trip to the DB thread)."""
        return await self.db.run(lambda conn: {i: lock for i in ids if (lock := live_lock(conn, i))})

    async def set(self, opaque_id: str, path: str, lock: LockRecord) -> None:
        def set_if_free(conn: sqlite3.Connection) -> None:
            current = live_lock(conn, opaque_id)
            if current is not None:
                raise failed_precondition(f"{path} is already {current.describe()}")
            _store(conn, opaque_id, lock)

        await self.db.run(set_if_free)

    async def refresh(self, opaque_id: str, path: str, lock: LockRecord, existing_lock_id: str) -> None:
        def refresh_if_held(conn: sqlite3.Connection) -> None:
            current = _held(conn, opaque_id, path, existing_lock_id or lock.lock_id, lock.app_name)
            _store(conn, opaque_id, LockRecord(**{**lock.__dict__, "created": current.created}))

        await self.db.run(refresh_if_held)

    async def unlock(self, opaque_id: str, path: str, lock_id: str, app_name: str) -> None:
        def unlock_if_held(conn: sqlite3.Connection) -> None:
            _held(conn, opaque_id, path, lock_id, app_name)
            conn.execute("DELETE FROM locks WHERE opaque_id = ?", (opaque_id,))

        await self.db.run(unlock_if_held)


def live_lock(conn: sqlite3.Connection, opaque_id: str) -> LockRecord | None:
    """The lock on a resource, unless there is none or it has expired (then it is dropped)."""
    row = conn.execute("SELECT * FROM locks WHERE opaque_id = ?", (opaque_id,)).fetchone()
    if row is None:
        return None
    fields = dict(row)
    del fields["opaque_id"]
    record = LockRecord(**fields)
    if record.expiration <= time.time():
        conn.execute("DELETE FROM locks WHERE opaque_id = ?", (opaque_id,))
        return None
    return record


def check_write(conn: sqlite3.Connection, opaque_id: str, path: str, lock_id: str) -> None:
    """A write to a locked resource must carry the holder's lock id."""
    current = live_lock(conn, opaque_id)
    if current is not None and current.lock_id != lock_id:
        raise failed_precondition(
            f"{path} is {current.describe()}: the write must carry the holder's lock id"
        )


def forget(conn: sqlite3.Connection, ids: list[str]) -> None:
    conn.executemany("DELETE FROM locks WHERE opaque_id = ?", [(i,) for i in ids])


def _held(conn: sqlite3.Connection, opaque_id: str, path: str, lock_id: str, app_name: str) -> LockRecord:
    current = live_lock(conn, opaque_id)
    if current is None:
        raise not_found(f"{path} is not locked")
    if current.lock_id != lock_id or (app_name and current.app_name and app_name != current.app_name):
        raise failed_precondition(f"{path} is {current.describe()}: lock id or app name mismatch")
    return current


def _store(conn: sqlite3.Connection, opaque_id: str, lock: LockRecord) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO locks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            opaque_id,
            lock.lock_id,
            lock.type,
            lock.app_name,
            lock.user_idp,
            lock.user_opaque_id,
            lock.user_type,
            lock.expiration,
            lock.created,
            lock.holder,
        ),
    )
