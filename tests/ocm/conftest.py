"""Fixtures of the federated-sharing tests: two institutions (ocm_mesh.py) and adapter sessions of
their demo users."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from ocm_mesh import Mesh, config_for, start_mesh

from meshcollab.cs3 import CS3Gateway, CS3Session


@pytest.fixture(scope="module")
def mesh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mesh]:
    """Two institutions shared by the tests of a module (each test works in its own files)."""
    pair = start_mesh(tmp_path_factory.mktemp("mesh"))
    yield pair
    pair.a.stop()
    pair.b.stop()


@pytest.fixture
def fresh_mesh(tmp_path: Path) -> Iterator[Mesh]:
    """Two institutions of this test alone (for restarts)."""
    pair = start_mesh(tmp_path)
    yield pair
    pair.a.stop()
    pair.b.stop()


@pytest.fixture
async def gateways(mesh: Mesh) -> AsyncIterator[tuple[CS3Gateway, CS3Gateway]]:
    async with CS3Gateway(config_for(mesh.a)) as gateway_a, CS3Gateway(config_for(mesh.b)) as gateway_b:
        yield gateway_a, gateway_b


@pytest.fixture
async def einstein(gateways) -> CS3Session:
    """einstein at institution A."""
    return await gateways[0].login_basic("einstein", "relativity")


@pytest.fixture
async def marie(gateways) -> CS3Session:
    """marie at institution B."""
    return await gateways[1].login_basic("marie", "radioactivity")


@pytest.fixture
async def workdir(einstein: CS3Session) -> str:
    path = f"{await einstein.home()}/ocm-{uuid.uuid4().hex[:10]}"
    await einstein.files.mkdir(path)
    return path
