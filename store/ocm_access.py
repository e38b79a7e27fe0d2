"""Reaching an accepted federated share: the recipient works through this store's gateway, which
works with the provider's (ocm_peer.py), as Reva's `ocmreceived` storage provider does.

A received share is addressed as in Reva (the OCM storage provider's fixed id, the share id as
the space, as the opaque id of its root; below a shared folder the opaque id is the base64 of the
relative path), optionally with a relative path: `ResourceId(OCM_STORAGE_ID, <share id>,
<share id>)` + `./sub/file`. The absolute path `/ocm/<share id>/...` names the same, and so
does `/home/<user>/OCM/<mount point>/...` (an accepted share is mounted in its recipient's `OCM`
folder, under its name, or `name (1).ext` when taken), so that what works on paths in the home
(Jupyter's contents) reaches it too.

Stat, ListContainer, InitiateFileDownload/Upload and the lock RPCs (SetLock, GetLock, RefreshLock,
Unlock) on such a reference are served here, for the share's recipient once accepted; the other
RPCs do not reach remote resources. Each asks the provider with the share's secret, so what the
provider allows (the share's permissions, the share still existing, its locks) is what the
recipient gets. ResourceInfos come back with the ids and paths above, the owner as a federated
user, and the permissions the provider granted.

Contents go through this store's data server: `InitiateFileDownload/Upload` hand out
`/ocm/data/<token>` endpoints (our own transfer token); the GET or PUT there is relayed to the
provider's data server (initiated with the share's token, Range and X-Lock-Id passed on), and
its answer (status, ETag) comes back as it is.
"""

from __future__ import annotations

import base64
import binascii

import anyio.to_thread
import httpx
import tornado.web
from cs3.gateway.v1beta1 import gateway_api_pb2 as gw
from cs3.gateway.v1beta1 import resources_pb2 as gw_resources
from cs3.rpc.v1beta1 import code_pb2
from cs3.storage.provider.v1beta1 import provider_api_pb2 as sp
from cs3.storage.provider.v1beta1 import resources_pb2 as rp

from .access import OutOfScope, Principal
from .context import StoreContext
from .data_server import CHUNK, StagedUpload, TransferFailed, authenticate_transfer
from .namespace import normalize, same_etag
from .ocm_config import load_async
from .ocm_peer import PeerSession, unavailable
from .ocm_received import OCM_FOLDER, ReceivedRow, accepted_share, mounted_share
from .rpc import ApiBase, rpc
from .status import StoreError, failed_precondition, invalid_argument, not_found, ok, unimplemented
from .tokens import TransferClaims
from .transfer_api import PROTOCOLS

# Reva's utils.OCMStorageProviderID: the storage id of received federated shares, in every deployment.
OCM_STORAGE_ID = "89f37a33-858b-45fa-8890-a1f2b27d90e1"
MOUNT = "/ocm"
HTTP_OF_CODE = {
    code_pb2.CODE_NOT_FOUND: 404,
    code_pb2.CODE_PERMISSION_DENIED: 403,
    code_pb2.CODE_FAILED_PRECONDITION: 409,
    code_pb2.CODE_UNAVAILABLE: 502,
}
RELAYED_HEADERS = ("Content-Type", "Content-Length", "Content-Range", "Accept-Ranges", "ETag", "OC-ETag")


def encode_relative(rel: str) -> str:
    return base64.b64encode(rel.encode()).decode()


def _home_mount(path: str) -> tuple[str, str, str] | None:
    """(username, mount point, rest) of `/home/<user>/OCM/<mount point>/rest`, else None."""
    parts = path.split("/")
    if len(parts) < 5 or parts[1] != "home" or parts[3] != OCM_FOLDER or not parts[4]:
        return None
    return parts[2], parts[4], "/".join(["", *parts[5:]])


async def names_ocm(store: StoreContext, ref: rp.Reference) -> bool:
    """Whether a reference names something in a federated share (never raises: a malformed one is
    then refused by `ocm_target`, inside the RPC)."""
    rid = ref.resource_id if ref.HasField("resource_id") else None
    if rid is not None and rid.opaque_id:
        return rid.storage_id == OCM_STORAGE_ID
    if ref.path.startswith(MOUNT + "/"):
        return True
    mount = _home_mount(ref.path)
    try:
        return mount is not None and await mounted_share(store, mount[0], mount[1]) is not None
    except StoreError:
        return False


async def ocm_target(store: StoreContext, ref: rp.Reference) -> tuple[str, str, str]:
    """(received share id, path below the shared resource: "" or "/a/b", the path the recipient
    names the shared resource by) of a reference that `names_ocm`."""
    rid = ref.resource_id if ref.HasField("resource_id") else None
    if rid is not None and rid.opaque_id:
        share_id = rid.space_id or rid.opaque_id
        rel = ""
        if rid.opaque_id != share_id:
            try:
                rel = base64.b64decode(rid.opaque_id.encode(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise invalid_argument(f"{rid.opaque_id!r} is not a resource in a federated share") from None
        if ref.path and ref.path != ".":
            if not ref.path.startswith("./"):
                raise invalid_argument(f"path {ref.path!r} next to a resource id must be relative ('./...')")
            rel += ref.path[1:]
        return share_id, _relative(rel), f"{MOUNT}/{share_id}"
    path = normalize(ref.path)
    if path.startswith(MOUNT + "/"):
        parts = path.split("/")
        return parts[2], _relative("/".join(["", *parts[3:]])), f"{MOUNT}/{parts[2]}"
    username, mount_point, rest = _home_mount(path)
    share_id = await mounted_share(store, username, mount_point)
    if share_id is None:
        raise not_found(f"{path} does not exist")
    return share_id, _relative(rest), f"/home/{username}/{OCM_FOLDER}/{mount_point}"


def _relative(rel: str) -> str:
    rel = normalize(rel) if rel else ""
    return "" if rel == "/" else rel


def local_id(share_id: str, rel: str) -> rp.ResourceId:
    return rp.ResourceId(
        storage_id=OCM_STORAGE_ID, space_id=share_id, opaque_id=encode_relative(rel) if rel else share_id
    )


def remote_reference(row: ReceivedRow, rel: str) -> rp.Reference:
    return rp.Reference(resource_id=row.remote_id(), path=f".{rel}" if rel else "")


def local_info(info: rp.ResourceInfo, row: ReceivedRow, rel: str, base: str) -> rp.ResourceInfo:
    """The provider's ResourceInfo as the recipient sees it here, at `base` + `rel`."""
    mine = rp.ResourceInfo()
    mine.CopyFrom(info)
    mine.id.CopyFrom(local_id(row.id, rel))
    if rel:
        mine.parent_id.CopyFrom(local_id(row.id, rel.rsplit("/", 1)[0]))
    else:
        mine.ClearField("parent_id")
    mine.path = f"{base}{rel}"
    mine.name = rel.rsplit("/", 1)[1] if rel else row.name
    mine.owner.CopyFrom(row.federated(row.owner))
    mine.ClearField("space")
    return mine


async def open_share(
    store: StoreContext, principal: Principal, share_id: str
) -> tuple[ReceivedRow, PeerSession]:
    """The caller's accepted share and a session with its provider (not yet entered)."""
    if principal.scope is not None:
        raise OutOfScope(f"a {principal.scope.kind} token cannot reach federated shares")
    row = await accepted_share(store, principal.user, share_id)
    config = await load_async(store.root)
    peer = config.peer(row.provider) if config else None
    if peer is None:
        raise unavailable(f"{row.provider}, which shared {row.name}, is no longer a trusted institution here")
    return row, PeerSession(peer, row.secret)


class OcmAccessApi(ApiBase):
    """Put before FilesApi, TransferApi and LocksApi in GatewayService's bases: it serves the RPCs
    below for references to federated shares and hands every other reference on (super())."""

    async def setup(self) -> None:
        await super().setup()
        self.store.add_http_route(r"/ocm/data/([^/]*)", OcmTransferHandler)

    async def Stat(self, request, context):
        return await self._ocm_or_local("Stat", sp.StatResponse, request, context, super().Stat)

    async def ListContainer(self, request, context):
        return await self._ocm_or_local(
            "ListContainer", sp.ListContainerResponse, request, context, super().ListContainer
        )

    async def InitiateFileDownload(self, request, context):
        return await self._ocm_or_local(
            "InitiateFileDownload",
            gw.InitiateFileDownloadResponse,
            request,
            context,
            super().InitiateFileDownload,
        )

    async def InitiateFileUpload(self, request, context):
        # The provider checks the lock id, if_match, if_not_exist now, and the lock again at the PUT.
        return await self._ocm_or_local(
            "InitiateFileUpload", gw.InitiateFileUploadResponse, request, context, super().InitiateFileUpload
        )

    async def SetLock(self, request, context):
        return await self._ocm_or_local("SetLock", sp.SetLockResponse, request, context, super().SetLock)

    async def GetLock(self, request, context):
        return await self._ocm_or_local("GetLock", sp.GetLockResponse, request, context, super().GetLock)

    async def RefreshLock(self, request, context):
        return await self._ocm_or_local(
            "RefreshLock", sp.RefreshLockResponse, request, context, super().RefreshLock
        )

    async def Unlock(self, request, context):
        return await self._ocm_or_local("Unlock", sp.UnlockResponse, request, context, super().Unlock)

    async def _ocm_or_local(self, method: str, response_type: type, request, context, local):
        """Serve `method` for a reference to a federated share (ask the provider the same, with its
        reference; then answer as `_ocm_answer` says), or hand the request on to `local`."""
        if not await names_ocm(self.store, request.ref):
            return await local(request, context)

        async def forward(self, request, principal: Principal):
            share_id, rel, base = await ocm_target(self.store, request.ref)
            if request.HasField("opaque") and "version_key" in request.opaque.map:
                raise unimplemented("the versions of a file in a federated share cannot be reached")
            row, session = await open_share(self.store, principal, share_id)
            asked = type(request)()
            asked.CopyFrom(request)
            asked.ref.CopyFrom(remote_reference(row, rel))
            async with session as remote:
                answer = await remote.call(method, asked)
            return self._ocm_answer(method, request, answer, principal, row, rel, base)

        forward.__name__ = method
        return await rpc(response_type)(forward)(self, request, context)

    def _ocm_answer(
        self, method: str, request, answer, principal: Principal, row: ReceivedRow, rel: str, base: str
    ):
        match method:
            case "Stat":
                return sp.StatResponse(status=ok(), info=local_info(answer.info, row, rel, base))
            case "ListContainer":
                infos = [local_info(info, row, f"{rel}/{info.name}", base) for info in answer.infos]
                return sp.ListContainerResponse(status=ok(), infos=infos)
            case "InitiateFileDownload":
                url, token = self._ocm_endpoint("download", principal, row, rel)
                protocols = [
                    gw_resources.FileDownloadProtocol(protocol=p, download_endpoint=url, token=token)
                    for p in PROTOCOLS
                ]
                return gw.InitiateFileDownloadResponse(status=ok(), protocols=protocols)
            case "InitiateFileUpload":
                # The preconditions go with the token: the relay asks the provider again at the PUT.
                url, token = self._ocm_endpoint(
                    "upload", principal, row, rel, request.if_match, request.if_not_exist
                )
                protocols = [
                    gw_resources.FileUploadProtocol(protocol=p, upload_endpoint=url, token=token)
                    for p in PROTOCOLS
                ]
                return gw.InitiateFileUploadResponse(status=ok(), protocols=protocols)
            case _:  # locks: the provider's answer as it is
                return answer

    def _ocm_endpoint(
        self,
        operation: str,
        principal: Principal,
        row: ReceivedRow,
        rel: str,
        if_match: str = "",
        if_not_exist: bool = False,
    ) -> tuple[str, str]:
        """Our own data endpoint for the transfer (relayed to the provider by OcmTransferHandler)."""
        path = f"{MOUNT}/{row.id}{rel}"
        claims = TransferClaims(operation, principal.user.opaque_id, path, "", "", if_match, if_not_exist)
        token = self.store.tokens.issue_transfer(claims)
        return f"{self.store.data_url}/ocm/data/{token}", token


def _http_failure(exc: StoreError) -> TransferFailed:
    return TransferFailed(HTTP_OF_CODE.get(exc.code, 500), exc.message)


@tornado.web.stream_request_body
class OcmTransferHandler(StagedUpload, tornado.web.RequestHandler):
    """GET/HEAD/PUT `/ocm/data/<token>`: the contents of a federated share, relayed to and from its
    provider. Tokens and replies as the data server's (`data_server.py`)."""

    def initialize(self, store: StoreContext) -> None:
        self.store = store

    async def prepare(self) -> None:
        try:
            self.claims, self.principal = self._authenticate()
            if self.request.method == "PUT":
                await self._start_staging()
        except TransferFailed as failure:
            self._fail(failure)

    def _authenticate(self) -> tuple[TransferClaims, Principal]:
        claims, principal = authenticate_transfer(self.store, self.request, self.path_args[0])
        if not claims.path.startswith(MOUNT + "/"):
            raise TransferFailed(400, "this transfer is not of a federated share")
        return claims, principal

    def _fail(self, failure: TransferFailed) -> None:
        if self._headers_written:  # the provider failed mid-body: cut the reply short, as it did
            self.request.connection.close()
            return
        self.set_status(failure.code)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(failure.reason + "\n")

    async def _session(self) -> tuple[ReceivedRow, PeerSession, rp.Reference]:
        parts = self.claims.path.split("/")
        share_id, rel = parts[2], "/".join(["", *parts[3:]]) if len(parts) > 3 else ""
        try:
            row, session = await open_share(self.store, self.principal, share_id)
        except StoreError as exc:
            raise _http_failure(exc) from None
        return row, session, remote_reference(row, rel)

    # -- download -------------------------------------------------------------------------------

    async def get(self, _token: str) -> None:
        await self._download(send_body=True)

    async def head(self, _token: str) -> None:
        await self._download(send_body=False)

    async def _download(self, send_body: bool) -> None:
        try:
            _row, session, ref = await self._session()
            async with session as remote:
                answer = await remote.call("InitiateFileDownload", sp.InitiateFileDownloadRequest(ref=ref))
                url, token = _endpoint(answer.protocols, "download_endpoint")
                headers = remote.transfer_headers(token)
                if "Range" in self.request.headers:
                    headers["Range"] = self.request.headers["Range"]
                method = "GET" if send_body else "HEAD"
                async with remote.http.stream(method, url, headers=headers) as reply:
                    self.set_status(reply.status_code)
                    for name in RELAYED_HEADERS:
                        if name in reply.headers:
                            self.set_header(name, reply.headers[name])
                    async for chunk in reply.aiter_raw(CHUNK):
                        self.write(chunk)
                        await self.flush()
        except StoreError as exc:
            return self._fail(_http_failure(exc))
        except TransferFailed as failure:
            return self._fail(failure)
        except httpx.HTTPError as exc:
            return self._fail(TransferFailed(502, f"the provider's data server failed: {exc!r}"))
        self.finish()

    # -- upload ---------------------------------------------------------------------------------

    async def data_received(self, chunk: bytes) -> None:
        if self.temp_file is not None:
            await anyio.to_thread.run_sync(self.temp_file.write, chunk)

    async def _initiate_upload(self, remote: PeerSession, ref: rp.Reference, lock_id: str):
        """The provider's InitiateFileUpload for the relayed PUT, with our transfer's preconditions, so
        that the provider checks them now that the body is here. Its FAILED_PRECONDITION is a lock or
        an etag mismatch; the latter is answered 412 as the data server does, not a lock's 409."""
        asked = sp.InitiateFileUploadRequest(ref=ref, lock_id=lock_id)
        if self.claims.if_match:  # one of a oneof: setting the other, even to False, clears it
            asked.if_match = self.claims.if_match
        elif self.claims.if_not_exist:
            asked.if_not_exist = True
        try:
            return await remote.call("InitiateFileUpload", asked)
        except StoreError as exc:
            if exc.code == code_pb2.CODE_FAILED_PRECONDITION and self.claims.if_match:
                current = await remote.call("Stat", sp.StatRequest(ref=ref))
                if not same_etag(current.info.etag, self.claims.if_match):
                    raise TransferFailed(412, exc.message) from None
            raise

    async def put(self, _token: str) -> None:
        try:
            await anyio.to_thread.run_sync(self.temp_file.close)
            lock_id = self.request.headers.get("X-Lock-Id", "")
            _row, session, ref = await self._session()
            async with session as remote:
                answer = await self._initiate_upload(remote, ref, lock_id)
                url, token = _endpoint(answer.protocols, "upload_endpoint")
                headers = remote.transfer_headers(token)
                if lock_id:
                    headers["X-Lock-Id"] = lock_id
                    headers["X-Lock-Holder"] = self.request.headers.get("X-Lock-Holder", "")
                size = (await anyio.to_thread.run_sync(self.temp.stat)).st_size
                headers["Content-Length"] = str(size)
                reply = await remote.http.put(url, content=_read_chunks(self.temp), headers=headers)
        except StoreError as exc:
            return self._fail(_http_failure(exc))
        except TransferFailed as failure:
            return self._fail(failure)
        except httpx.HTTPError as exc:
            return self._fail(TransferFailed(502, f"the provider's data server failed: {exc!r}"))
        finally:
            await self._discard_temp()
        self.set_status(reply.status_code)
        for name in ("ETag", "OC-ETag", "Content-Type"):
            if name in reply.headers:
                self.set_header(name, reply.headers[name])
        self.finish(reply.content)


def _endpoint(protocols, url_field: str) -> tuple[str, str]:
    for protocol in protocols:
        if protocol.protocol == "simple":
            return getattr(protocol, url_field), protocol.token
    raise failed_precondition("the provider offered no 'simple' transfer protocol")


async def _read_chunks(path):
    handle = await anyio.to_thread.run_sync(path.open, "rb")
    try:
        while chunk := await anyio.to_thread.run_sync(handle.read, CHUNK):
            yield chunk
    finally:
        await anyio.to_thread.run_sync(handle.close)
