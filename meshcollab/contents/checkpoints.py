"""Jupyter checkpoints as CS3 file versions.

How they map:

- CS3 keeps the previous content of a file as a version whenever the file is overwritten; Jupyter's
  checkpoints of a file are those versions, plus the current content (the state a checkpoint taken
  now would hold). Nothing is copied or written to make a checkpoint.
- A checkpoint's id names a content state: `e:<etag>` (base64url, to fit the API's `[\\w-]+`). The
  current content has its etag; when the file is overwritten that content becomes a version that
  carries the same etag (as Reva and the embedded store list them), so an id handed out by
  `create_checkpoint` still restores that state later. A version listed without an etag gets the id
  `k:<version key>`.
- `create_checkpoint` stats the file and returns the checkpoint of its current content: no write, so
  it works while a room holds the file's lock (JupyterLab asks for a checkpoint after every save).
- `list_checkpoints` lists the versions and the current content, oldest first: JupyterLab takes the
  last entry as the latest checkpoint ("Revert to checkpoint", the "Last Checkpoint" caption).
  At most `max_checkpoints` (the newest) are listed.
- `restore_checkpoint` is CS3 RestoreFileVersion (the current content becomes a version in turn, so a
  restore loses nothing); restoring the current content is a no-op. A file locked by someone else
  (e.g. an active room) cannot be restored: 409 naming the holder.
- `delete_checkpoint`: CS3 has no call to delete a single version; versions go when the file goes
  (into the recycle bin with it) or when the storage's retention drops them. The answer is 405.
  Deleting or renaming a file keeps its versions with it (a Move keeps the resource), so
  `delete_all_checkpoints` and `rename_all_checkpoints` have nothing to do.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from jupyter_server.services.contents.checkpoints import AsyncCheckpoints
from tornado.web import HTTPError
from traitlets import Int

from meshcollab.contents.errors import explained_http_error
from meshcollab.contents.paths import normalize
from meshcollab.cs3 import CS3Error, FileVersion, Resource

if TYPE_CHECKING:
    from meshcollab.contents.manager import CS3ContentsManager

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _same_etag(a: str, b: str) -> bool:
    return bool(a) and a.strip('"') == b.strip('"')


@dataclass(frozen=True)
class CheckpointId:
    """What a checkpoint id names: a content state by its etag, or a version by its key."""

    etag: str = ""
    key: str = ""

    def encode(self) -> str:
        text = f"e:{self.etag}" if self.etag else f"k:{self.key}"
        return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, encoded: str) -> CheckpointId | None:
        """The id `encode` made, or None for anything else."""
        try:
            text = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        kind, _, value = text.partition(":")
        if not value or kind not in ("e", "k"):
            return None
        return cls(etag=value) if kind == "e" else cls(key=value)

    @classmethod
    def of_version(cls, version: FileVersion) -> CheckpointId:
        return cls(etag=version.etag.strip('"')) if version.etag else cls(key=version.key)

    @classmethod
    def of_current(cls, resource: Resource) -> CheckpointId:
        return cls(etag=resource.etag.strip('"'))

    def names_version(self, version: FileVersion) -> bool:
        return _same_etag(self.etag, version.etag) if self.etag else version.key == self.key


class CS3Checkpoints(AsyncCheckpoints):
    """Checkpoints that are the CS3 versions of a file (see the module's description)."""

    max_checkpoints = Int(
        100,
        config=True,
        help="List at most this many checkpoints of a file (the newest; 0: all the versions CS3 keeps).",
    )

    @property
    def contents_manager(self) -> CS3ContentsManager:
        return self.parent

    async def _file(self, path: str) -> Resource:
        path = normalize(path)
        resource = await self.contents_manager.resource(path)
        if not resource.is_file:
            raise HTTPError(400, f"{path!r} is a directory: only files have checkpoints")
        return resource

    async def create_checkpoint(self, contents_mgr, path):
        resource = await self._file(path)
        return self._model(CheckpointId.of_current(resource), resource.mtime)

    async def list_checkpoints(self, path):
        resource = await self._file(path)
        versions = await self._versions(resource, path)
        checkpoints = [self._model(CheckpointId.of_version(v), v.mtime) for v in versions]
        current = CheckpointId.of_current(resource)
        if not any(current.names_version(v) for v in versions):
            checkpoints.append(self._model(current, resource.mtime))
        if self.max_checkpoints > 0:
            checkpoints = checkpoints[-self.max_checkpoints :]
        return checkpoints

    async def restore_checkpoint(self, contents_mgr, checkpoint_id, path):
        path = normalize(path)
        wanted = CheckpointId.decode(checkpoint_id)
        if wanted is None:
            raise HTTPError(404, f"Checkpoint {checkpoint_id!r} of {path!r} does not exist")
        resource = await self._file(path)
        if wanted.etag and _same_etag(wanted.etag, resource.etag):
            return  # that is the current content already
        version = next((v for v in await self._versions(resource, path) if wanted.names_version(v)), None)
        if version is None:
            raise HTTPError(
                404,
                f"Checkpoint {checkpoint_id!r} of {path!r} no longer exists: the storage no longer keeps that version",
            )
        session = self.contents_manager.session()
        try:
            await session.versions.restore(resource, version.key)
        except CS3Error as error:
            raise await explained_http_error(
                error, path=path, action="restore", session=session, target=resource
            ) from error

    async def delete_checkpoint(self, checkpoint_id, path):
        raise HTTPError(
            405,
            f"Checkpoints of {normalize(path)!r} are the file's versions in CS3 storage, which cannot be deleted one by one; "
            "they are removed with the file or by the storage's retention policy",
        )

    async def rename_checkpoint(self, checkpoint_id, old_path, new_path):
        """Nothing to do: versions belong to the resource, which a rename keeps."""

    async def rename_all_checkpoints(self, old_path, new_path):
        """Nothing to do: versions belong to the resource, which a rename keeps."""

    async def delete_all_checkpoints(self, path):
        """Nothing to do: CS3 Delete takes the versions along with the file."""

    async def _versions(self, resource: Resource, path: str) -> list[FileVersion]:
        """The file's versions, oldest first."""
        session = self.contents_manager.session()
        try:
            versions = await session.versions.list(resource)
        except CS3Error as error:
            raise await explained_http_error(
                error, path=path, action="list", session=session, target=None
            ) from error
        # Gateways list versions newest first; sorting by time (stable) keeps that order within a second.
        ordered = list(reversed(versions))
        ordered.sort(key=lambda v: v.mtime or EPOCH)
        return ordered

    @staticmethod
    def _model(checkpoint: CheckpointId, modified: datetime | None) -> dict:
        return {"id": checkpoint.encode(), "last_modified": modified or EPOCH}
