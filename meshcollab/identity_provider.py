"""Who a request is, as a CS3 user, for Jupyter Server.

    c.ServerApp.identity_provider_class = "meshcollab.identity_provider.CS3IdentityProvider"

A request is signed in by, in this order:
- `Authorization: Basic` with CS3 credentials, checked by the gateway's basic authentication;
- `Authorization: Bearer <token>`: a CS3 access token (`login_token`) or an OIDC access token
  exchanged through the gateway's bearer auth provider (`login_bearer`); `bearer_tokens` says which,
  by default the CS3 token first, then OIDC;
- Jupyter's own token (header `Authorization: token …` or `?token=`): the server's CS3 user
  (`MeshCollab.cs3_username`), in the single-user mode of a personal server only;
- the login cookie: signed (the server's cookie secret), HttpOnly, SameSite=Lax, Secure over HTTPS,
  holding only the id of a server-side sign-in (`meshcollab.auth.signins`) made by the login page or
  the join-by-link page or API (a server restart ends those: sign in again); a browser's first visit
  with Jupyter's token gets a cookie for the server's user, valid as long as that token.
Basic and Bearer are explicit, like Jupyter's token: such requests need no XSRF token and skip the
origin check. Cookie-authenticated requests keep both.

Every signed-in request acts as its own CS3 user: the CS3 session is set for the request
(`meshcollab.identity.set_current_session`), and the names Jupyter shows (`/api/me`, the room's
awareness) come from CS3.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable

from jupyter_server.auth.identity import IdentityProvider, User
from tornado import web
from traitlets import Enum, Float, Int, default

from meshcollab.auth.signins import CredentialCache, SignIn, SignIns, SignInKind
from meshcollab.auth.throttle import Throttle, TooManyAttempts
from meshcollab.cs3 import CS3Error, CS3Gateway, CS3Session, Unauthenticated, Unavailable
from meshcollab.cs3.auth import token_expiry
from meshcollab.identity import set_current_session

SIGN_IN_ATTRIBUTE = "_meshcollab_sign_in"
SERVER_COOKIE_PREFIX = "server:"


def sign_in_of(handler: web.RequestHandler) -> SignIn | None:
    """The sign-in of a request that went through the identity provider (None: not signed in)."""
    handler.current_user  # noqa: B018 -- makes sure authentication ran
    return getattr(handler, SIGN_IN_ATTRIBUTE, None)


def client_address(handler: web.RequestHandler) -> str:
    return handler.request.remote_ip or "unknown"


def _basic_credentials(header: str) -> tuple[str, str]:
    try:
        username, separator, password = base64.b64decode(header, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise web.HTTPError(400, "malformed Basic credentials") from None
    if not separator or not username:
        raise web.HTTPError(400, "malformed Basic credentials")
    return username, password


class CS3IdentityProvider(IdentityProvider):
    bearer_tokens = Enum(
        ["auto", "cs3", "oidc"],
        default_value="auto",
        config=True,
        help="What `Authorization: Bearer <token>` carries: 'cs3' (an access token the CS3 gateway "
        "issued, checked with WhoAmI), 'oidc' (an OIDC access token, exchanged through the gateway's "
        "bearer auth provider), or 'auto' (a CS3 token first, then OIDC).",
    )
    session_idle_timeout = Float(
        8 * 3600.0,
        config=True,
        help="Seconds after which a sign-in (login cookie) that was not used ends.",
    )
    session_max_age = Float(
        7 * 24 * 3600.0,
        config=True,
        help="Seconds after which a sign-in (login cookie) ends however much it is used.",
    )
    max_sessions = Int(
        10_000,
        config=True,
        help="Most sign-ins kept by the server; beyond, the least recently used ends.",
    )
    credential_reuse_seconds = Float(
        300.0,
        config=True,
        help="Seconds a verified Basic or Bearer credential is reused without asking the gateway again "
        "(the CS3 session renews its own token meanwhile).",
    )
    login_free_attempts = Int(
        3,
        config=True,
        help="Wrong passwords allowed per user name (login) or link (join) and client address before "
        "each further attempt must wait, twice as long after every failure (up to a minute).",
    )

    @default("login_handler_class")
    def _default_login_handler_class(self):
        from meshcollab.auth.login import CS3LoginHandler

        return CS3LoginHandler

    @default("logout_handler_class")
    def _default_logout_handler_class(self):
        from meshcollab.auth.login import CS3LogoutHandler

        return CS3LogoutHandler

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sign_ins = SignIns(
            capacity=self.max_sessions, idle_timeout=self.session_idle_timeout, max_age=self.session_max_age
        )
        self._credentials = CredentialCache(capacity=1024, reuse_seconds=self.credential_reuse_seconds)
        self.throttle = Throttle(free_attempts=self.login_free_attempts)
        self._server_sign_in: SignIn | None = None
        # Called with the CS3 session of a sign-in that ended by logout; the meshcollab extension
        # closes that sign-in's room connections (RoomMembers.signed_out).
        self.signed_out: Callable[[CS3Session], None] = lambda session: None

    # --- authentication --------------------------------------------------------------------------

    async def get_user(self, handler: web.RequestHandler) -> User | None:
        if hasattr(handler, SIGN_IN_ATTRIBUTE):
            sign_in = getattr(handler, SIGN_IN_ATTRIBUTE)
            return sign_in.user if sign_in is not None else None
        meshcollab = handler.settings.get("meshcollab")
        if meshcollab is None:
            return None
        try:
            await meshcollab.runtime.started()
        except RuntimeError as error:
            raise web.HTTPError(503, str(error)) from None
        sign_in = await self._sign_in(handler, meshcollab)
        setattr(handler, SIGN_IN_ATTRIBUTE, sign_in)
        if sign_in is None:
            return None
        set_current_session(sign_in.session)
        return sign_in.user

    async def _sign_in(self, handler: web.RequestHandler, meshcollab) -> SignIn | None:
        gateway: CS3Gateway = meshcollab.runtime.gateway
        scheme, _, value = handler.request.headers.get("Authorization", "").partition(" ")
        scheme, value = scheme.lower(), value.strip()
        if scheme == "basic":
            sign_in = await self._basic(handler, gateway, *_basic_credentials(value))
            handler._token_authenticated = True
            return sign_in
        if scheme in ("bearer", "token") and value:
            if self.token and value == self.token:
                server = self._server(meshcollab)
                if server is not None:
                    handler._token_authenticated = True
                    return server
                # Multi-user mode: Jupyter's token names nobody; the cookie says who this is.
                return self._cookie_sign_in(handler, meshcollab)
            if scheme == "token":
                return None
            sign_in = await self._bearer(gateway, value)
            handler._token_authenticated = True
            return sign_in
        url_token = handler.get_query_argument("token", "")
        if url_token and self.token and url_token == self.token:
            sign_in = self._server(meshcollab)
            if sign_in is not None:
                handler._token_authenticated = True
                cookie = self._cookie_sign_in(handler, meshcollab)
                if cookie is None or cookie.kind is not SignInKind.SERVER:
                    self.start_session(handler, sign_in)  # a browser's first visit with the token
                return sign_in
        return self._cookie_sign_in(handler, meshcollab)

    def _server(self, meshcollab) -> SignIn | None:
        session = meshcollab.runtime.server_session
        if session is None:
            return None  # no single-user mode: Jupyter's token names no CS3 user
        if self._server_sign_in is None or self._server_sign_in.session is not session:
            self._server_sign_in = SignIn.of_user(session, SignInKind.SERVER)
        return self._server_sign_in

    async def _basic(self, handler, gateway: CS3Gateway, username: str, password: str) -> SignIn | None:
        key = self._credentials.key("basic", username, password)
        cached = self._credentials.get(key)
        if cached is not None:
            return cached
        session = await self.check_password(handler, gateway, username, password)
        if session is None:
            return None
        sign_in = SignIn.of_user(session)
        self._credentials.put(key, sign_in)
        return sign_in

    async def check_password(self, handler, gateway: CS3Gateway, username: str, password: str):
        """The CS3 session of these credentials, or None; HTTP 429 while too many attempts failed."""
        address = client_address(handler)
        wait = self.throttle.wait_needed("login", username, address)
        if wait > 0:
            raise TooManyAttempts(wait, f"failed sign-ins for {username}")
        try:
            session = await gateway.login_basic(username, password)
        except Unauthenticated:
            self.log.warning("CS3 sign-in refused for %r from %s", username, address)
            self.throttle.failed("login", username, address)
            return None
        except CS3Error as error:
            raise web.HTTPError(503, f"the CS3 gateway could not check the credentials: {error}") from None
        self.throttle.succeeded("login", username, address)
        return session

    async def _bearer(self, gateway: CS3Gateway, token: str) -> SignIn | None:
        key = self._credentials.key("bearer", token)
        cached = self._credentials.get(key)
        if cached is not None:
            return cached
        kinds = {"auto": ("cs3", "oidc"), "cs3": ("cs3",), "oidc": ("oidc",)}[self.bearer_tokens]
        for kind in kinds:
            try:
                if kind == "cs3":
                    session = await gateway.login_token(token)
                else:
                    session = await gateway.login_bearer(token)
            except Unavailable as error:
                raise web.HTTPError(503, f"the CS3 gateway could not check the token: {error}") from None
            except CS3Error as error:
                self.log.info("Bearer token refused as a %s token: %s", kind, error)
                continue
            sign_in = SignIn.of_user(session)
            # A CS3 token is used as is, an OIDC token renews the session only while it is valid:
            # either way the token's own expiry ends its reuse.
            self._credentials.put(key, sign_in, valid_until=token_expiry(token))
            return sign_in
        return None

    # --- the login cookie ------------------------------------------------------------------------

    def _cookie_sign_in(self, handler: web.RequestHandler, meshcollab) -> SignIn | None:
        max_age_days = self.session_max_age / 86400
        value = handler.get_secure_cookie(self.get_cookie_name(handler), max_age_days=max_age_days)
        if not value:
            return None
        value = value.decode(errors="replace")
        if value.startswith(SERVER_COOKIE_PREFIX):
            # Single-user mode: the cookie of Jupyter's token, valid while the token is (and across
            # restarts, as Jupyter's own cookie), since it needs no CS3 credentials of its own.
            return self._server(meshcollab) if value == self._server_cookie_value() else None
        return self.sign_ins.get(value)

    def _server_cookie_value(self) -> str:
        return SERVER_COOKIE_PREFIX + hashlib.sha256(f"meshcollab\0{self.token}".encode()).hexdigest()

    def start_session(self, handler: web.RequestHandler, sign_in: SignIn) -> None:
        """Keep `sign_in` server-side and give the browser a cookie for it (replacing any other)."""
        old = handler.get_secure_cookie(self.get_cookie_name(handler))
        if old:
            self.sign_ins.drop(old.decode(errors="replace"))
        options = {"httponly": True, "samesite": "Lax", "path": handler.base_url, **self.cookie_options}
        secure = self.secure_cookie if self.secure_cookie is not None else handler.request.protocol == "https"
        if secure:
            options.setdefault("secure", True)
        value = self._server_cookie_value() if sign_in.kind is SignInKind.SERVER else self.sign_ins.add(sign_in)
        handler.set_secure_cookie(self.get_cookie_name(handler), value, expires_days=None, **options)
        setattr(handler, SIGN_IN_ATTRIBUTE, sign_in)
        set_current_session(sign_in.session)

    def set_login_cookie(self, handler: web.RequestHandler, user: User) -> None:
        # Jupyter calls this for its own logins; ours go through start_session with a CS3 session.
        sign_in = getattr(handler, SIGN_IN_ATTRIBUTE, None)
        if sign_in is not None and sign_in.user is user:
            self.start_session(handler, sign_in)

    def clear_login_cookie(self, handler: web.RequestHandler) -> None:
        """Sign out: the server-side sign-in ends, its open room connections close, and the cookie
        is cleared."""
        value = handler.get_secure_cookie(self.get_cookie_name(handler))
        ended = self.sign_ins.drop(value.decode(errors="replace")) if value else None
        if ended is not None:
            self.signed_out(ended.session)
        super().clear_login_cookie(handler)

    def identity_model(self, user: User) -> dict:
        return {
            "username": user.username,
            "name": user.name,
            "display_name": user.display_name,
            "initials": user.initials,
            "avatar_url": user.avatar_url,
            "color": user.color,
        }
