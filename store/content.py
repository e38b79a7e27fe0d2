"""Writing file content: bodies go to a temporary file in the store's metadata folder, then one
serialized step checks the lock and the writer's preconditions (etag, not existing), keeps the old
content as a version and renames the new file into place. A failed or cut write never touches the
current content."""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from pathlib import Path

import anyio.to_thread

from . import locks
from .namespace import Namespace, Node, register, same_etag, touch_etags
from .status import aborted, failed_precondition, not_found
from .versions import VersionStore


class ContentWriter:
    def __init__(self, namespace: Namespace, versions: VersionStore, staging: Path) -> None:
        self.namespace = namespace
        self.versions = versions
        self.staging = staging

    async def start(self) -> None:
        # Leftovers of uploads cut by a crash are garbage: nothing refers to them.
        await anyio.to_thread.run_sync(self._reset_staging)

    def _reset_staging(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir(parents=True)

    def new_temp(self) -> Path:
        return self.staging / uuid.uuid4().hex

    async def commit(
        self, temp: Path, path: str, lock_id: str, if_match: str = "", if_not_exist: bool = False
    ) -> Node:
        """Replace the content at `path` by `temp` (consumed), as one step; returns the new node.
        `if_match`: only while the file's etag is that one; `if_not_exist`: only if there is no file."""
        space = self.namespace.space_of(path)
        target = self.namespace.fs_path(path)

        def replace(conn: sqlite3.Connection) -> None:
            self.namespace.check_no_escape(path)
            if target.is_dir():
                raise failed_precondition(f"{path} is a folder")
            if not target.parent.is_dir():
                raise failed_precondition(f"the folder of {path} does not exist")
            if target.exists():
                opaque_id, etag = register(conn, path, space.space_id)
                locks.check_write(conn, opaque_id, path, lock_id)
                if if_not_exist:
                    raise aborted(f"{path} was created by someone else while this upload was under way")
                if if_match and not same_etag(if_match, etag):
                    raise aborted(
                        f"{path} has changed since the upload was initiated: etag {etag}, expected {if_match}"
                    )
                self.versions.keep(conn, opaque_id, target, etag)
            elif if_match:
                raise aborted(f"{path} was removed while this upload was under way")
            os.replace(temp, target)
            register(conn, path, space.space_id)
            touch_etags(conn, path, space.root_path)

        try:
            await self.namespace.db.run(replace)
        finally:
            await anyio.to_thread.run_sync(lambda: temp.unlink(missing_ok=True))
        node = await self.namespace.node_at(path)
        if node is None:
            raise not_found(f"{path} vanished while it was written")
        return node

    async def copy_to_temp(self, source: Path) -> Path:
        temp = self.new_temp()
        await anyio.to_thread.run_sync(shutil.copyfile, source, temp)
        return temp
