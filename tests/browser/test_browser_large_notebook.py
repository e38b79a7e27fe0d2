"""In a real browser: someone joins a notebook whose state is far larger than what the server lets wait
for one client, while another person types in it. Before aef454b the server counted the document
still leaving the socket against that limit, so the next small message (a keystroke, a cursor)
disconnected the newcomer (1013) and JupyterLab had to reconnect and sync the whole notebook again."""

from __future__ import annotations

import asyncio
import copy

import pytest
from conftest import SMALL_BUFFER
from jupyterlab_page import THREE_CELLS, cell_text, expect_cell, open_notebook, type_at_end
from notebook_edits import upload

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

ROOM_SOCKET = "/api/collaboration/room/json:notebook:"


async def test_joining_a_large_notebook_while_someone_types_keeps_one_connection(
    small_buffer_server, new_page, einstein, folder, screenshot
):
    large = copy.deepcopy(THREE_CELLS)
    # In metadata, so that the browser holds it without rendering it: 32x the server's limit.
    large.cells[2].metadata["recorded"] = "0123456789abcdef" * (2 * SMALL_BUFFER)
    path = f"{folder}/large.ipynb"
    await upload(einstein, f"{await einstein.home()}/{path}", large)
    url = f"{small_buffer_server.url}/lab/tree/{path}?token={small_buffer_server.token}"
    typist, newcomer = await new_page(), await new_page()
    await open_notebook(typist, url)

    room_sockets = []  # the newcomer's connections to the notebook's room

    def opened(socket) -> None:
        if ROOM_SOCKET in socket.url:
            room_sockets.append(socket)

    newcomer.on("websocket", opened)
    joined = asyncio.Event()

    async def keep_typing() -> None:  # keystrokes and cursor moves reach the newcomer while it syncs
        while not joined.is_set():
            await type_at_end(typist, 0, " + 0")

    typing = asyncio.create_task(keep_typing())
    try:
        await open_notebook(newcomer, url)
    finally:
        joined.set()
        await typing

    typed = await cell_text(typist, 0)
    assert typed.startswith("a = 1 + 0")
    await expect_cell(newcomer, 0, typed)
    await type_at_end(newcomer, 1, "  # joined")
    await expect_cell(typist, 1, "b = 2  # joined")
    assert len(room_sockets) == 1, f"the newcomer connected {len(room_sockets)} times"
    assert not room_sockets[0].is_closed()
    await screenshot(newcomer, "newcomer")
