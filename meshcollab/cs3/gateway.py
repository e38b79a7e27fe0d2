"""The connection to a CS3 gateway, and logging users in to get sessions.

    async with CS3Gateway(config) as gw:
        session = await gw.login_basic("einstein", "relativity")
        info = await session.files.stat("/home/einstein/nb.ipynb")

The gateway owns the gRPC channel and the HTTP client; sessions borrow them and are valid until the
gateway closes.
"""

from __future__ import annotations

import ssl
from types import TracebackType

import anyio.to_thread
import httpx
from cs3.gateway.v1beta1 import gateway_api_pb2 as gateway

from meshcollab.cs3.auth import Credentials, SessionToken, token_expiry
from meshcollab.cs3.config import CS3Config
from meshcollab.cs3.errors import NotFound, PermissionDenied, Unauthenticated
from meshcollab.cs3.models import User
from meshcollab.cs3.rpc import GatewayChannel
from meshcollab.cs3.session import CS3Session
from meshcollab.cs3.transfer import DataTransfer


class CS3Gateway:
    """A CS3 gateway (Reva, or `meshcollab store`): `async with` it, or `start()` and `aclose()` it."""

    def __init__(self, config: CS3Config | None = None) -> None:
        self.config = config if config is not None else CS3Config()
        self._channel = GatewayChannel(self.config)
        self._http: httpx.AsyncClient | None = None
        self._transfers: DataTransfer | None = None

    async def start(self) -> None:
        if self._http is not None:
            return
        await self._channel.open()
        self._http = httpx.AsyncClient(
            verify=await self._tls_context(), timeout=httpx.Timeout(self.config.deadline)
        )
        self._transfers = DataTransfer(self.config, self._http)

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = self._transfers = None
        await self._channel.aclose()

    async def __aenter__(self) -> CS3Gateway:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _tls_context(self) -> ssl.SSLContext | bool:
        config = self.config
        if not (config.tls_ca_file or config.tls_cert_file):
            return True  # the system's trust store for https endpoints; http ones need nothing

        def load() -> ssl.SSLContext:
            context = ssl.create_default_context(cafile=config.tls_ca_file or None)
            if config.tls_cert_file:
                context.load_cert_chain(config.tls_cert_file, config.tls_key_file or None)
            return context

        return await anyio.to_thread.run_sync(load)  # reads files: off the event loop

    async def login_basic(self, username: str, password: str) -> CS3Session:
        """A session as the user with this username and password; Unauthenticated if they are wrong."""
        credentials = Credentials(self.config.basic_auth_type, username, password)
        return await self._login(credentials, f"user {username}")

    async def login_bearer(self, oidc_token: str) -> CS3Session:
        """A session from an OIDC access token, exchanged for a CS3 token through the gateway's bearer
        auth provider. It renews its token while the OIDC token is valid, and raises TokenExpired after."""
        credentials = Credentials(
            self.config.bearer_auth_type, "", oidc_token, expires_at=token_expiry(oidc_token)
        )
        return await self._login(credentials, "bearer token")

    async def login_token(self, token: str) -> CS3Session:
        """A session from a CS3 access token the gateway already issued, used as is. It cannot renew
        the token: once it expires, calls raise TokenExpired."""
        session_token = self._session_token(token, credentials=None)
        await session_token.fresh()  # an expired token fails here, clearly, before anything is sent
        response = await self._channel.call(
            "WhoAmI", gateway.WhoAmIRequest(token=token), token=token, resource="access token"
        )
        return self._session(session_token, User.from_proto(response.user))

    async def login_public_link(self, link_token: str, password: str | None = None) -> CS3Session:
        """A guest session of a public link, which reaches the linked resource only
        (`session.public_link.resource_id`), with the link's permissions."""
        # Reva's publicshares auth manager reads the secret as "password|<password>".
        credentials = Credentials(self.config.public_link_auth_type, link_token, f"password|{password or ''}")
        session = await self._login(credentials, "public link")
        session.public_link = await session.links.get_by_token(link_token, password)
        return session

    async def _login(self, credentials: Credentials, who: str) -> CS3Session:
        token, user = await self._authenticate_user(credentials, who)
        return self._session(self._session_token(token, credentials), user)

    def _session_token(self, token: str, credentials: Credentials | None) -> SessionToken:
        return SessionToken(
            token,
            credentials=credentials,
            authenticate=self._authenticate,
            margin=self.config.token_renewal_margin,
        )

    def _session(self, token: SessionToken, user: User) -> CS3Session:
        if self._transfers is None:
            raise RuntimeError(
                "the gateway is not started: use `async with CS3Gateway(...)` or `await start()`"
            )
        return CS3Session(
            config=self.config, channel=self._channel, transfers=self._transfers, token=token, user=user
        )

    async def _authenticate(self, credentials: Credentials) -> str:
        token, _ = await self._authenticate_user(credentials, credentials.auth_type)
        return token

    async def _authenticate_user(self, credentials: Credentials, who: str) -> tuple[str, User]:
        request = gateway.AuthenticateRequest(
            type=credentials.auth_type,
            client_id=credentials.client_id,
            client_secret=credentials.client_secret,
        )
        try:
            response = await self._channel.call("Authenticate", request, token=None, resource=who)
        except (NotFound, PermissionDenied) as error:
            # Gateways differ in how they refuse credentials; to the caller it is all a failed login.
            raise Unauthenticated(
                error.message, operation="login", resource=who, code=error.code, source=error.source
            ) from error
        return response.token, User.from_proto(response.user)
