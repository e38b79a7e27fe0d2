"""Files and folders: stat, list, create, move, delete, metadata, quota, and streamed contents."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING

from cs3.gateway.v1beta1 import gateway_api_pb2 as gateway
from cs3.storage.provider.v1beta1 import provider_api_pb2 as provider
from cs3.storage.provider.v1beta1 import resources_pb2 as storage
from cs3.types.v1beta1 import types_pb2 as types

from meshcollab.cs3.errors import AlreadyExists, Conflict, Locked, NotFound
from meshcollab.cs3.models import Quota, Resource, plain_opaque
from meshcollab.cs3.references import Reference, ResourceId, Target, to_reference
from meshcollab.cs3.transfer import choose_protocol, read_all

if TYPE_CHECKING:
    from meshcollab.cs3.session import CS3Session


async def stat_message(
    session: CS3Session, reference: Reference, metadata_keys: Sequence[str] = ()
) -> storage.ResourceInfo:
    """The raw ResourceInfo, for calls that must send one back (CreateShare, CreatePublicShare)."""
    request = provider.StatRequest(ref=reference.to_proto(), arbitrary_metadata_keys=list(metadata_keys))
    response = await session.call("Stat", request, resource=str(reference))
    return response.info


async def resource_id_of(session: CS3Session, target: Target) -> ResourceId:
    """The id of a target, asking the server only when the target is a path."""
    reference = to_reference(target)
    if reference.resource_id is not None and not reference.path:
        return reference.resource_id
    return ResourceId.from_proto((await stat_message(session, reference)).id)


async def download(
    session: CS3Session,
    reference: Reference,
    *,
    offset: int = 0,
    length: int | None = None,
    opaque: types.Opaque | None = None,
) -> AsyncIterator[bytes]:
    """The content of `reference` (or of the version that `opaque` names) in chunks."""
    described = str(reference)

    async def initiate():
        request = provider.InitiateFileDownloadRequest(ref=reference.to_proto(), opaque=opaque)
        response = await session.call("InitiateFileDownload", request, resource=described)
        url, token = choose_protocol(response.protocols, url_field="download_endpoint", resource=described)
        return await session.endpoint(url, token)

    async with aclosing(
        session.transfers.download(initiate, offset=offset, length=length, resource=described)
    ) as chunks:
        async for chunk in chunks:
            yield chunk


class FileService:
    """What a user can do with files and folders. Any argument naming a resource takes a path, a
    ResourceId, a Reference, or a Resource."""

    def __init__(self, session: CS3Session) -> None:
        self._session = session

    async def stat(self, target: Target, *, metadata_keys: Sequence[str] = ()) -> Resource:
        """The resource's info; `metadata_keys` asks for those arbitrary metadata keys where the
        server only returns requested ones."""
        return Resource.from_proto(await stat_message(self._session, to_reference(target), metadata_keys))

    async def exists(self, target: Target) -> bool:
        try:
            await self.stat(target)
        except NotFound:
            return False
        return True

    async def list(self, target: Target, *, metadata_keys: Sequence[str] = ()) -> list[Resource]:
        """The entries of a folder, in the server's order."""
        reference = to_reference(target)
        request = provider.ListContainerRequest(
            ref=reference.to_proto(), arbitrary_metadata_keys=list(metadata_keys)
        )
        infos = await self._session.call_paged(
            "ListContainer", request, items="infos", resource=str(reference)
        )
        return [Resource.from_proto(info) for info in infos]

    async def mkdir(self, target: Target) -> None:
        """Create a folder; its parent must exist (AlreadyExists if the folder does)."""
        reference = to_reference(target)
        await self._session.call(
            "CreateContainer",
            provider.CreateContainerRequest(ref=reference.to_proto()),
            resource=str(reference),
        )

    async def touch(self, target: Target, *, lock_id: str = "") -> None:
        """Create an empty file."""
        reference = to_reference(target)
        request = provider.TouchFileRequest(ref=reference.to_proto(), lock_id=lock_id)
        await self._session.call("TouchFile", request, resource=str(reference))

    async def delete(self, target: Target, *, lock_id: str = "") -> None:
        reference = to_reference(target)
        request = provider.DeleteRequest(ref=reference.to_proto(), lock_id=lock_id)
        await self._session.call("Delete", request, resource=str(reference))

    async def move(self, source: Target, destination: Target, *, lock_id: str = "") -> None:
        """Move or rename; the resource keeps its id."""
        source_ref, destination_ref = to_reference(source), to_reference(destination)
        request = provider.MoveRequest(
            source=source_ref.to_proto(), destination=destination_ref.to_proto(), lock_id=lock_id
        )
        await self._session.call("Move", request, resource=f"{source_ref} -> {destination_ref}")

    async def set_metadata(self, target: Target, metadata: Mapping[str, str], *, lock_id: str = "") -> None:
        """Set arbitrary metadata keys (the other keys stay as they are)."""
        reference = to_reference(target)
        request = provider.SetArbitraryMetadataRequest(
            ref=reference.to_proto(),
            arbitrary_metadata=storage.ArbitraryMetadata(metadata=dict(metadata)),
            lock_id=lock_id,
        )
        await self._session.call("SetArbitraryMetadata", request, resource=str(reference))

    async def unset_metadata(self, target: Target, keys: Iterable[str], *, lock_id: str = "") -> None:
        reference = to_reference(target)
        request = provider.UnsetArbitraryMetadataRequest(
            ref=reference.to_proto(), arbitrary_metadata_keys=list(keys), lock_id=lock_id
        )
        await self._session.call("UnsetArbitraryMetadata", request, resource=str(reference))

    async def quota(self, target: Target | None = None) -> Quota:
        """The quota of the storage holding `target` (default: the user's home)."""
        reference = to_reference(target if target is not None else await self._session.home())
        response = await self._session.call(
            "GetQuota", gateway.GetQuotaRequest(ref=reference.to_proto()), resource=str(reference)
        )
        return Quota(total_bytes=response.total_bytes, used_bytes=response.used_bytes)

    def read(self, target: Target, *, offset: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        """The file's content in chunks, or `length` bytes from `offset`. Close the iterator (e.g. with
        `contextlib.aclosing`) if you stop before its end."""
        return download(self._session, to_reference(target), offset=offset, length=length)

    async def read_bytes(self, target: Target, *, offset: int = 0, length: int | None = None) -> bytes:
        return await read_all(self.read(target, offset=offset, length=length))

    async def write(
        self,
        target: Target,
        content: bytes | AsyncIterable[bytes],
        *,
        size: int | None = None,
        lock_id: str = "",
        lock_holder: str = "",
        if_match: str | None = None,
        if_not_exists: bool = False,
    ) -> Resource:
        """Replace (or create) the file's content and return its new state (with the new etag).

        `content` is bytes or an async iterable of chunks (give `size` if you know it). A locked file
        takes the write only with the lock's `lock_id` (and `lock_holder`, default the configured app
        name); otherwise Locked. `if_match` refuses the write with Conflict unless the file's etag is
        still that one; `if_not_exists` refuses it with AlreadyExists if the file exists. Both are
        checked here and sent to the gateway, which enforces them where it supports them (Reva and
        the embedded store again when the content lands, answering HTTP 412 if they broke since).
        """
        reference = to_reference(target)
        described = str(reference)
        if if_match is not None or if_not_exists:
            await self._check_preconditions(reference, if_match, if_not_exists)
        if isinstance(content, bytes):
            size = len(content)
        request = provider.InitiateFileUploadRequest(ref=reference.to_proto(), lock_id=lock_id)
        if size is not None:
            request.opaque.CopyFrom(plain_opaque({"Upload-Length": str(size)}))
        if if_match is not None:
            request.if_match = if_match
        elif if_not_exists:
            request.if_not_exist = True

        async def initiate():
            response = await self._session.call("InitiateFileUpload", request, resource=described)
            url, token = choose_protocol(response.protocols, url_field="upload_endpoint", resource=described)
            return await self._session.endpoint(url, token)

        try:
            await self._session.transfers.upload(
                initiate,
                content,
                size=size,
                lock_id=lock_id,
                lock_holder=lock_holder or self._session.config.app_name,
                resource=described,
            )
        except Locked as refusal:
            raise await self._explain_refusal(reference, refusal, lock_id) from refusal
        except Conflict as refusal:
            if if_not_exists:  # someone created the file between our check and the upload's landing
                raise AlreadyExists(
                    f"the file was created while it was uploaded ({refusal.message})",
                    operation="upload",
                    resource=described,
                    code=refusal.code,
                    source=refusal.source,
                ) from refusal
            raise await self._explain_refusal(reference, refusal, lock_id) from refusal
        return await self.stat(reference)

    async def _explain_refusal(self, reference: Reference, refusal: Conflict, lock_id: str) -> Conflict:
        """Locked, naming the holder, when a lock we do not hold is why the write was refused.

        Gateways refuse such a write either at InitiateFileUpload (FAILED_PRECONDITION) or at the PUT
        (HTTP 409); callers get Locked either way.
        """
        lock = await self._session.locks.get(reference)
        if lock is None or lock.lock_id == lock_id:
            return refusal
        holder = lock.app_name or "an application"
        until = f" until {lock.expiration.isoformat(timespec='seconds')}" if lock.expiration else ""
        user = f" for user {lock.user.opaque_id}" if lock.user else ""
        return Locked(
            f"locked by {holder}{user}{until}; a write must carry the lock's id ({refusal.message})",
            operation="upload",
            resource=str(reference),
            code=refusal.code,
            source=refusal.source,
        )

    async def _check_preconditions(
        self, reference: Reference, if_match: str | None, if_not_exists: bool
    ) -> None:
        try:
            current = await self.stat(reference)
        except NotFound:
            if if_match is not None:
                raise Conflict(
                    f"expected etag {if_match}, but the file no longer exists",
                    operation="upload",
                    resource=str(reference),
                ) from None
            return
        if if_not_exists:
            raise AlreadyExists("the file exists already", operation="upload", resource=str(reference))
        if current.etag != if_match:
            raise Conflict(
                f"the file changed: expected etag {if_match}, found {current.etag}",
                operation="upload",
                resource=str(reference),
            )
