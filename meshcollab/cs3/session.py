"""One user's session with the gateway: their token, and every operation done as them."""

from __future__ import annotations

from typing import Any

from cs3.gateway.v1beta1 import gateway_api_pb2 as gateway
from cs3.storage.provider.v1beta1 import provider_api_pb2 as provider

from meshcollab.cs3.auth import SessionToken
from meshcollab.cs3.config import CS3Config
from meshcollab.cs3.errors import CS3Error
from meshcollab.cs3.files import FileService
from meshcollab.cs3.links import LinkService
from meshcollab.cs3.locks import LockService
from meshcollab.cs3.models import PublicLink, User
from meshcollab.cs3.ocm import OCMService
from meshcollab.cs3.rpc import GatewayChannel, is_token_rejection
from meshcollab.cs3.shares import ShareService
from meshcollab.cs3.spaces import SpaceService
from meshcollab.cs3.transfer import DataTransfer, Endpoint
from meshcollab.cs3.users import UserService
from meshcollab.cs3.versions import VersionService


class CS3Session:
    """Acts as one user. Made by CS3Gateway.login_*; lives as long as the gateway it came from.

    The operations are grouped by what they act on: `files` (including contents), `locks`,
    `versions`, `shares`, `links`, `users`, `spaces`, and `ocm` (federated shares with other
    institutions). A session opened from a public link knows the
    link (`public_link`); the guest reaches its resource through `public_link.resource_id`.
    """

    def __init__(
        self,
        *,
        config: CS3Config,
        channel: GatewayChannel,
        transfers: DataTransfer,
        token: SessionToken,
        user: User,
        public_link: PublicLink | None = None,
    ) -> None:
        self.config = config
        self.transfers = transfers
        self.user = user
        self.public_link = public_link
        self._channel = channel
        self._token = token
        self.files = FileService(self)
        self.locks = LockService(self)
        self.versions = VersionService(self)
        self.shares = ShareService(self)
        self.links = LinkService(self)
        self.users = UserService(self)
        self.spaces = SpaceService(self)
        self.ocm = OCMService(self)

    @property
    def token(self) -> str:
        """The current access token (as sent in `x-access-token`)."""
        return self._token.value

    @property
    def token_expires_at(self) -> float | None:
        """When the current token expires, in epoch seconds, if it says."""
        return self._token.expires_at

    @property
    def token_renewals(self) -> int:
        """How many times this session renewed its token."""
        return self._token.renewals

    async def call(self, method: str, request: Any, *, resource: str = "") -> Any:
        """Call the gateway as this user (see GatewayChannel.call).

        A call that the gateway's auth interceptor turns away (an expired token, or one the gateway
        no longer accepts after a restart) never ran, so it is sent once more with a renewed token.
        """
        token = await self._token.fresh()
        try:
            return await self._channel.call(method, request, token=token, resource=resource)
        except CS3Error as error:
            if not (is_token_rejection(error) and self._token.renewable):
                raise
        token = await self._token.renew(token)
        return await self._channel.call(method, request, token=token, resource=resource)

    async def call_paged(self, method: str, request: Any, *, items: str, resource: str = "") -> list:
        """Every item (the response field `items`) of a paged list call, following next_page_token."""
        collected: list = []
        while True:
            response = await self.call(method, request, resource=resource)
            collected.extend(getattr(response, items))
            if not response.next_page_token:
                return collected
            request.page_token = response.next_page_token

    async def endpoint(self, url: str, transfer_token: str) -> Endpoint:
        """A data endpoint to use now, with a fresh access token."""
        return Endpoint(url=url, transfer_token=transfer_token, access_token=await self._token.fresh())

    async def whoami(self) -> User:
        """The user the gateway sees behind this session's token."""
        token = await self._token.fresh()
        response = await self.call("WhoAmI", gateway.WhoAmIRequest(token=token), resource="this session")
        return User.from_proto(response.user)

    async def home(self) -> str:
        """The path of the user's home folder (e.g. /home/einstein)."""
        response = await self.call("GetHome", provider.GetHomeRequest(), resource="home")
        return response.path
