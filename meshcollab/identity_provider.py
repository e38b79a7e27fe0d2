"""Who a request is, as a CS3 user, for Jupyter Server.

`Authorization: Basic` carries CS3 credentials, checked by the gateway's basic authentication; the
request then acts as that CS3 user. Any other request that Jupyter's own authentication admits (its
token or cookie) acts as the server's CS3 user (`MeshCollab.cs3_username`): the single-user mode of a
personal server, until sign-in of many users lands.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time

from jupyter_server.auth.identity import IdentityProvider, User
from tornado import web

from meshcollab.cs3 import CS3Error, CS3Session, Unauthenticated
from meshcollab.identity import set_current_session

# A verified Basic login is reused for this long, so that a client's every request does not cost a
# CS3 authentication; the session renews its own token meanwhile.
BASIC_LOGIN_REUSE_SECONDS = 300.0
BASIC_LOGINS_KEPT = 1024  # bound on that cache, whatever clients send


def _basic_credentials(handler: web.RequestHandler) -> tuple[str, str] | None:
    header = handler.request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        username, separator, password = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise web.HTTPError(400, "malformed Basic credentials") from None
    if not separator or not username:
        raise web.HTTPError(400, "malformed Basic credentials")
    return username, password


def jupyter_user(session: CS3Session) -> User:
    """The Jupyter identity of a CS3 user: names come from CS3, not from what a client claims."""
    user = session.user
    name = user.display_name or user.username
    initials = "".join(part[0] for part in name.split()[:2]).upper() or None
    return User(username=user.username, name=name, display_name=name, initials=initials)


class CS3IdentityProvider(IdentityProvider):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._basic_logins: dict[str, tuple[float, CS3Session]] = {}

    async def get_user(self, handler: web.RequestHandler) -> User | None:
        meshcollab = handler.settings["meshcollab"]
        try:
            await meshcollab.runtime.started()
        except RuntimeError as error:
            raise web.HTTPError(503, str(error)) from None
        credentials = _basic_credentials(handler)
        if credentials is not None:
            session = await self._basic_login(meshcollab.runtime.gateway, *credentials)
            if session is None:
                return None
            handler._token_authenticated = True  # Basic is explicit, like a token: no XSRF cookie needed
        else:
            if await self._get_user(handler) is None:
                return None
            try:
                session = meshcollab.server_session()
            except Unauthenticated:
                return None
        set_current_session(session)
        return jupyter_user(session)

    async def _basic_login(self, gateway, username: str, password: str) -> CS3Session | None:
        key = hashlib.sha256(f"{username}\0{password}".encode()).hexdigest()
        cached = self._basic_logins.get(key)
        if cached is not None and time.monotonic() - cached[0] < BASIC_LOGIN_REUSE_SECONDS:
            return cached[1]
        try:
            session = await gateway.login_basic(username, password)
        except Unauthenticated:
            self.log.warning("CS3 basic login refused for %r", username)
            return None
        except CS3Error as error:
            raise web.HTTPError(503, f"the CS3 gateway could not check the credentials: {error}") from None
        if len(self._basic_logins) >= BASIC_LOGINS_KEPT:
            oldest = min(self._basic_logins, key=lambda k: self._basic_logins[k][0])
            del self._basic_logins[oldest]
        self._basic_logins[key] = (time.monotonic(), session)
        return session
