"""Users: who someone is, by id, by claim (username, mail), or by a search."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cs3.identity.user.v1beta1 import user_api_pb2 as api

from meshcollab.cs3.models import User, UserId

if TYPE_CHECKING:
    from meshcollab.cs3.session import CS3Session


class UserService:
    def __init__(self, session: CS3Session) -> None:
        self._session = session

    async def get(self, user_id: UserId) -> User:
        response = await self._session.call(
            "GetUser", api.GetUserRequest(user_id=user_id.to_proto()), resource=f"user {user_id.opaque_id}"
        )
        return User.from_proto(response.user)

    async def get_by_claim(self, claim: str, value: str) -> User:
        """The user whose `claim` ("username", "mail", "uid"...) is `value`."""
        request = api.GetUserByClaimRequest(claim=claim, value=value)
        response = await self._session.call("GetUserByClaim", request, resource=f"user with {claim}={value}")
        return User.from_proto(response.user)

    async def find(self, query: str) -> list[User]:
        """Users whose username, display name or mail contains `query`."""
        request = api.FindUsersRequest(filters=[api.Filter(type=api.Filter.TYPE_QUERY, query=query)])
        response = await self._session.call("FindUsers", request, resource=f"users matching {query!r}")
        return [User.from_proto(user) for user in response.users]
