"""InitiateFileUpload / InitiateFileDownload: check what can be checked up front (permissions,
etag and existence preconditions, the lock) and hand out an endpoint on the data server with a
signed transfer token, in the `simple` and `spaces` protocols as Reva does."""

from __future__ import annotations

from cs3.gateway.v1beta1 import gateway_api_pb2 as gw
from cs3.gateway.v1beta1 import resources_pb2 as gw_resources
from cs3.storage.provider.v1beta1 import provider_api_pb2 as sp

from .access import Principal
from .namespace import same_etag
from .rpc import ApiBase, rpc
from .status import already_exists, failed_precondition, not_found, ok
from .tokens import TransferClaims
from .versions import node_of_key

PROTOCOLS = ("simple", "spaces")


def endpoint(data_url: str, token: str) -> str:
    # As Reva's datagateway, the token is also the last path segment; X-Reva-Transfer carries it too.
    return f"{data_url}/data/{token}"


class TransferApi(ApiBase):
    @rpc(gw.InitiateFileUploadResponse)
    async def InitiateFileUpload(self, request: sp.InitiateFileUploadRequest, principal: Principal):
        ns = self.store.namespace
        path = await ns.path_of_ref(request.ref)
        node = await ns.node_at(path)
        if node is None:
            if request.if_match:
                raise failed_precondition(
                    f"{path} does not exist, so it cannot match etag {request.if_match}"
                )
            path, _ = await self.store.creatable(principal, request.ref, "initiate_file_upload")
            opaque_id = ""
        else:
            await self.store.access.require(principal, node, "initiate_file_upload")
            if node.is_dir:
                raise failed_precondition(f"{path} is a folder")
            if request.if_not_exist:
                raise already_exists(f"{path} already exists")
            if request.if_match and not same_etag(request.if_match, node.etag):
                raise failed_precondition(
                    f"{path} has changed: etag {node.etag}, expected {request.if_match}"
                )
            lock = await self.store.locks.get(node.opaque_id)
            if lock is not None and lock.lock_id != request.lock_id:
                raise failed_precondition(
                    f"{path} is {lock.describe()}: the upload must carry the holder's lock id"
                )
            opaque_id = node.opaque_id
        claims = TransferClaims(
            "upload", principal.user.opaque_id, path, opaque_id, "", request.if_match, request.if_not_exist
        )
        token = self.store.tokens.issue_transfer(claims)
        url = endpoint(self.store.data_url, token)
        protocols = [
            gw_resources.FileUploadProtocol(protocol=p, upload_endpoint=url, token=token) for p in PROTOCOLS
        ]
        return gw.InitiateFileUploadResponse(status=ok(), protocols=protocols)

    @rpc(gw.InitiateFileDownloadResponse)
    async def InitiateFileDownload(self, request: sp.InitiateFileDownloadRequest, principal: Principal):
        # A version is asked for in either of Reva's two forms: a resource id whose opaque id is the
        # version key (decomposedfs), or the file's reference with `version_key` in the opaque map.
        ref_id = request.ref.resource_id.opaque_id
        if node_of_key(ref_id):
            key = ref_id
            node = await self.store.namespace.by_id(node_of_key(key))
        elif key := opaque_version_key(request):
            node = await self.store.namespace.resolve(request.ref)
        if key:
            await self.store.access.require(principal, node, "list_file_versions")
            if node_of_key(key) != node.opaque_id or await self.store.versions.get(key) is None:
                raise not_found(f"{node.path} has no version {key}")
        else:
            node, _ = await self.store.authorized(principal, request.ref, "initiate_file_download")
            if node.is_dir:
                raise failed_precondition(f"{node.path} is a folder; only files can be downloaded")
        await self.store.access.require(principal, node, "initiate_file_download")
        claims = TransferClaims("download", principal.user.opaque_id, node.path, node.opaque_id, key)
        token = self.store.tokens.issue_transfer(claims)
        url = endpoint(self.store.data_url, token)
        protocols = [
            gw_resources.FileDownloadProtocol(protocol=p, download_endpoint=url, token=token)
            for p in PROTOCOLS
        ]
        return gw.InitiateFileDownloadResponse(status=ok(), protocols=protocols)


def opaque_version_key(request: sp.InitiateFileDownloadRequest) -> str:
    entry = request.opaque.map.get("version_key") if request.HasField("opaque") else None
    return entry.value.decode() if entry is not None else ""
