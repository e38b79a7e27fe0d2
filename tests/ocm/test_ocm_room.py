"""End to end: `meshcollab serve` at institution B, acting as marie, opens the notebook einstein
shared from institution A in a live room; her edits are saved through B into einstein's file at A."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from jupyter_rooms import JupyterRooms
from notebook_edits import cell_sources, eventually_in_cs3, type_into, upload
from ocm_mesh import DOMAIN_B
from room_clients import notebook, until
from server_process import FAST, ServerProcess

from meshcollab.cs3 import EDITOR, CS3Session

pytestmark = pytest.mark.anyio


@pytest.fixture
def server_b(mesh, tmp_path: Path):
    """meshcollab serve against institution B's gateway, as marie."""
    process = ServerProcess(
        mesh.b.grpc_address, tmp_path / "server-b", *FAST, user=("marie", "radioactivity")
    )
    process.start()
    yield process
    process.stop()


async def test_the_remote_notebook_opens_in_a_room_and_saves_at_its_institution(
    server_b, einstein: CS3Session, marie: CS3Session, workdir: str
) -> None:
    path = f"{workdir}/federated.ipynb"
    await upload(einstein, path)
    await einstein.ocm.create(path, f"marie@{DOMAIN_B}", EDITOR)
    [received] = [r for r in await marie.ocm.list_received() if r.name == "federated.ipynb"]
    accepted = await marie.ocm.accept(received.id)

    rooms = JupyterRooms(server_b.url, server_b.headers)
    room = await rooms.open(accepted.mount_point)  # "OCM/federated.ipynb" in marie's Jupyter root
    async with rooms.client(room) as client:
        await until(lambda: cell_sources(notebook(client.doc))[:2] == ["# Shared", "x = 1"])
        # The room at B holds a lock on einstein's file at A, taken through the share (as it becomes active).
        with anyio.fail_after(30):
            while (lock := await einstein.locks.get(path)) is None:
                await anyio.sleep(0.05)
        assert lock.app_name == "meshcollab"
        type_into(client.doc, 1, "  # marie at institution B")
        saved = await eventually_in_cs3(
            einstein, path, lambda nb: "x = 1  # marie at institution B" in cell_sources(nb)
        )
    assert cell_sources(saved)[0] == "# Shared"
    # Once she leaves, the room closes and lets the lock go.
    with anyio.fail_after(20):
        while await einstein.locks.get(path) is not None:
            await anyio.sleep(0.1)
