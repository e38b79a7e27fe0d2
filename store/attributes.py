"""Arbitrary metadata of a resource (Set/UnsetArbitraryMetadata), keyed by resource id so it
follows moves. Locks are kept elsewhere and never show up here."""

from __future__ import annotations

import sqlite3

from .db import MetadataDB

SCHEMA = """
CREATE TABLE IF NOT EXISTS attributes (
    opaque_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (opaque_id, key)
);
"""


class AttributeTable:
    def __init__(self, db: MetadataDB) -> None:
        self.db = db

    async def start(self) -> None:
        await self.db.executescript(SCHEMA)

    async def get_many(self, ids: list[str], keys: list[str] | None = None) -> dict[str, dict[str, str]]:
        """The metadata of several resources in one query (all keys unless `keys` names some)."""
        return await self.db.run(read_many, ids, keys)

    async def set(self, opaque_id: str, values: dict[str, str]) -> None:
        await self.db.run(
            lambda conn: conn.executemany(
                "INSERT OR REPLACE INTO attributes (opaque_id, key, value) VALUES (?, ?, ?)",
                [(opaque_id, k, v) for k, v in values.items()],
            )
        )

    async def unset(self, opaque_id: str, keys: list[str]) -> None:
        await self.db.run(
            lambda conn: conn.executemany(
                "DELETE FROM attributes WHERE opaque_id = ? AND key = ?", [(opaque_id, k) for k in keys]
            )
        )


def read_many(conn: sqlite3.Connection, ids: list[str], keys: list[str] | None) -> dict[str, dict[str, str]]:
    rows = conn.execute(
        f"SELECT opaque_id, key, value FROM attributes WHERE opaque_id IN ({','.join('?' * len(ids))})",
        tuple(ids),
    ).fetchall()
    wanted = None if not keys or "*" in keys else set(keys)
    found: dict[str, dict[str, str]] = {i: {} for i in ids}
    for r in rows:
        if wanted is None or r["key"] in wanted:
            found[r["opaque_id"]][r["key"]] = r["value"]
    return found


def forget(conn: sqlite3.Connection, ids: list[str]) -> None:
    conn.executemany("DELETE FROM attributes WHERE opaque_id = ?", [(i,) for i in ids])
