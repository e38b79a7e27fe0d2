"""End to end: the room's lock seen by an independent CS3 client, a lock held by another application,
a server killed while clients type, and bad messages."""

from __future__ import annotations

import signal

import anyio
import pytest
from cs3client.cs3resource import Resource as CS3ClientResource
from cs3client.exceptions import NotFoundException
from independent_client import connect
from jupyter_rooms import JupyterRooms
from notebook_edits import append_cell, cell_sources, eventually_in_cs3, notebook_in_cs3, type_into, upload
from jupyter_ydoc import YNotebook
from room_clients import notebook, until
from server_process import FAST, ServerProcess

pytestmark = pytest.mark.anyio


def independent_lock_reader(store):
    """GetLock through CERN's `cs3client` package: a CS3 client that owes nothing to meshcollab."""
    client, token = connect(store.grpc_address)

    def get_lock(path: str) -> dict | None:
        try:
            return client.file.get_lock(token, CS3ClientResource(abs_path=path))
        except NotFoundException:
            return None

    return client, get_lock


async def test_the_room_holds_a_meshcollab_lock_only_while_it_is_active(server, store, einstein, folder):
    path = f"{await einstein.home()}/{folder}/locked.ipynb"
    await upload(einstein, path)
    client, get_lock = independent_lock_reader(store)
    try:
        assert await anyio.to_thread.run_sync(get_lock, path) is None
        rooms = JupyterRooms(server.url, server.headers)
        room = await rooms.open(f"{folder}/locked.ipynb")
        async with rooms.client(room) as editor:
            # Taken as the room becomes active (the first client syncs meanwhile: the file is unchanged).
            with anyio.fail_after(30):
                while (lock := await anyio.to_thread.run_sync(get_lock, path)) is None:
                    await anyio.sleep(0.05)
            assert lock["app_name"] == "meshcollab"
            type_into(editor.doc, 1, "  # while locked")
            await eventually_in_cs3(einstein, path, lambda nb: "x = 1  # while locked" in cell_sources(nb))
        # The last client left: after room_close_delay the final snapshot is written, then the unlock.
        with anyio.fail_after(30):
            while await anyio.to_thread.run_sync(get_lock, path) is not None:
                await anyio.sleep(0.1)
    finally:
        client.channel.close()


async def test_a_lock_held_by_another_app_blocks_saving_and_loses_nothing(server, einstein, folder):
    path = f"{await einstein.home()}/{folder}/theirs.ipynb"
    await upload(einstein, path)
    before = await einstein.files.stat(path)
    await einstein.locks.set(path, "collabora-1", app_name="collabora", expiration=None)
    rooms = JupyterRooms(server.url, server.headers)
    room = await rooms.open(f"{folder}/theirs.ipynb")
    async with rooms.client(room) as editor:
        type_into(editor.doc, 1, "  # typed while collabora holds the lock")
        await until(lambda: any("collabora" in str(notice) for notice in editor.raw_of_type("notice")))
        editor.save(7)
        await until(lambda: editor.save_answers())
        assert editor.save_answers()[0]["status"] == "failed"
        assert (await einstein.files.stat(path)).etag == before.etag  # nothing written to the file
        await einstein.locks.unlock(path, "collabora-1", app_name="collabora")
        saved = await eventually_in_cs3(
            einstein, path, lambda nb: "x = 1  # typed while collabora holds the lock" in cell_sources(nb)
        )
        assert cell_sources(saved) == cell_sources(notebook(editor.doc))


async def test_a_killed_server_keeps_every_edit_another_client_saw(server, einstein, folder):
    await upload(einstein, f"{await einstein.home()}/{folder}/crash.ipynb")
    rooms = JupyterRooms(server.url, server.headers)
    room = await rooms.open(f"{folder}/crash.ipynb")
    typist, watcher = rooms.client(room), rooms.client(room)
    await typist.connect()
    await watcher.connect()
    for number in range(40):
        append_cell(typist.doc, f"cell {number}", f"c{number}")
        await anyio.sleep(0.01)
    await until(lambda: len(notebook(watcher.doc)["cells"]) >= 12)
    seen_by_watcher = set(cell_sources(notebook(watcher.doc)))  # what the room had acknowledged
    server.stop(signal.SIGKILL)
    typist.disconnect()
    watcher.disconnect()
    offline_doc = typist.doc  # the typist holds everything it typed, acknowledged or not

    server.start()
    fresh = JupyterRooms(server.url, server.headers)
    assert await fresh.open(f"{folder}/crash.ipynb") == room
    async with fresh.client(room) as newcomer:
        assert seen_by_watcher <= set(cell_sources(notebook(newcomer.doc)))
        async with fresh.client(room, doc=offline_doc) as returning:  # the typist reconnects
            await until(lambda: notebook(returning.doc) == notebook(newcomer.doc))
        final = notebook(newcomer.doc)
        ids = [cell["id"] for cell in final["cells"]]
        assert len(ids) == len(set(ids)), "no duplicated cells"
        assert {f"cell {n}" for n in range(40)} <= set(cell_sources(final))


async def test_a_malformed_message_closes_only_its_sender(server, einstein, folder):
    await upload(einstein, f"{await einstein.home()}/{folder}/bad.ipynb")
    rooms = JupyterRooms(server.url, server.headers)
    room = await rooms.open(f"{folder}/bad.ipynb")
    async with rooms.client(room) as sender, rooms.client(room) as bystander:
        sender.send(b"\x00\x07garbage")
        await until(lambda: sender.closed)
        assert sender.close_code == 1002
        type_into(bystander.doc, 0, " still fine")
        await until(lambda: "# Shared still fine" in cell_sources(notebook(bystander.doc)))
        assert not bystander.closed


async def test_an_oversized_message_closes_only_its_sender(store, tmp_path, einstein, folder):
    small = ServerProcess(store.grpc_address, tmp_path / "small", *FAST, "--RoomRegistry.max_message_size=65536")
    small.start()
    try:
        await upload(einstein, f"{await einstein.home()}/{folder}/big.ipynb")
        rooms = JupyterRooms(small.url, small.headers)
        room = await rooms.open(f"{folder}/big.ipynb")
        async with rooms.client(room) as sender, rooms.client(room) as bystander:
            type_into(sender.doc, 1, "y" * 200_000)  # one update of ~200 kB
            await until(lambda: sender.closed)
            assert sender.close_code == 1009
            assert "y" * 1000 not in "".join(cell_sources(notebook(bystander.doc)))
            type_into(bystander.doc, 0, " ok")
            path = f"{await einstein.home()}/{folder}/big.ipynb"
            await eventually_in_cs3(einstein, path, lambda nb: "# Shared ok" in cell_sources(nb))
            assert not bystander.closed
    finally:
        small.stop()


async def test_a_client_save_is_answered_with_its_real_outcome(server, einstein, folder):
    path = f"{await einstein.home()}/{folder}/save.ipynb"
    await upload(einstein, path)
    rooms = JupyterRooms(server.url, server.headers)
    room = await rooms.open(f"{folder}/save.ipynb")
    async with rooms.client(room) as editor:
        type_into(editor.doc, 1, "  # saved on request")
        editor.save(1)
        await until(lambda: editor.save_answers())
        assert editor.save_answers()[0] == {"type": "save", "responseTo": 1, "status": "success"}
        saved = await notebook_in_cs3(einstein, path)
        assert "x = 1  # saved on request" in cell_sources(saved)
        assert YNotebook(editor.doc).get()["cells"][1]["source"] == "x = 1  # saved on request"
