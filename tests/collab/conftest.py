"""Fixtures of the room ↔ CS3 tests: the adapter on the embedded store (real gRPC), as the user the
server acts as and as an independent client."""

from __future__ import annotations

import uuid

import pytest

from meshcollab.cs3 import CS3Gateway, CS3Session


@pytest.fixture
async def outsider(gateway: CS3Gateway) -> CS3Session:
    """Another client of the same user (another application, or the user in CERNBox)."""
    return await gateway.login_basic("einstein", "relativity")


@pytest.fixture
async def workdir(einstein: CS3Session) -> str:
    path = f"{await einstein.home()}/collab-{uuid.uuid4().hex[:10]}"
    await einstein.files.mkdir(path)
    return path
