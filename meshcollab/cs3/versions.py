"""Earlier contents of a file: list, restore, and download them."""

from __future__ import annotations

from typing import TYPE_CHECKING, AsyncIterator

from cs3.storage.provider.v1beta1 import provider_api_pb2 as provider

from meshcollab.cs3.files import download
from meshcollab.cs3.models import FileVersion, plain_opaque
from meshcollab.cs3.references import Target, to_reference
from meshcollab.cs3.transfer import read_all

if TYPE_CHECKING:
    from meshcollab.cs3.session import CS3Session


class VersionService:
    def __init__(self, session: CS3Session) -> None:
        self._session = session

    async def list(self, target: Target) -> list[FileVersion]:
        """The file's versions, in the server's order."""
        reference = to_reference(target)
        request = provider.ListFileVersionsRequest(ref=reference.to_proto())
        versions = await self._session.call_paged("ListFileVersions", request, items="versions", resource=str(reference))
        return [FileVersion.from_proto(version) for version in versions]

    async def restore(self, target: Target, key: str, *, lock_id: str = "") -> None:
        """Make version `key` the current content (the current content becomes a version)."""
        reference = to_reference(target)
        request = provider.RestoreFileVersionRequest(ref=reference.to_proto(), key=key, lock_id=lock_id)
        await self._session.call("RestoreFileVersion", request, resource=f"{reference} version {key}")

    def read(self, target: Target, key: str, *, offset: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        """The content of version `key` in chunks.

        Reva downloads a version through InitiateFileDownload on the file with the version key in the
        request's opaque map (`version_key`), as its own ocdav versions endpoint does.
        """
        return download(
            self._session, to_reference(target), offset=offset, length=length, opaque=plain_opaque({"version_key": key})
        )

    async def read_bytes(self, target: Target, key: str) -> bytes:
        return await read_all(self.read(target, key))
