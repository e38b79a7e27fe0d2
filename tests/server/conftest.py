"""Fixtures of the end-to-end tests: `meshcollab serve` as a subprocess against the embedded store,
reached over HTTP and websockets exactly as JupyterLab reaches it."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from server_process import FAST, ServerProcess

from meshcollab.cs3 import CS3Session


@pytest.fixture
def server(store, tmp_path: Path):
    """A meshcollab server of this test alone, acting as einstein, with short save and close delays."""
    process = ServerProcess(store.grpc_address, tmp_path / "server", *FAST, "--MeshCollab.lock_ttl=6")
    process.start()
    yield process
    process.stop()


@pytest.fixture
async def folder(einstein: CS3Session) -> str:
    """A folder of this test in einstein's home: its name relative to the Jupyter root."""
    name = f"e2e-{uuid.uuid4().hex[:8]}"
    await einstein.files.mkdir(f"{await einstein.home()}/{name}")
    return name

