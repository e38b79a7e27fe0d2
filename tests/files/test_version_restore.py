"""`POST /api/meshcollab/versions/restore/{path}`: an earlier version becomes the file's content;
through the live room when the notebook is open (its clients see it at once, the room saves it),
through CS3 otherwise; refused to viewers, link guests, and while another application holds the lock."""

from __future__ import annotations

import nbformat
import pytest
from identity_clients import DEMO, Actor, basic_actor
from notebook_edits import cell_sources, eventually_in_cs3
from room_clients import notebook, until
from versioned_notebooks import nb

from meshcollab.cs3 import VIEWER

pytestmark = pytest.mark.anyio


async def key_of(session, target: str, source: str) -> str:
    for version in await session.versions.list(target):
        if await session.versions.read_bytes(target, version.key) == nb(source):
            return version.key
    raise AssertionError(f"no version with {source!r}")


async def restore(actor: Actor, path: str, version: str):
    return await actor.post(f"/api/meshcollab/versions/restore/{path}", json={"version": version})


async def test_restore_without_a_room_goes_through_cs3(files_server, einstein_cs3, versioned):
    path, target = versioned
    einstein = basic_actor(files_server.url, "einstein", DEMO["einstein"])
    answer = await restore(einstein, path, await key_of(einstein_cs3, target, "v = 1"))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"restored": True, "live": False}
    assert await einstein_cs3.files.read_bytes(target) == nb("v = 1")
    await key_of(einstein_cs3, target, "v = 3")  # nothing lost: the replaced content is a version


async def test_restore_in_a_live_room_reaches_every_client_and_is_saved(
    files_server, einstein_cs3, versioned
):
    path, target = versioned
    einstein = basic_actor(files_server.url, "einstein", DEMO["einstein"])
    rooms = einstein.rooms()
    room = await rooms.open(path)
    key = await key_of(einstein_cs3, target, "v = 1")
    async with rooms.client(room) as a, rooms.client(room) as b:
        assert cell_sources(notebook(a.doc)) == ["v = 3"]
        answer = await restore(einstein, path, key)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"restored": True, "live": True}
        for client in (a, b):
            await until(lambda client=client: cell_sources(notebook(client.doc)) == ["v = 1"])
            await until(lambda client=client: client.notices("restored"))
            [notice] = client.notices("restored")
            assert notice["by"] == "einstein" and notice["version"] == key
        assert notebook(a.doc) == notebook(b.doc)
        assert [cell["id"] for cell in notebook(a.doc)["cells"]] == ["code"]
        await eventually_in_cs3(einstein_cs3, target, lambda saved: cell_sources(saved) == ["v = 1"])
        saved = nbformat.reads((await einstein_cs3.files.read_bytes(target)).decode(), as_version=4)
        assert saved.cells == nbformat.reads(nb("v = 1").decode(), as_version=4).cells
    await key_of(einstein_cs3, target, "v = 3")


async def test_refusals(files_server, einstein_cs3, marie_cs3, versioned, home_folder):
    path, target = versioned
    key = await key_of(einstein_cs3, target, "v = 1")
    einstein = basic_actor(files_server.url, "einstein", DEMO["einstein"])

    missing = await restore(einstein, path, "no-such-version")
    assert missing.status_code == 404 and "no-such-version" in missing.json()["message"]
    assert (await einstein.post(f"/api/meshcollab/versions/restore/{path}", json={})).status_code == 400
    assert (await restore(einstein, home_folder, key)).status_code == 400

    share = await einstein_cs3.shares.create(target, marie_cs3.user, VIEWER)
    received = await marie_cs3.shares.accept(share.id)
    marie = basic_actor(files_server.url, "marie", DEMO["marie"])
    viewer = await restore(marie, f"MyShares/{received.mount_point}", key)
    assert viewer.status_code == 403, viewer.text

    link = (await einstein.post("/api/meshcollab/links", json={"path": path, "role": "editor"})).json()
    guest = Actor(files_server.url, name="guest")
    joined = (await guest.join(link["token"])).json()
    assert (await restore(guest, joined["path"], key)).status_code == 403

    await einstein_cs3.locks.set(target, "wopi-2", app_name="collabora")  # another application of einstein's
    locked = await restore(einstein, path, key)
    assert locked.status_code == 409
    assert "collabora" in locked.json()["message"] and "Albert Einstein" in locked.json()["message"]
    assert " until " in locked.json()["message"]
    assert await einstein_cs3.files.read_bytes(target) == nb("v = 3")
