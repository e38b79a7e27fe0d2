"""What the room does when it cannot save: the storage goes away and comes back, the user may only
read the file; and changes made with no client in the room still reach the file when it closes."""

from __future__ import annotations

import json

import anyio
import pytest
from collab_helpers import collab, eventually, read_stable, room_id
from jupyter_ydoc import YNotebook
from room_clients import NOTEBOOK, notebook

from meshcollab.collab import LeaseState
from meshcollab.cs3 import VIEWER, CS3Config, CS3Gateway, Unavailable

pytestmark = pytest.mark.anyio


def append(doc, text: str) -> None:
    source = YNotebook(doc).ycells[1]["source"]
    source.insert(len(source), text)


async def contains(session, path: str, text: str) -> bool:
    try:
        data = await read_stable(session, path)
    except Unavailable:
        return False  # the store is still coming back (its first calls can outlast the deadline)
    return text in json.loads(data)["cells"][1]["source"]


async def test_an_unreachable_storage_is_reported_and_saving_resumes_when_it_is_back(tmp_path, fresh_store):
    config = CS3Config(gateway=fresh_store.grpc_address, deadline=2, retries=0, retry_backoff=0.05)
    async with CS3Gateway(config) as gateway:
        einstein = await gateway.login_basic("einstein", "relativity")
        path = f"{await einstein.home()}/nb.ipynb"
        room = room_id(await einstein.files.write(path, json.dumps(NOTEBOOK).encode()))
        async with collab(tmp_path, einstein) as c, c.server.client(room=room) as client:
            port_grpc, port_data = fresh_store.grpc_port, fresh_store.data_port
            await anyio.to_thread.run_sync(fresh_store.stop)
            append(client.doc, "\nduring_outage = 1")
            notice = await eventually(
                lambda: [n for n in client.notices("save-blocked") if n["reason"] == "unreachable"]
            )
            assert notice[-1]["error"] and notice[-1]["edits_kept"] is True
            live = c.server.registry.get(room)
            assert "during_outage = 1" in notebook(live.doc)["cells"][1]["source"]

            await anyio.to_thread.run_sync(fresh_store.start, port_grpc, port_data)
            await eventually(lambda: contains(einstein, path, "during_outage = 1"))
            await eventually(lambda: c.lease(room).held)
            assert (await einstein.locks.get(path)).lock_id == c.lease(room).lock_id


async def test_a_user_who_may_only_read_the_file_is_told_the_room_cannot_save(
    tmp_path, einstein, gateway, workdir
):
    path = f"{workdir}/shared.ipynb"
    resource = await einstein.files.write(path, json.dumps(NOTEBOOK).encode())
    marie = await gateway.login_basic("marie", "radioactivity")
    share = await einstein.shares.create(resource, marie.user, VIEWER)
    await marie.shares.accept(share.id)
    room = room_id(resource)
    async with collab(tmp_path, marie) as c, c.server.client(room=room) as client:
        assert notebook(client.doc)["cells"][0]["source"] == "# Mesh"  # loaded as marie
        [notice] = await eventually(lambda: client.notices("save-blocked"))
        assert notice["reason"] == "read-only"
        assert c.lease(room).state is LeaseState.READ_ONLY
        append(client.doc, "\nmarie = 1")
        client.save(1)
        answer = await eventually(lambda: [m for m in client.raw if m.get("type") == "save"])
        assert answer[0]["status"] == "failed"
        assert json.loads(await read_stable(einstein, path)) == NOTEBOOK
        assert await einstein.locks.get(path) is None


async def test_changes_made_with_no_client_in_the_room_are_saved_when_it_closes(tmp_path, einstein, workdir):
    path = f"{workdir}/nb.ipynb"
    room = room_id(await einstein.files.write(path, json.dumps(NOTEBOOK).encode()))
    async with collab(tmp_path, einstein) as c:
        live = await c.server.registry.room(room)  # loaded (e.g. by the session endpoint), no client
        append(live.doc, "\nby_the_server = 1")  # e.g. a merge applied by the server
        await live.flushed()
        await c.close_room(room)
        assert await contains(einstein, path, "by_the_server = 1")
        assert await einstein.locks.get(path) is None
