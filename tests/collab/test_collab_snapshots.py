"""Snapshots of a room into its file in CS3: the file equals the document, bursts are one write,
continuous typing still saves, save requests get their real outcome, invalid notebooks never load."""

from __future__ import annotations

import json

import anyio
import nbformat
import pytest
from collab_helpers import collab, eventually, read_stable, room_id
from jupyter_ydoc import YNotebook, YUnicode
from room_clients import NOTEBOOK, notebook

from meshcollab.cs3 import CS3Session
from meshcollab.rooms import RoomLoadError

pytestmark = pytest.mark.anyio


def append(doc, text: str, cell: int = 1) -> None:
    source = YNotebook(doc).ycells[cell]["source"]
    source.insert(len(str(source)), text)


async def file_notebook(session: CS3Session, path: str) -> dict:
    return nbformat.reads((await read_stable(session, path)).decode(), as_version=4)


async def test_a_notebook_loads_from_cs3_and_its_snapshot_equals_the_document(tmp_path, einstein, workdir):
    path = f"{workdir}/nb.ipynb"
    resource = await einstein.files.write(path, json.dumps(NOTEBOOK).encode())
    room = room_id(resource)
    async with collab(tmp_path, einstein) as c, c.server.client(room=room) as client:
        assert notebook(client.doc)["cells"][0]["source"] == "# Mesh"
        append(client.doc, "\ny = 2")
        YNotebook(client.doc).append_cell({"cell_type": "markdown", "source": "added", "metadata": {}})
        live = c.server.registry.get(room)

        async def file_equals_doc():
            on_disk = await file_notebook(einstein, path)
            return on_disk == notebook(live.doc) == notebook(client.doc)

        await eventually(file_equals_doc)
        on_disk = await file_notebook(einstein, path)
        nbformat.validate(on_disk)
        assert [cell["source"] for cell in on_disk["cells"]] == ["# Mesh", "x = 1\ny = 2", "added"]
        assert (await einstein.files.stat(path)).id == resource.id  # overwritten in place
        assert client.notices("saved")


async def test_a_notebook_opened_without_edits_is_never_rewritten(tmp_path, einstein, workdir):
    """Not when the room activates, closes or loads again from its stored history, whatever the
    file's formatting (here not the form the room writes); the first edit is written."""
    path = f"{workdir}/nb.ipynb"
    original = json.dumps(NOTEBOOK).encode()
    resource = await einstein.files.write(path, original)
    room = room_id(resource)
    async with collab(tmp_path, einstein) as c:
        for _ in range(2):  # loaded from the file, then from the document store
            async with c.server.client(room=room) as client:
                assert notebook(client.doc)["cells"][0]["source"] == "# Mesh"
                await eventually(lambda: client.notices("saved"))
                client.save(1)
                [answer] = await eventually(lambda: _answers(client, 1))
                assert answer["status"] == "skipped"
            await c.close_room(room)
            assert (await einstein.files.stat(path)).etag == resource.etag
        assert await einstein.versions.list(path) == [] and await read_stable(einstein, path) == original
        async with c.server.client(room=room) as client:
            append(client.doc, "\nedited = True")
            await eventually(lambda: _contains(einstein, path, "edited = True"))


async def test_a_text_file_round_trips_as_utf8(tmp_path, einstein, workdir):
    path = f"{workdir}/data.txt"
    resource = await einstein.files.write(path, "Grüße\n".encode())
    room = room_id(resource, "file")
    async with collab(tmp_path, einstein) as c, c.server.client(room=room) as client:
        text = YUnicode(client.doc)._ysource
        text.insert(len(text), "π ≈ 3.14\n")  # pycrdt counts in its own units (UTF-8)
        await eventually(lambda: _read_equals(einstein, path, "Grüße\nπ ≈ 3.14\n".encode()))


async def _read_equals(session, path, expected: bytes) -> bool:
    return await read_stable(session, path) == expected


async def test_a_burst_of_changes_is_few_writes(tmp_path, einstein, workdir):
    path = f"{workdir}/nb.ipynb"
    room = room_id(await einstein.files.write(path, json.dumps(NOTEBOOK).encode()))
    async with collab(tmp_path, einstein, save_delay=0.3, save_max_delay=5.0) as c:
        async with c.server.client(room=room) as client:
            for i in range(100):
                append(client.doc, f" {i}")  # one update each
            expected = "x = 1" + "".join(f" {i}" for i in range(100))

            async def saved():
                return (await file_notebook(einstein, path))["cells"][1]["source"] == expected

            await eventually(saved)
        versions = await einstein.versions.list(path)
        assert 1 <= len(versions) <= 10, len(versions)


async def test_continuous_typing_still_saves_while_it_goes_on(tmp_path, einstein, workdir):
    # Keystrokes come faster than save_delay, so only save_max_delay can make a write while typing.
    path = f"{workdir}/nb.ipynb"
    room = room_id(await einstein.files.write(path, json.dumps(NOTEBOOK).encode()))
    keystrokes = 80
    async with collab(tmp_path, einstein, save_delay=0.5, save_max_delay=0.5) as c:
        async with c.server.client(room=room) as client:
            for i in range(keystrokes):  # at least 80 x 0.04 s = 3.2 s of typing, >= 6 x save_max_delay
                append(client.doc, "k")
                await anyio.sleep(0.04)
            writes_while_typing = len(await einstein.versions.list(path))
            live = c.server.registry.get(room)
            await eventually(lambda: _file_is(einstein, path, live))
        total = len(await einstein.versions.list(path))
    assert writes_while_typing >= 2, writes_while_typing
    assert total <= keystrokes // 2, total


async def _file_is(session, path, room) -> bool:
    return await file_notebook(session, path) == notebook(room.doc)


async def test_a_save_request_gets_its_real_outcome(tmp_path, einstein, outsider, workdir):
    path = f"{workdir}/nb.ipynb"
    room = room_id(await einstein.files.write(path, json.dumps(NOTEBOOK).encode()))
    # Long delays: only requests save.
    async with (
        collab(tmp_path, einstein, save_delay=30, save_max_delay=60) as c,
        c.server.client(room=room) as client,
    ):

        async def answer(request_id: int) -> str:
            client.save(request_id)
            answers = await eventually(lambda: _answers(client, request_id))
            return answers[0]["status"]

        append(client.doc, "\nsaved = True")
        live = c.server.registry.get(room)
        await eventually(lambda: _has(live, "saved = True"))
        assert await answer(1) == "success"
        assert "saved = True" in (await file_notebook(einstein, path))["cells"][1]["source"]
        assert await answer(2) == "skipped"  # nothing changed since

        # A state that is not a valid notebook is not written, and the answer says so.
        saved = await einstein.files.stat(path)
        YNotebook(client.doc).ycells[0]["cell_type"] = "bogus"
        await eventually(lambda: notebook(live.doc)["cells"][0]["cell_type"] == "bogus")
        assert await answer(3) == "failed"
        notice = client.notices("save-blocked")[-1]
        assert notice["reason"] == "invalid-notebook" and "cell_type" in notice["error"]
        assert (await einstein.files.stat(path)).etag == saved.etag
        YNotebook(client.doc).ycells[0]["cell_type"] = "markdown"
        await eventually(lambda: notebook(live.doc)["cells"][0]["cell_type"] == "markdown")
        assert await answer(4) == "skipped"
        assert client.notices("saved")[-1] == client.raw[-2]  # the status is "saved" again

        # Another application takes the lock: the room cannot save, and says so.
        lease = c.lease(room)
        await outsider.locks.unlock(path, lease.lock_id, app_name="meshcollab")
        await outsider.locks.set(path, "other-lock", expiration=None, app_name="other-app")
        append(client.doc, "\nblocked = True")
        await eventually(lambda: _has(live, "blocked = True"))
        assert await answer(5) == "failed"
        assert "blocked" not in (await file_notebook(einstein, path))["cells"][1]["source"]
        await eventually(lambda: client.notices("save-blocked"))
        await outsider.locks.unlock(path, "other-lock", app_name="other-app")


def _answers(client, request_id):
    return [m for m in client.raw if m.get("type") == "save" and m.get("responseTo") == request_id]


async def _has(room, text: str) -> bool:
    return text in notebook(room.doc)["cells"][1]["source"]


@pytest.mark.parametrize(
    "content",
    [
        b'{"cells": [',
        b'{"cells": 3, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
        b"\xff\xfe not utf-8",
    ],
    ids=["not-json", "invalid-structure", "not-utf8"],
)
async def test_an_invalid_notebook_in_cs3_fails_the_room_load_clearly(tmp_path, einstein, workdir, content):
    path = f"{workdir}/broken.ipynb"
    resource = await einstein.files.write(path, content)
    room = room_id(resource)
    async with collab(tmp_path, einstein) as c:
        with pytest.raises(RoomLoadError) as failure:
            await c.server.registry.room(room)
        assert "broken.ipynb" in str(failure.value) and "not" in str(failure.value)
        # Nothing was stored for the room (it loads again from the file once fixed), nothing written.
        assert (await c.server.registry.store.load(room)).update is None
        assert await read_stable(einstein, path) == content
        assert (await einstein.files.stat(path)).etag == resource.etag


async def test_debounced_saves_go_on_after_a_save_request(tmp_path, einstein, workdir):
    path = f"{workdir}/nb.ipynb"
    room = room_id(await einstein.files.write(path, json.dumps(NOTEBOOK).encode()))
    async with collab(tmp_path, einstein) as c, c.server.client(room=room) as client:
        client.save(1)
        [answer] = await eventually(lambda: _answers(client, 1))
        assert answer["status"] == "skipped"  # nothing to save yet
        for round_ in range(3):
            append(client.doc, f"\nround_{round_} = {round_}")
            text = f"round_{round_} = {round_}"
            await eventually(lambda text=text: _contains(einstein, path, text))


async def _contains(session, path, text) -> bool:
    return text in (await file_notebook(session, path))["cells"][1]["source"]
