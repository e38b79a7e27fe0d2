"""SetLock / GetLock / RefreshLock / Unlock (semantics in locks.py). Changing a lock needs the
permission to write the file (as Reva's decomposedfs asks InitiateFileUpload); reading it, stat."""

from __future__ import annotations

import time

from cs3.storage.provider.v1beta1 import provider_api_pb2 as sp

from .access import Principal
from .locks import LockRecord
from .rpc import ApiBase, rpc
from .status import not_found, ok


class LocksApi(ApiBase):
    @rpc(sp.SetLockResponse)
    async def SetLock(self, request: sp.SetLockRequest, principal: Principal):
        node, _ = await self.store.authorized(principal, request.ref, "initiate_file_upload")
        lock = LockRecord.from_request(request.lock, principal.user, time.time())
        await self.store.locks.set(node.opaque_id, node.path, lock)
        return sp.SetLockResponse(status=ok())

    @rpc(sp.GetLockResponse)
    async def GetLock(self, request: sp.GetLockRequest, principal: Principal):
        node, _ = await self.store.authorized(principal, request.ref, "stat")
        lock = await self.store.locks.get(node.opaque_id)
        if lock is None:
            raise not_found(f"{node.path} is not locked")
        return sp.GetLockResponse(status=ok(), lock=lock.to_proto())

    @rpc(sp.RefreshLockResponse)
    async def RefreshLock(self, request: sp.RefreshLockRequest, principal: Principal):
        node, _ = await self.store.authorized(principal, request.ref, "initiate_file_upload")
        lock = LockRecord.from_request(request.lock, principal.user, time.time())
        await self.store.locks.refresh(node.opaque_id, node.path, lock, request.existing_lock_id)
        return sp.RefreshLockResponse(status=ok())

    @rpc(sp.UnlockResponse)
    async def Unlock(self, request: sp.UnlockRequest, principal: Principal):
        node, _ = await self.store.authorized(principal, request.ref, "initiate_file_upload")
        await self.store.locks.unlock(node.opaque_id, node.path, request.lock.lock_id, request.lock.app_name)
        return sp.UnlockResponse(status=ok())
