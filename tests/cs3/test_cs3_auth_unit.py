"""Token expiry and renewal rules: pure, no server."""

from __future__ import annotations

import time

import anyio
import jwt
import pytest

from meshcollab.cs3 import TokenExpired
from meshcollab.cs3.auth import Credentials, SessionToken, token_expiry

KEY = "a key the adapter never needs to know, 32+ bytes"


def make_token(lifetime: float, subject: str = "einstein") -> str:
    return jwt.encode({"sub": subject, "exp": int(time.time() + lifetime)}, KEY, algorithm="HS256")


def test_expiry_is_read_without_the_signing_key() -> None:
    token = make_token(3600)
    assert token_expiry(token) == jwt.decode(token, options={"verify_signature": False})["exp"]


@pytest.mark.parametrize("token", ["opaque-oidc-token", "", jwt.encode({"sub": "x"}, KEY, algorithm="HS256")])
def test_tokens_without_exp_have_no_known_expiry(token: str) -> None:
    assert token_expiry(token) is None


@pytest.mark.anyio
async def test_a_token_near_its_end_is_renewed_once_for_concurrent_callers() -> None:
    issued = []

    async def authenticate(credentials: Credentials) -> str:
        issued.append(make_token(3600, subject=f"renewal-{len(issued)}"))
        return issued[-1]

    token = SessionToken(
        make_token(10),
        credentials=Credentials("basic", "einstein", "relativity"),
        authenticate=authenticate,
        margin=60,
    )
    results = []

    async def use_token() -> None:
        results.append(await token.fresh())

    async with anyio.create_task_group() as tasks:
        for _ in range(5):
            tasks.start_soon(use_token)
    assert len(issued) == 1 and token.renewals == 1
    assert results == [issued[0]] * 5


@pytest.mark.anyio
async def test_an_expired_token_without_credentials_says_to_log_in_again() -> None:
    async def authenticate(credentials: Credentials) -> str:
        raise AssertionError("nothing to authenticate with")

    token = SessionToken(make_token(-5), credentials=None, authenticate=authenticate, margin=60)
    with pytest.raises(TokenExpired, match="log in again"):
        await token.fresh()


@pytest.mark.anyio
async def test_a_token_still_valid_but_not_renewable_is_used_until_its_end() -> None:
    async def authenticate(credentials: Credentials) -> str:
        raise AssertionError("nothing to authenticate with")

    original = make_token(30)
    token = SessionToken(original, credentials=None, authenticate=authenticate, margin=60)
    assert await token.fresh() == original


@pytest.mark.anyio
async def test_an_expired_oidc_token_cannot_renew_the_session() -> None:
    async def authenticate(credentials: Credentials) -> str:
        raise AssertionError("the OIDC token is expired: it must not be sent")

    oidc = Credentials("bearer", "", "oidc", expires_at=time.time() - 1)
    token = SessionToken(make_token(-1), credentials=oidc, authenticate=authenticate, margin=60)
    with pytest.raises(TokenExpired, match="bearer token it was issued for expired"):
        await token.fresh()


def test_credentials_never_show_the_secret() -> None:
    assert "relativity" not in repr(Credentials("basic", "einstein", "relativity"))
