"""Clients editing one notebook through a real server converge, and late joiners get everything."""

from __future__ import annotations

import pytest
from jupyter_ydoc import YNotebook
from pycrdt import Doc
from room_clients import GLOBAL_AWARENESS, NOTEBOOK, ROOM, NotebookHooks, notebook, serve, sources, type_into, until
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

pytestmark = pytest.mark.anyio


async def test_three_clients_editing_concurrently_converge(tmp_path):
    async with serve(tmp_path) as server:
        async with server.client() as a, server.client() as b, server.client() as c:
            assert sources(a.doc) == sources(b.doc) == sources(c.doc) == ["# Mesh", "x = 1"]
            for round_ in range(20):
                for name, client in (("a", a), ("b", b), ("c", c)):
                    type_into(client.doc, 1, f"\n{name}{round_}", keystrokes=False)
            YNotebook(b.doc).append_cell({"cell_type": "code", "source": "from b", "metadata": {}})
            YNotebook(c.doc).append_cell({"cell_type": "markdown", "source": "from c", "metadata": {}})

            room = server.registry.get(a.room)
            await until(lambda: notebook(a.doc) == notebook(b.doc) == notebook(c.doc) == notebook(room.doc))
            final = sources(a.doc)
            assert len(final) == 4 and set(final[2:]) == {"from b", "from c"}
            for name in "abc":
                assert all(f"\n{name}{round_}" in final[1] for round_ in range(20))


async def test_late_joiner_gets_the_full_state(tmp_path):
    async with serve(tmp_path) as server:
        async with server.client() as writer:
            type_into(writer.doc, 0, " and more")
            YNotebook(writer.doc).append_cell({"cell_type": "markdown", "source": "late", "metadata": {}})
            room = server.registry.get(writer.room)
            await until(lambda: notebook(room.doc) == notebook(writer.doc))
            async with server.client(Doc()) as late:
                assert notebook(late.doc) == notebook(writer.doc)
                assert sources(late.doc) == ["# Mesh and more", "x = 1", "late"]


async def test_joiners_of_a_large_notebook_get_it_as_it_is_now(tmp_path):
    """A new client's whole-document sync is reused while the document is unchanged: never once it changed."""
    large = {**NOTEBOOK, "cells": [*NOTEBOOK["cells"], {**NOTEBOOK["cells"][1], "id": "big", "source": "y" * 2_000_000}]}
    async with serve(tmp_path, lambda room: NotebookHooks(large)) as server:
        async with server.client() as writer:
            room = server.registry.get(writer.room)
            assert notebook(writer.doc) == notebook(room.doc)
            assert sources(writer.doc) == [cell["source"] for cell in large["cells"]]
            async with server.client(Doc()) as unchanged:
                assert notebook(unchanged.doc) == notebook(writer.doc)
            type_into(writer.doc, 0, "!", keystrokes=False)
            await until(lambda: sources(room.doc)[0] == "# Mesh!")
            async with server.client(Doc()) as after_a_keystroke:
                assert sources(after_a_keystroke.doc)[0] == "# Mesh!"
            YNotebook(room.doc).ycells[0]["source"].clear()  # a deletion alone: the state vector is unchanged
            await room.flushed()
            async with server.client(Doc()) as after_a_deletion:
                assert notebook(after_a_deletion.doc) == notebook(room.doc)
                assert sources(after_a_deletion.doc)[0] == ""
                assert len(sources(after_a_deletion.doc)[2]) == 2_000_000
            last = notebook(room.doc)
    async with serve(tmp_path, lambda room: NotebookHooks(large)) as server:  # loaded from the store
        async with server.client(Doc()) as after_a_restart:
            assert notebook(after_a_restart.doc) == last


async def test_the_room_is_filled_once_from_its_source(tmp_path):
    async with serve(tmp_path) as server:
        async with server.client() as client:
            assert notebook(client.doc)["cells"][0]["source"] == NOTEBOOK["cells"][0]["source"]
        assert server.hooks[client.room].calls[:2] == ["on_load", "on_first_client"]


async def test_a_change_made_on_the_server_reaches_clients_and_is_stored(tmp_path):
    """How the extension edits a room (e.g. a merge): on `room.doc`, like any client."""
    async with serve(tmp_path) as server:
        async with server.client() as client:
            room = await server.registry.room(ROOM)
            YNotebook(room.doc).append_cell({"cell_type": "markdown", "source": "merged in", "metadata": {}})
            await until(lambda: sources(client.doc)[-1] == "merged in")
            await room.flushed()
    async with serve(tmp_path) as server:
        async with server.client(Doc()) as later:
            assert sources(later.doc) == ["# Mesh", "x = 1", "merged in"]


@pytest.mark.parametrize(
    "path, headers, status",
    [
        ("json::", {}, 400),
        (ROOM, {"Origin": "http://elsewhere.example"}, 403),
    ],
    ids=["bad-room-id", "foreign-origin"],
)
async def test_the_handler_refuses_before_upgrading(tmp_path, path, headers, status):
    async with serve(tmp_path) as server:
        request = HTTPRequest(server.url(path), headers=headers)
        with pytest.raises(HTTPClientError) as refused:
            await websocket_connect(request)
        assert refused.value.code == status
        assert server.registry.get(ROOM) is None


async def test_the_global_awareness_room_relays_who_is_where_and_stores_nothing(tmp_path):
    """JupyterLab's collaborators panel: `JupyterLab:globalAwareness`, no sessionId, awareness only."""
    async with serve(tmp_path) as server:
        async with server.client(room=GLOBAL_AWARENESS, sessionId=None) as alice:
            async with server.client(room=GLOBAL_AWARENESS, sessionId=None) as bob:
                state = '{"user":{"name":"alice"},"current":"notebook:a.ipynb"}'
                alice.set_awareness(alice.doc.client_id, 1, state)
                await until(lambda: alice.doc.client_id in bob.awareness)
        assert await server.registry.store.get_metadata(GLOBAL_AWARENESS, "anything") is None
        assert (await server.registry.store.load(GLOBAL_AWARENESS)).update is None
