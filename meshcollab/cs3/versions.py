"""Earlier contents of a file: list, restore, and download them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import TYPE_CHECKING

from cs3.storage.provider.v1beta1 import provider_api_pb2 as provider

from meshcollab.cs3.files import download, resource_id_of
from meshcollab.cs3.models import FileVersion, plain_opaque
from meshcollab.cs3.references import Reference, ResourceId, Target, to_reference
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
        versions = await self._session.call_paged(
            "ListFileVersions", request, items="versions", resource=str(reference)
        )
        return [FileVersion.from_proto(version) for version in versions]

    async def restore(self, target: Target, key: str, *, lock_id: str = "") -> None:
        """Make version `key` the current content (the current content becomes a version)."""
        reference = to_reference(target)
        request = provider.RestoreFileVersionRequest(ref=reference.to_proto(), key=key, lock_id=lock_id)
        await self._session.call("RestoreFileVersion", request, resource=f"{reference} version {key}")

    async def read(
        self, target: Target, key: str, *, offset: int = 0, length: int | None = None
    ) -> AsyncIterator[bytes]:
        """The content of version `key` in chunks (addressed as `CS3Config.version_download` says)."""
        if self._session.config.version_download == "resource_id":
            file_id = await resource_id_of(self._session, target)
            reference, opaque = (
                Reference(resource_id=ResourceId(file_id.storage_id, key, file_id.space_id)),
                None,
            )
        else:
            reference, opaque = to_reference(target), plain_opaque({"version_key": key})
        async with aclosing(
            download(self._session, reference, offset=offset, length=length, opaque=opaque)
        ) as chunks:
            async for chunk in chunks:
                yield chunk

    async def read_bytes(self, target: Target, key: str) -> bytes:
        return await read_all(self.read(target, key))
