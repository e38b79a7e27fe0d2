"""Fixtures of the identity tests: one multi-user meshcollab server (no server-wide CS3 user: everyone
signs in as themselves), against the shared embedded store."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from server_process import FAST, ServerProcess

from meshcollab.cs3 import CS3Config, CS3Gateway


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def multi_user_server(store, tmp_path_factory: pytest.TempPathFactory):
    """One server for every identity test (each works in files of its own): everyone signs in as
    themselves; richard may run code; permissions are re-checked by the sharing API only."""
    process = ServerProcess(
        store.grpc_address,
        tmp_path_factory.mktemp("server") / "server",
        *FAST,
        "--MeshCollab.lock_ttl=6",
        "--MeshCollab.permission_check_interval=0",
        "--MeshCollab.code_execution_users=richard",
        user=None,
    )
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
async def gateway(store) -> AsyncIterator[CS3Gateway]:
    async with CS3Gateway(CS3Config(gateway=store.grpc_address)) as gw:
        yield gw


@pytest.fixture(scope="module")
async def owner(gateway):
    return await gateway.login_basic("einstein", "relativity")


@pytest.fixture(scope="module")
async def module_folder(owner) -> str:
    """A folder of this module in einstein's home (its Jupyter path)."""
    name = f"identity-{uuid.uuid4().hex[:8]}"
    await owner.files.mkdir(f"{await owner.home()}/{name}")
    return name
