"""End to end: `meshcollab serve` on the embedded store, reached over the real protocols by clients
that do what JupyterLab's collaboration provider does (session endpoint, room websocket, y-websocket
sync and awareness, the RAW save message)."""

from __future__ import annotations

import nbformat
import pytest
from jupyter_ydoc import YNotebook
from jupyter_rooms import JupyterRooms
from notebook_edits import append_cell, cell_sources, eventually_in_cs3, type_into, upload
from room_clients import notebook, until
from server_process import basic

from meshcollab.cs3 import EDITOR

pytestmark = pytest.mark.anyio

async def test_three_clients_converge_and_the_file_in_cs3_equals_the_document(server, einstein, folder):
    path = f"{await einstein.home()}/{folder}/nb.ipynb"
    await upload(einstein, path)
    rooms = JupyterRooms(server.url, server.headers)
    room = await rooms.open(f"{folder}/nb.ipynb")
    async with rooms.client(room) as a, rooms.client(room) as b, rooms.client(room) as c:
        for client, name in ((a, "a"), (b, "b"), (c, "c")):
            append_cell(client.doc, f"print('{name}')", f"cell-{name}")
        type_into(a.doc, 1, "  # edited by a")
        type_into(b.doc, 0, " by b")
        expected = {"print('a')", "print('b')", "print('c')", "x = 1  # edited by a", "# Shared by b"}
        await until(lambda: all(expected <= set(cell_sources(notebook(x.doc))) for x in (a, b, c)))
        await until(lambda: notebook(a.doc) == notebook(b.doc) == notebook(c.doc))
        final = cell_sources(notebook(a.doc))
        await eventually_in_cs3(einstein, path, lambda saved: cell_sources(saved) == final)
    nbformat.validate(nbformat.reads(await einstein.files.read_bytes(path), as_version=4))


async def test_two_paths_to_one_resource_are_one_room(server, gateway, einstein, folder):
    path = f"{await einstein.home()}/{folder}/shared.ipynb"
    await upload(einstein, path)
    marie = await gateway.login_basic("marie", "radioactivity")
    share = await einstein.shares.create(path, marie.user, EDITOR)
    received = await marie.shares.accept(share.id)
    marie_path = f"MyShares/{received.mount_point}"  # Reva's share folder in marie's home

    einstein_rooms = JupyterRooms(server.url, server.headers)
    marie_rooms = JupyterRooms(server.url, basic("marie", "radioactivity"))
    room = await einstein_rooms.open(f"{folder}/shared.ipynb")
    assert await marie_rooms.open(marie_path) == room
    async with einstein_rooms.client(room) as einstein_client, marie_rooms.client(room) as marie_client:
        type_into(marie_client.doc, 1, "  # marie")
        await until(lambda: "x = 1  # marie" in cell_sources(notebook(einstein_client.doc)))


async def test_jupyterlabs_unsaved_marker_is_cleared_for_everyone_once_the_file_holds_the_edit(
    server, einstein, folder
):
    # JupyterLab marks the shared document dirty when its user types (the tab's unsaved dot); the
    # room clears the mark once the snapshot with that edit is in CS3, as jupyter-collaboration does.
    path = f"{await einstein.home()}/{folder}/dirty.ipynb"
    await upload(einstein, path)
    rooms = JupyterRooms(server.url, server.headers)
    room = await rooms.open(f"{folder}/dirty.ipynb")
    async with rooms.client(room) as typist, rooms.client(room) as watcher:
        type_into(typist.doc, 0, " (unsaved)")
        YNotebook(typist.doc).dirty = True
        await until(lambda: YNotebook(watcher.doc).dirty)
        await eventually_in_cs3(einstein, path, lambda saved: "# Shared (unsaved)" in cell_sources(saved))
        await until(lambda: not YNotebook(typist.doc).dirty and not YNotebook(watcher.doc).dirty)
