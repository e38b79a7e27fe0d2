"""Fixtures of the federated-sharing tests: two embedded stores, each a real `meshcollab store`
process on its own loopback ports, acting as two institutions that trust each other (their
ROOT/ocm.json names the other as a peer), and adapter sessions of their demo users."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from meshcollab.cs3 import CS3Config, CS3Gateway, CS3Session
from meshcollab.embedded_store import StoreProcess

DOMAIN_A = "institution-a.example"
DOMAIN_B = "institution-b.example"


@dataclass
class Mesh:
    a: StoreProcess  # institution A, where einstein's notebooks live
    b: StoreProcess  # institution B, where marie works


def write_config(store: StoreProcess, domain: str, name: str, peer: StoreProcess, peer_domain: str) -> None:
    config = {
        "domain": domain,
        "name": name,
        "peers": [
            {
                "domain": peer_domain,
                "gateway": peer.grpc_address,
                "ocm": f"{peer.data_url}/ocm",
                "name": peer_domain,
            }
        ],
    }
    (store.root / "ocm.json").write_text(json.dumps(config))


def start_mesh(root: Path) -> Mesh:
    a, b = StoreProcess(root / "institution-a"), StoreProcess(root / "institution-b")
    a.start()
    try:
        b.start()
    except BaseException:
        a.stop()
        raise
    # Each learns the other's ports once both listen: the stores read ocm.json at each use.
    write_config(a, DOMAIN_A, "Institution A", b, DOMAIN_B)
    write_config(b, DOMAIN_B, "Institution B", a, DOMAIN_A)
    return Mesh(a, b)


def config_for(store: StoreProcess) -> CS3Config:
    return CS3Config(gateway=store.grpc_address, deadline=15, retries=2, retry_backoff=0.05)


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
