"""ListFileVersions and RestoreFileVersion (downloading a version: see transfer_api)."""

from __future__ import annotations

from cs3.storage.provider.v1beta1 import provider_api_pb2 as sp
from cs3.storage.provider.v1beta1 import resources_pb2 as rp

from .access import Principal
from .rpc import ApiBase, rpc
from .status import failed_precondition, not_found, ok
from .versions import node_of_key


class VersionsApi(ApiBase):
    @rpc(sp.ListFileVersionsResponse)
    async def ListFileVersions(self, request: sp.ListFileVersionsRequest, principal: Principal):
        node, _ = await self.store.authorized(principal, request.ref, "list_file_versions")
        if node.is_dir:
            raise failed_precondition(f"{node.path} is a folder; folders have no versions")
        versions = await self.store.versions.list(node.opaque_id)
        return sp.ListFileVersionsResponse(
            status=ok(),
            versions=[rp.FileVersion(key=v.key, size=v.size, mtime=v.mtime, etag=v.etag) for v in versions],
        )

    @rpc(sp.RestoreFileVersionResponse)
    async def RestoreFileVersion(self, request: sp.RestoreFileVersionRequest, principal: Principal):
        node, _ = await self.store.authorized(principal, request.ref, "restore_file_version")
        version = await self.store.versions.get(request.key)
        if version is None or node_of_key(request.key) != node.opaque_id:
            raise not_found(f"{node.path} has no version {request.key!r}")
        # The restored content is written like an upload: the current content becomes a version.
        temp = await self.store.content.copy_to_temp(self.store.versions.content_path(version.key))
        await self.store.content.commit(temp, node.path, request.lock_id)
        return sp.RestoreFileVersionResponse(status=ok())
