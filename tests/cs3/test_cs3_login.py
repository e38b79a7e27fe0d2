"""Logging in and staying logged in, against the embedded store over real gRPC."""

from __future__ import annotations

import time

import anyio
import jwt
import pytest

from meshcollab.cs3 import CS3Config, CS3Gateway, PermissionDenied, TokenExpired, Unauthenticated

pytestmark = pytest.mark.anyio


async def test_basic_login_gives_a_session_of_that_user(gateway: CS3Gateway) -> None:
    session = await gateway.login_basic("einstein", "relativity")
    assert session.user.username == "einstein"
    assert session.token_expires_at is not None  # Reva's tokens say when they end
    assert (await session.whoami()).username == "einstein"
    assert await session.home() == "/home/einstein"


async def test_a_wrong_password_fails_clearly(gateway: CS3Gateway) -> None:
    with pytest.raises(Unauthenticated) as caught:
        await gateway.login_basic("einstein", "not-relativity")
    assert "einstein" in str(caught.value)


async def test_an_unknown_user_fails_like_a_wrong_password(gateway: CS3Gateway) -> None:
    with pytest.raises(Unauthenticated):
        await gateway.login_basic("nobody", "nothing")


async def test_an_issued_token_can_be_used_as_is(gateway: CS3Gateway, einstein) -> None:
    session = await gateway.login_token(einstein.token)
    assert session.user.username == "einstein"
    assert await session.home() == "/home/einstein"


async def test_a_forged_token_is_refused(gateway: CS3Gateway, einstein) -> None:
    header, claims, _ = einstein.token.split(".")
    with pytest.raises((PermissionDenied, Unauthenticated)):
        await gateway.login_token(f"{header}.{claims}.forged-signature")


async def test_a_session_renews_its_token_before_it_expires(store) -> None:
    # A margin longer than the token's lifetime puts every call inside the renewal window, so each
    # call must renew the token first and still succeed.
    config = CS3Config(gateway=store.grpc_address, token_renewal_margin=10 * 365 * 24 * 3600.0)
    async with CS3Gateway(config) as gateway:
        session = await gateway.login_basic("einstein", "relativity")
        await session.home()
        await session.files.stat("/home/einstein")
        assert session.token_renewals == 2
        assert (await session.whoami()).username == "einstein"


async def test_a_token_alone_cannot_be_renewed_and_says_so(store, einstein) -> None:
    config = CS3Config(gateway=store.grpc_address, token_renewal_margin=10 * 365 * 24 * 3600.0)
    async with CS3Gateway(config) as gateway:
        session = await gateway.login_token(einstein.token)
        # Still valid, so it is used until its end rather than failing early.
        assert await session.home() == "/home/einstein"
        assert session.token_renewals == 0


async def test_an_expired_token_is_refused_with_a_clear_error(gateway: CS3Gateway) -> None:
    expired = jwt.encode({"sub": "einstein", "exp": int(time.time()) - 60}, "x" * 32, algorithm="HS256")
    with pytest.raises(TokenExpired, match="log in again"):
        await gateway.login_token(expired)


async def test_a_short_lived_token_is_renewed_once_it_runs_out(short_token_store, config_for) -> None:
    config = config_for(short_token_store)
    config.token_renewal_margin = 0.5
    async with CS3Gateway(config) as gateway:
        session = await gateway.login_basic("einstein", "relativity")
        assert await session.home() == "/home/einstein"
        stale, renewals = session.token, session.token_renewals
        await anyio.sleep(session.token_expires_at - time.time() + 0.2)  # past the token's `exp`
        assert await session.home() == "/home/einstein"
        assert session.token_renewals == renewals + 1 and session.token != stale
        assert session.token_expires_at > time.time()


async def test_an_issued_token_that_ran_out_says_to_log_in_again(short_token_store, config_for) -> None:
    async with CS3Gateway(config_for(short_token_store)) as gateway:
        issued = (await gateway.login_basic("einstein", "relativity")).token
        session = await gateway.login_token(issued)
        await anyio.sleep(session.token_expires_at - time.time() + 0.2)
        with pytest.raises(TokenExpired, match="log in again"):
            await session.home()
