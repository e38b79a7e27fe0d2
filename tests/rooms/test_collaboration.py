"""Clients editing one notebook through a real server converge, and late joiners get everything."""

from __future__ import annotations

import pytest
from jupyter_ydoc import YNotebook
from pycrdt import Doc
from room_clients import NOTEBOOK, notebook, serve, sources, until

pytestmark = pytest.mark.anyio


async def test_three_clients_editing_concurrently_converge(tmp_path):
    async with serve(tmp_path) as server:
        async with server.client() as a, server.client() as b, server.client() as c:
            assert sources(a.doc) == sources(b.doc) == sources(c.doc) == ["# Mesh", "x = 1"]
            for round_ in range(20):
                for name, client in (("a", a), ("b", b), ("c", c)):
                    source = YNotebook(client.doc).ycells[1]["source"]
                    source.insert(len(str(source)), f"\n{name}{round_}")
            YNotebook(b.doc).append_cell({"cell_type": "code", "source": "from b", "metadata": {}, "outputs": []})
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
            source = YNotebook(writer.doc).ycells[0]["source"]
            source.insert(len(str(source)), " and more")
            YNotebook(writer.doc).append_cell({"cell_type": "markdown", "source": "late", "metadata": {}})
            room = server.registry.get(writer.room)
            await until(lambda: notebook(room.doc) == notebook(writer.doc))
            async with server.client(Doc()) as late:
                assert notebook(late.doc) == notebook(writer.doc)
                assert sources(late.doc) == ["# Mesh and more", "x = 1", "late"]


async def test_the_room_is_filled_once_from_its_source(tmp_path):
    async with serve(tmp_path) as server:
        async with server.client() as client:
            assert notebook(client.doc)["cells"][0]["source"] == NOTEBOOK["cells"][0]["source"]
        assert server.hooks[client.room].calls[:2] == ["on_load", "on_first_client"]
