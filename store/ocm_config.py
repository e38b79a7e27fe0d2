"""Who this store is in the Open Cloud Mesh, and which institutions it trusts: `ROOT/ocm.json`.

    {
      "domain": "institution-a.example",
      "name": "Institution A",
      "peers": [
        {"domain": "institution-b.example", "name": "Institution B",
         "gateway": "127.0.0.1:19100", "ocm": "http://127.0.0.1:19101/ocm"}
      ]
    }

`domain` is this institution's OCM domain: remote users address our users as `<user>@<domain>`.
A peer is trusted both ways: our users may share with its users (its OCM API at `ocm` is told of
the share), and shares it announces to us are accepted into our users' inboxes. `gateway` is the
peer's CS3 gateway (gRPC), through which we reach what it shares with us (see ocm_peer.py).

The file is read at each use (it is small), so peers can be added to a running store, and two
stores started on free ports can be told of each other afterwards. Without the file, OCM is off:
nothing can be shared out and nothing is accepted in. Like Reva's ocmproviderauthorizer with its
json driver, this is the list of providers the mesh allows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import anyio.to_thread
from cs3.ocm.provider.v1beta1 import resources_pb2 as provider_pb2

CONFIG_FILE = "ocm.json"
API_VERSION = "1.1.0"


@dataclass(frozen=True)
class Peer:
    domain: str
    gateway: str  # host:port of the peer's CS3 gateway (gRPC)
    ocm_url: str  # base URL of the peer's OCM API, e.g. http://host:port/ocm
    name: str = ""

    def provider_info(self) -> provider_pb2.ProviderInfo:
        return provider_info(self.domain, self.name, self.ocm_url, self.gateway)


@dataclass(frozen=True)
class OcmConfig:
    domain: str
    name: str = ""
    peers: dict[str, Peer] = field(default_factory=dict)  # by lower-case domain

    def peer(self, domain: str) -> Peer | None:
        return self.peers.get(domain.lower())

    def is_local(self, domain: str) -> bool:
        return domain.lower() == self.domain.lower()


def provider_info(domain: str, name: str, ocm_url: str, gateway: str) -> provider_pb2.ProviderInfo:
    """A ProviderInfo as Reva's provider authorizers list them: the OCM API and the gateway."""

    def service(kind: str, path: str) -> provider_pb2.Service:
        return provider_pb2.Service(
            host=path,
            endpoint=provider_pb2.ServiceEndpoint(
                type=provider_pb2.ServiceType(name=kind), name=kind, path=path
            ),
            api_version=API_VERSION,
        )

    services = [service("OCM", ocm_url)] + ([service("GATEWAY", gateway)] if gateway else [])
    return provider_pb2.ProviderInfo(
        name=name or domain, full_name=name or domain, domain=domain, services=services
    )


def load(root: Path) -> OcmConfig | None:
    """The configuration in ROOT/ocm.json, or None when there is none (OCM is off)."""
    path = Path(root) / CONFIG_FILE
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path} is not a readable JSON file: {exc}") from None
    domain = data.get("domain") if isinstance(data, dict) else None
    if not isinstance(domain, str) or not domain or "@" in domain:
        raise ValueError(f"{path} needs \"domain\": this institution's OCM domain (no '@')")
    peers = {}
    for raw in data.get("peers", []):
        try:
            peer = Peer(
                domain=raw["domain"],
                gateway=raw.get("gateway", ""),
                ocm_url=raw["ocm"].rstrip("/"),
                name=raw.get("name", ""),
            )
        except (KeyError, TypeError, AttributeError):
            raise ValueError(f'{path}: a peer needs "domain" and "ocm" (and "gateway"): {raw!r}') from None
        peers[peer.domain.lower()] = peer
    return OcmConfig(domain=domain, name=data.get("name", ""), peers=peers)


async def load_async(root: Path) -> OcmConfig | None:
    return await anyio.to_thread.run_sync(load, root)
