"""Storage spaces and homes: ListStorageSpaces (the caller's personal space and the project spaces
they are a member of), GetHome, CreateHome."""

from __future__ import annotations

from cs3.storage.provider.v1beta1 import provider_api_pb2 as sp
from cs3.storage.provider.v1beta1 import spaces_api_pb2 as spaces_pb2

from .access import Principal
from .namespace import PERSONAL, Space
from .rpc import ApiBase, rpc
from .status import ok
from .users import UserRecord

Filter = spaces_pb2.ListStorageSpacesRequest.Filter


class SpacesApi(ApiBase):
    @rpc(spaces_pb2.ListStorageSpacesResponse)
    async def ListStorageSpaces(self, request: spaces_pb2.ListStorageSpacesRequest, principal: Principal):
        spaces = (
            []
            if principal.scope
            else [s for s in self.store.namespace.spaces if self._member(principal.user, s)]
        )
        for f in request.filters:
            if f.type == Filter.TYPE_SPACE_TYPE:
                spaces = [s for s in spaces if s.kind == f.space_type]
            elif f.type == Filter.TYPE_ID:
                spaces = [
                    s
                    for s in spaces
                    if f.id.opaque_id in (s.space_id, self.store.storage_space(s).id.opaque_id)
                ]
            elif f.type == Filter.TYPE_OWNER:
                spaces = [s for s in spaces if s.owner and s.owner.opaque_id == f.owner.opaque_id]
            elif f.type == Filter.TYPE_USER:
                member = self.store.users.by_id(f.user.opaque_id)
                spaces = [s for s in spaces if member and self._member(member, s)]
        result = []
        for space in spaces:
            root = await self.store.namespace.by_id(space.space_id)
            storage_space = self.store.storage_space(space)
            storage_space.root_info.CopyFrom(await self.store.resource_info(principal, root))
            storage_space.mtime.CopyFrom(storage_space.root_info.mtime)
            result.append(storage_space)
        return spaces_pb2.ListStorageSpacesResponse(status=ok(), storage_spaces=result)

    @staticmethod
    def _member(user: UserRecord, space: Space) -> bool:
        if space.kind == PERSONAL:
            return space.owner == user
        return space.project.role_of(user.username) is not None

    @rpc(sp.GetHomeResponse)
    async def GetHome(self, request, principal: Principal):
        return sp.GetHomeResponse(
            status=ok(), path=self.store.namespace.personal_space(principal.user).root_path
        )

    @rpc(sp.CreateHomeResponse)
    async def CreateHome(self, request, principal: Principal):
        # Every configured user's home exists from the start.
        return sp.CreateHomeResponse(status=ok())
