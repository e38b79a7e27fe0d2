"""Fixtures shared by the test suite.

The embedded store runs as a real service: `meshcollab store` in a subprocess, on loopback ports,
speaking gRPC and HTTP. Nothing about CS3 is mocked.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from server_process import FAST, ServerProcess

from meshcollab.cs3 import CS3Config, CS3Gateway, CS3Session
from meshcollab.embedded_store import StoreProcess

@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory):
    """A store shared by the tests of a session: each test works in its own files."""
    process = StoreProcess(root=tmp_path_factory.mktemp("store"))
    process.start()
    yield process
    process.stop()


@pytest.fixture
def fresh_store(tmp_path: Path):
    """A store of this test alone, for tests that restart it or need an empty one."""
    process = StoreProcess(root=tmp_path / "store")
    process.start()
    yield process
    process.stop()


@pytest.fixture
async def gateway(store) -> AsyncIterator[CS3Gateway]:
    """meshcollab's CS3 adapter connected to the shared store."""
    async with CS3Gateway(CS3Config(gateway=store.grpc_address, deadline=15, retries=2, retry_backoff=0.05)) as gw:
        yield gw


@pytest.fixture
async def einstein(gateway: CS3Gateway) -> CS3Session:
    return await gateway.login_basic("einstein", "relativity")


@pytest.fixture
async def marie(gateway: CS3Gateway) -> CS3Session:
    return await gateway.login_basic("marie", "radioactivity")


@pytest.fixture
async def outsider(gateway: CS3Gateway) -> CS3Session:
    """Another application working on einstein's files (another CS3 session of the same user)."""
    return await gateway.login_basic("einstein", "relativity")


@pytest.fixture
def server(store, tmp_path: Path):
    """`meshcollab serve` of this test alone, acting as einstein, with short save, close and lock delays."""
    process = ServerProcess(store.grpc_address, tmp_path / "server", *FAST, "--MeshCollab.lock_ttl=6")
    process.start()
    yield process
    process.stop()


@pytest.fixture
async def folder(einstein: CS3Session) -> str:
    """A folder of this test in einstein's home: its name, which is its Jupyter path."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    await einstein.files.mkdir(f"{await einstein.home()}/{name}")
    return name
