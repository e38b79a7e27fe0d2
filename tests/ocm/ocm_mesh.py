"""Two institutions for the federated-sharing tests: two embedded stores, each a real
`meshcollab store` process on its own loopback ports, that trust each other (their ROOT/ocm.json
names the other as a peer)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from meshcollab.cs3 import CS3Config
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
