"""The federated sharing API: einstein shares through meshcollab at institution A with marie at B;
marie lists, accepts and opens it through meshcollab at B, and her edit lands in einstein's file."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from jupyter_rooms import JupyterRooms
from notebook_edits import cell_sources, eventually_in_cs3, type_into, upload
from ocm_mesh import DOMAIN_B
from room_clients import notebook, until
from server_process import FAST, ServerProcess

from meshcollab.cs3 import CS3Session

pytestmark = pytest.mark.anyio


@pytest.fixture
def servers(mesh, tmp_path: Path):
    """meshcollab serve at each institution: as einstein at A, as marie at B."""
    server_a = ServerProcess(mesh.a.grpc_address, tmp_path / "a", *FAST)
    server_b = ServerProcess(mesh.b.grpc_address, tmp_path / "b", *FAST, user=("marie", "radioactivity"))
    server_a.start()
    server_b.start()
    yield server_a, server_b
    server_a.stop()
    server_b.stop()


async def test_share_list_accept_open_edit_and_revoke_through_the_api(servers, einstein: CS3Session, workdir: str):
    server_a, server_b = servers
    path = f"{workdir}/api.ipynb"
    await upload(einstein, path)
    jupyter_path = path.removeprefix(f"{await einstein.home()}/")
    async with (
        httpx.AsyncClient(base_url=server_a.url, headers=server_a.headers, timeout=30) as at_a,
        httpx.AsyncClient(base_url=server_b.url, headers=server_b.headers, timeout=30) as at_b,
    ):
        bad = await at_a.post(
            "/api/meshcollab/ocm/shares", json={"path": jupyter_path, "recipient": "marie", "role": "editor"}
        )
        assert bad.status_code == 400 and "user@institution" in bad.json()["message"]
        created = await at_a.post(
            "/api/meshcollab/ocm/shares",
            json={"path": jupyter_path, "recipient": f"marie@{DOMAIN_B}", "role": "editor"},
        )
        assert created.status_code == 201, created.text
        share = created.json()
        assert (share["recipient"], share["role"], share["path"]) == (f"marie@{DOMAIN_B}", "editor", jupyter_path)
        listed = (await at_a.get("/api/meshcollab/ocm/shares", params={"path": jupyter_path})).json()["shares"]
        assert [s["id"] for s in listed] == [share["id"]]
        twice = await at_a.post(
            "/api/meshcollab/ocm/shares",
            json={"path": jupyter_path, "recipient": f"marie@{DOMAIN_B}", "role": "viewer"},
        )
        assert twice.status_code == 409
        assert twice.json()["message"] == f"'{jupyter_path}' is already shared with marie@{DOMAIN_B}"

        pending = (await at_b.get("/api/meshcollab/ocm/received", params={"state": "pending"})).json()["shares"]
        [offer] = [s for s in pending if s["name"] == "api.ipynb"]
        assert offer["owner"].startswith(f"{einstein.user.id.opaque_id}@") and offer["role"] == "editor"
        accepted = await at_b.post(f"/api/meshcollab/ocm/received/{offer['id']}/accept")
        assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
        opened_at = accepted.json()["path"]
        assert opened_at is not None

        rooms = JupyterRooms(server_b.url, server_b.headers)
        room = await rooms.open(opened_at)
        async with rooms.client(room) as marie_client:
            await until(lambda: "x = 1" in cell_sources(notebook(marie_client.doc)))
            type_into(marie_client.doc, 1, "  # via the API")
            await eventually_in_cs3(einstein, path, lambda nb: "x = 1  # via the API" in cell_sources(nb))

        revoked = await at_a.delete(f"/api/meshcollab/ocm/shares/{share['id']}")
        assert revoked.status_code == 204
        assert (await at_b.get(f"/api/contents/{opened_at}")).status_code in (403, 404)
