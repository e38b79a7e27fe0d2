"""A viewer's edits never land, a bad or oversized message closes only its sender, a client that does
not read is cut off while the others go on, and clients hear what the room has to tell them."""

from __future__ import annotations

import anyio
import pytest
from jupyter_ydoc import YNotebook
from pycrdt import Doc
from room_clients import NOTEBOOK, ROOM, NotebookHooks, notebook, serve, sources, type_into, until

from meshcollab.rooms import CloseCode, Notice
from meshcollab.rooms.protocol import encode_sync_update

pytestmark = pytest.mark.anyio


async def test_a_viewer_edits_nothing_but_is_seen(tmp_path):
    async with serve(tmp_path) as server:
        async with server.client() as editor, server.client(role="viewer") as viewer:
            type_into(viewer.doc, 0, " (viewer was here)")
            viewer.set_awareness(viewer.doc.client_id, 1, '{"user":{"name":"viewer"}}')
            await until(lambda: viewer.doc.client_id in editor.awareness)
            await until(lambda: viewer.notices("read-only"))

            type_into(editor.doc, 1, " # editor")  # a later edit reaches the viewer, the viewer's never left
            await until(lambda: sources(viewer.doc)[1] == "x = 1 # editor")
            room = server.registry.get(ROOM)
            assert sources(editor.doc)[0] == sources(room.doc)[0] == "# Mesh"
            assert editor.notices("read-only") == []
        async with server.client(Doc()) as later:
            assert sources(later.doc) == ["# Mesh", "x = 1 # editor"]


@pytest.mark.parametrize(
    "message, code",
    [
        (b"\x00\x02\x05abc", CloseCode.PROTOCOL_ERROR),  # announces 5 bytes, carries 3
        (b"\x07", CloseCode.PROTOCOL_ERROR),  # unknown message type
        (b"\x01\x05\x01\x01\x01\x01{", CloseCode.PROTOCOL_ERROR),  # awareness state is not JSON
        (encode_sync_update(b"\x01\x02\x03"), CloseCode.PROTOCOL_ERROR),  # not a Y update
        ("text frame", CloseCode.PROTOCOL_ERROR),
        (b"\x00\x02" + b"\x80\x80\x04" + bytes(70_000), CloseCode.MESSAGE_TOO_BIG),
    ],
    ids=["truncated", "unknown-type", "bad-awareness", "bad-update", "text", "oversized"],
)
async def test_a_bad_message_closes_only_its_sender(tmp_path, message, code):
    async with serve(tmp_path, max_message_size=64 * 1024) as server:
        async with server.client() as bystander, server.client() as culprit:
            culprit.ws.write_message(message, binary=isinstance(message, bytes))
            await until(lambda: culprit.closed)
            assert culprit.close_code == code and culprit.close_reason
            type_into(bystander.doc, 1, " still fine")
            room = server.registry.get(ROOM)
            await until(lambda: sources(room.doc)[1] == "x = 1 still fine")
            assert room.connections == (room.connections[0],) and not bystander.closed
            async with server.client(Doc()) as newcomer:
                assert sources(newcomer.doc) == sources(bystander.doc)


async def test_a_client_that_does_not_read_is_disconnected_and_the_others_go_on(tmp_path):
    async with serve(tmp_path, max_buffered_bytes=256 * 1024) as server:
        async with server.client() as writer, server.client() as reader:
            sleeper = server.client(Doc())
            await sleeper.connect(read=False)
            room = server.registry.get(ROOM)
            await until(lambda: len(room.connections) == 3)
            chunk = "z" * 50_000
            for _ in range(2000):  # enough to fill the socket buffers and then ours
                type_into(writer.doc, 1, chunk, keystrokes=False)
                await until(lambda: reader.doc.get_state() == writer.doc.get_state())  # cheap: no content
                if len(room.connections) == 2:
                    break
            assert len(room.connections) == 2 and not reader.closed and not writer.closed
            type_into(writer.doc, 0, " after")
            await until(lambda: sources(reader.doc)[0] == "# Mesh after")
            sleeper.abort()  # it would read through megabytes before seeing a closing handshake
            # A reconnecting client resyncs from scratch.
            async with server.client(Doc()) as back:
                assert notebook(back.doc) == notebook(writer.doc)


async def test_a_client_that_reads_a_document_larger_than_the_limit_stays(tmp_path):
    """The whole document (sync step 2) may be larger than `max_buffered_bytes`: what others send while
    it drains (here their cursors) waits behind it and must not cut off a client that reads it."""
    large = {**NOTEBOOK, "cells": [{**NOTEBOOK["cells"][0], "source": "#" * (24 << 20)}]}
    async with serve(tmp_path, lambda room: NotebookHooks(large), max_buffered_bytes=256 * 1024) as server:
        async with server.client() as bystander:
            joiner = server.client(Doc())
            await joiner.connect(read=False)  # its socket backs up with the document
            for clock in range(1, 21):
                bystander.set_awareness(4242, clock, f'{{"user":{{"name":"bystander"}},"cursor":{clock}}}')
                await anyio.sleep(0.05)
            async with anyio.create_task_group() as readers:
                readers.start_soon(joiner.read_from_now)
                await until(
                    lambda: joiner.closed or (joiner.synced and '"cursor":20' in joiner.awareness.get(4242, ""))
                )
                assert not joiner.closed, (joiner.close_code, joiner.close_reason)
                assert notebook(joiner.doc) == notebook(bystander.doc)
                joiner.disconnect()


async def test_a_save_request_is_answered_with_its_real_outcome(tmp_path):
    outcomes = iter(["success", "failed"])
    async with serve(tmp_path) as server:
        async with server.client() as client:
            type_into(client.doc, 1, "!")
            server.hooks[ROOM].save_status = next(outcomes)
            client.save(7)
            await until(lambda: client.save_answers())
            server.hooks[ROOM].save_status = next(outcomes)
            client.save(8)
            await until(lambda: len(client.save_answers()) == 2)
            assert client.save_answers() == [
                {"type": "save", "responseTo": 7, "status": "success"},
                {"type": "save", "responseTo": 8, "status": "failed"},
            ]
        async with server.client(role="viewer") as viewer:
            viewer.save(1)
            await until(lambda: viewer.save_answers())
            assert viewer.save_answers() == [{"type": "save", "responseTo": 1, "status": "failed"}]
        assert server.hooks[ROOM].calls.count("on_save_request") == 2


async def test_the_room_status_reaches_present_and_later_clients(tmp_path):
    async with serve(tmp_path) as server:
        async with server.client() as present:
            message = "Cannot save: the file is locked by another application."
            locked = Notice("save-blocked", message, {"holder": "onlyoffice"})
            server.registry.get(ROOM).set_status(locked)
            await until(lambda: present.notices("save-blocked"))
            async with server.client(Doc()) as later:
                await until(lambda: later.notices("save-blocked"))
                assert later.notices("save-blocked")[0] == {
                    "type": "notice",
                    "code": "save-blocked",
                    "message": "Cannot save: the file is locked by another application.",
                    "holder": "onlyoffice",
                }


async def test_awareness_of_a_closed_connection_is_removed_for_the_others(tmp_path):
    async with serve(tmp_path) as server:
        async with server.client() as staying:
            leaving = server.client(Doc())
            await leaving.connect()
            leaving.set_awareness(4242, 3, '{"user":{"name":"leaving"}}')
            await until(lambda: 4242 in staying.awareness)
            async with server.client(Doc()) as newcomer:
                assert 4242 in newcomer.awareness  # everyone present, at once
                leaving.disconnect()
                await until(lambda: 4242 not in staying.awareness and 4242 not in newcomer.awareness)


async def test_a_room_whose_source_cannot_be_read_is_not_served(tmp_path):
    attempts = []

    class UnreadableOnce(NotebookHooks):
        async def on_load(self, room) -> None:
            attempts.append(room.id)
            if len(attempts) == 1:
                YNotebook(room.doc).set(NOTEBOOK)  # half-way through, then the source fails
                raise OSError("the file could not be read")
            await super().on_load(room)

    async with serve(tmp_path, hooks_factory=lambda room: UnreadableOnce()) as server:
        refused = server.client()
        await refused.connect()
        await until(lambda: refused.closed)
        assert refused.close_code == CloseCode.ROOM_LOAD_FAILED
        assert (await server.registry.store.load(ROOM)).update is None  # nothing of it was kept
        async with server.client(Doc()) as later:
            assert sources(later.doc) == ["# Mesh", "x = 1"]  # one copy, from the successful load
