"""Authentication and the user directory RPCs."""

from __future__ import annotations

from cs3.gateway.v1beta1 import gateway_api_pb2 as gw
from cs3.identity.user.v1beta1 import user_api_pb2 as ua

from .access import Principal
from .rpc import ApiBase, principal_of, rpc
from .status import invalid_argument, not_found, ok


class UsersApi(ApiBase):
    @rpc(gw.AuthenticateResponse, public=True)
    async def Authenticate(self, request: gw.AuthenticateRequest, principal: Principal | None):
        token, principal = await self.store.authenticate(
            request.type, request.client_id, request.client_secret
        )
        return gw.AuthenticateResponse(status=ok(), token=token, user=principal.user.to_proto())

    async def WhoAmI(self, request: gw.WhoAmIRequest, context):
        # The token may come in the request (as Reva reads it) or, failing that, in the metadata.
        principal = await principal_of(self.store, context, request.token)
        return gw.WhoAmIResponse(status=ok(), user=principal.user.to_proto())

    @rpc(gw.ListAuthProvidersResponse, public=True)
    async def ListAuthProviders(self, request, principal: Principal | None):
        return gw.ListAuthProvidersResponse(status=ok(), types=sorted(self.store.authenticators))

    @rpc(ua.GetUserResponse, public=True)
    async def GetUser(self, request: ua.GetUserRequest, principal: Principal | None):
        user = self.store.users.by_id(request.user_id.opaque_id)
        if user is None:
            raise not_found(f"no user with id {request.user_id.opaque_id}")
        return ua.GetUserResponse(status=ok(), user=user.to_proto())

    @rpc(ua.GetUserByClaimResponse, public=True)
    async def GetUserByClaim(self, request: ua.GetUserByClaimRequest, principal: Principal | None):
        user = self.store.users.by_claim(request.claim, request.value)
        if user is None:
            raise not_found(f"no user with {request.claim} {request.value!r}")
        return ua.GetUserByClaimResponse(status=ok(), user=user.to_proto())

    @rpc(ua.GetUserGroupsResponse)
    async def GetUserGroups(self, request: ua.GetUserGroupsRequest, principal: Principal):
        user = self.store.users.by_id(request.user_id.opaque_id)
        if user is None:
            raise not_found(f"no user with id {request.user_id.opaque_id}")
        return ua.GetUserGroupsResponse(status=ok(), groups=list(user.groups))

    @rpc(ua.FindUsersResponse)
    async def FindUsers(self, request: ua.FindUsersRequest, principal: Principal):
        queries = (
            [f.query for f in request.filters if f.type == ua.Filter.TYPE_QUERY] if request.filters else []
        )
        if not queries:
            raise invalid_argument("FindUsers needs a query filter")
        found = {u.opaque_id: u for q in queries for u in self.store.users.find(q)}
        return ua.FindUsersResponse(status=ok(), users=[u.to_proto() for u in found.values()])
