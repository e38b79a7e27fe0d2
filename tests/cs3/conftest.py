"""Fixtures of the adapter's integration tests: a gateway connected to the embedded store, and
sessions of Reva's demo users, each test working in a folder of its own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from meshcollab.cs3 import CS3Config, CS3Gateway, CS3Session
from meshcollab.embedded_store import StoreProcess

SHORT_TOKEN_LIFETIME = 3.0


def _config_for(store) -> CS3Config:
    return CS3Config(
        gateway=store.grpc_address, deadline=15, retries=2, retry_backoff=0.05, chunk_size=64 * 1024
    )


@pytest.fixture
def config_for():
    """Adapter settings for a given store process (for tests that start their own store)."""
    return _config_for


@pytest.fixture
async def gateway(store) -> AsyncIterator[CS3Gateway]:
    """The shared one, with small chunks so that transfers span several."""
    async with CS3Gateway(_config_for(store)) as gw:
        yield gw


@pytest.fixture
async def workdir(einstein: CS3Session) -> str:
    """A fresh folder in einstein's home, so tests sharing a store never see each other's files."""
    path = f"{await einstein.home()}/cs3-test-{uuid.uuid4().hex[:10]}"
    await einstein.files.mkdir(path)
    return path


@pytest.fixture
def short_token_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StoreProcess]:
    """A store of this test alone whose access tokens expire SHORT_TOKEN_LIFETIME seconds after issue."""
    monkeypatch.setenv("MESHCOLLAB_STORE_TOKEN_LIFETIME", str(SHORT_TOKEN_LIFETIME))
    process = StoreProcess(root=tmp_path / "short-token-store")
    process.start()
    yield process
    process.stop()
