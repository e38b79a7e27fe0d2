"""Fixtures of the offline-editing scenarios: `meshcollab serve` as a subprocess against the embedded
store (restartable, its data directory at hand), and a folder of the test in einstein's home."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from server_process import FAST, ServerProcess

from meshcollab.cs3 import CS3Session


@pytest.fixture
def server(store, tmp_path: Path):
    """A meshcollab server of this test alone, acting as einstein, with short delays."""
    process = ServerProcess(store.grpc_address, tmp_path / "server", *FAST, "--MeshCollab.lock_ttl=6")
    process.start()
    yield process
    process.stop()


@pytest.fixture
async def folder(einstein: CS3Session) -> str:
    name = f"offline-{uuid.uuid4().hex[:8]}"
    await einstein.files.mkdir(f"{await einstein.home()}/{name}")
    return name


@pytest.fixture
async def outsider(gateway):
    """Another application working on einstein's files (another CS3 session of the same user)."""
    return await gateway.login_basic("einstein", "relativity")
