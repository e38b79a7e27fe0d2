"""File versions: every overwrite keeps the previous content. A version's key is
`<opaque id>.REV.<n>`, the way Reva's decomposedfs names revisions, and a version is downloaded by
InitiateFileDownload on a reference whose resource id has the version key as opaque id.

The content of a version is a hard link to the replaced file (no copy: an overwrite replaces the
file by rename, so the old inode is untouched)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from .db import MetadataDB

REVISION_DELIMITER = ".REV."

SCHEMA = """
CREATE TABLE IF NOT EXISTS versions (
    key TEXT PRIMARY KEY,
    opaque_id TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime INTEGER NOT NULL,
    etag TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS versions_by_node ON versions (opaque_id);
"""


@dataclass(frozen=True)
class Version:
    key: str
    opaque_id: str
    size: int
    mtime: int  # seconds
    etag: str


def node_of_key(key: str) -> str:
    """The resource id a version key belongs to ('' if it is not a version key)."""
    return key.split(REVISION_DELIMITER, 1)[0] if REVISION_DELIMITER in key else ""


class VersionStore:
    def __init__(self, db: MetadataDB, folder: Path) -> None:
        self.db = db
        self.folder = folder

    async def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        await self.db.executescript(SCHEMA)

    def content_path(self, key: str) -> Path:
        opaque_id, n = key.split(REVISION_DELIMITER, 1)
        return self.folder / opaque_id / n

    async def list(self, opaque_id: str) -> list[Version]:
        rows = await self.db.fetchall(
            "SELECT * FROM versions WHERE opaque_id = ? ORDER BY key DESC", (opaque_id,)
        )
        return [Version(**dict(r)) for r in rows]

    async def get(self, key: str) -> Version | None:
        row = await self.db.fetchone("SELECT * FROM versions WHERE key = ?", (key,))
        return Version(**dict(row)) if row else None

    def keep(self, conn: sqlite3.Connection, opaque_id: str, current: Path, etag: str) -> None:
        """Keep the current content of a file as a version (in the DB thread, before it is replaced)."""
        st = current.stat()
        n = f"{time.time_ns():020d}"
        key = f"{opaque_id}{REVISION_DELIMITER}{n}"
        target = self.folder / opaque_id / n
        target.parent.mkdir(exist_ok=True)
        os.link(current, target)
        conn.execute(
            "INSERT INTO versions (key, opaque_id, size, mtime, etag) VALUES (?, ?, ?, ?, ?)",
            (key, opaque_id, st.st_size, int(st.st_mtime), etag),
        )

    def forget(self, conn: sqlite3.Connection, ids: list[str]) -> None:
        conn.executemany("DELETE FROM versions WHERE opaque_id = ?", [(i,) for i in ids])
        for opaque_id in ids:
            shutil.rmtree(self.folder / opaque_id, ignore_errors=True)
