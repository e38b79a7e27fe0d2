"""A session's access token and how it is renewed before it expires.

Reva's access tokens are JWTs with an `exp` claim. We read `exp` without verifying the signature (the
gateway verifies; we only need to know when to renew) and, shortly before it, authenticate again with
the credentials the session keeps. A session opened from a token alone keeps no credentials: once its
token expires it raises TokenExpired and the user has to log in again.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import anyio
import jwt

from meshcollab.cs3.errors import TokenExpired


@dataclass(frozen=True)
class Credentials:
    """The arguments of a gateway Authenticate call, kept to renew the token.

    `expires_at` (epoch seconds) is when the secret itself stops working, e.g. an OIDC token's `exp`.
    """

    auth_type: str
    client_id: str
    client_secret: str = field(repr=False)
    expires_at: float | None = None

    @property
    def usable(self) -> bool:
        return self.expires_at is None or time.time() < self.expires_at


def token_expiry(token: str) -> float | None:
    """The `exp` claim (epoch seconds) of a JWT, read without verifying it; None if there is none."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None  # not a JWT (an opaque OIDC token, say): its lifetime is unknown
    expiry = claims.get("exp")
    return float(expiry) if isinstance(expiry, (int, float)) else None


def _when(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, tz=timezone.utc).isoformat(timespec="seconds")


Authenticate = Callable[[Credentials], Awaitable[str]]


class SessionToken:
    """The current access token of one session, renewed `margin` seconds before its `exp`."""

    def __init__(
        self, token: str, *, credentials: Credentials | None, authenticate: Authenticate, margin: float
    ) -> None:
        self._token = token
        self._expires_at = token_expiry(token)
        self._credentials = credentials
        self._authenticate = authenticate
        self._margin = margin
        self._renewing = anyio.Lock()
        self.renewals = 0

    @property
    def value(self) -> str:
        return self._token

    @property
    def expires_at(self) -> float | None:
        """When the current token expires (epoch seconds), if it says."""
        return self._expires_at

    @property
    def renewable(self) -> bool:
        return self._credentials is not None and self._credentials.usable

    async def fresh(self) -> str:
        """The token to send now: renewed first when it expires within the margin."""
        if self._expires_at is None or time.time() < self._expires_at - self._margin:
            return self._token
        if not self.renewable and time.time() < self._expires_at:
            return self._token  # close to its end but still valid, and nothing to renew it with
        return await self.renew(self._token)

    async def renew(self, stale: str) -> str:
        """Authenticate again unless another task already replaced the `stale` token."""
        async with self._renewing:
            if self._token != stale:
                return self._token
            if not self.renewable:
                raise TokenExpired(self._why_not_renewable(), operation="renew token")
            token = await self._authenticate(self._credentials)
            self._token, self._expires_at = token, token_expiry(token)
            self.renewals += 1
            return token

    def _why_not_renewable(self) -> str:
        expired = f"expired at {_when(self._expires_at)}" if self._expires_at is not None else "was rejected"
        if self._credentials is None:
            return f"the access token {expired} and this session was opened from a token alone: log in again"
        return (
            f"the access token {expired} and the {self._credentials.auth_type} token it was issued for "
            f"expired at {_when(self._credentials.expires_at)}: log in again"
        )
