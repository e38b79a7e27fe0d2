"""Real websocket clients and a real tornado server for the room tests.

`RoomServer` mounts `RoomWebSocketHandler` on a loopback port with a registry and a SQLite document
store in a folder; `YClient` is a pycrdt document speaking the y-websocket protocol to it, as
JupyterLab's provider does: step 1 on connect, step 2 in reply, every local change as an update.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from jupyter_ydoc import YNotebook
from pycrdt import Doc
from tornado.httpclient import HTTPRequest
from tornado.httpserver import HTTPServer
from tornado.web import Application
from tornado.websocket import WebSocketClientConnection, websocket_connect

from meshcollab.rooms import DocumentStore, RoomAccess, RoomHooks, RoomRegistry, RoomWebSocketHandler
from meshcollab.rooms.protocol import (
    AwarenessEntry,
    AwarenessUpdate,
    MessageType,
    SyncStep1,
    SyncUpdate,
    decode,
    decode_raw_json,
    encode_awareness,
    encode_save_request,
    encode_sync_step1,
    encode_sync_step2,
    encode_sync_update,
)

ROOM = "json:notebook:c3RvcmFnZS1pZCRzcGFjZS1pZCFvcGFxdWUtaWQ"  # format:type:fileId
GLOBAL_AWARENESS = "JupyterLab:globalAwareness"

NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "id": "intro", "metadata": {}, "source": "# Mesh"},
        {
            "cell_type": "code",
            "id": "first",
            "metadata": {},
            "source": "x = 1",
            "outputs": [],
            "execution_count": None,
        },
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}

TIMEOUT = 20  # seconds; a bound on waiting, not a measurement


async def until(predicate: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    with anyio.fail_after(timeout):
        while not predicate():
            await anyio.sleep(0.005)


def notebook(doc: Doc) -> dict:
    return YNotebook(doc).get()


def sources(doc: Doc) -> list[str]:
    return [cell["source"] for cell in notebook(doc)["cells"]]


def type_into(doc: Doc, cell: int, text: str, keystrokes: bool = True) -> None:
    """Append to a cell's source: one update per character, as in an editor, or one for all (a paste)."""
    source = YNotebook(doc).ycells[cell]["source"]
    for chunk in text if keystrokes else [text]:
        source.insert(len(str(source)), chunk)


class NotebookHooks(RoomHooks):
    """What the extension does, reduced to the test: the source is a notebook dict in memory."""

    def __init__(self, source: dict | None = None, save_status: str = "success") -> None:
        self.source = source or NOTEBOOK
        self.save_status = save_status
        self.calls: list[str] = []

    async def on_load(self, room) -> None:
        self.calls.append("on_load")
        YNotebook(room.doc).set(self.source)

    def on_change(self, room) -> None:
        if not self.calls or self.calls[-1] != "on_change":
            self.calls.append("on_change")

    async def on_save_request(self, room):
        self.calls.append("on_save_request")
        return self.save_status

    async def on_first_client(self, room) -> None:
        self.calls.append("on_first_client")

    async def on_last_client(self, room) -> None:
        self.calls.append("on_last_client")

    async def on_close(self, room) -> None:
        self.calls.append("on_close")


class TestRoomHandler(RoomWebSocketHandler):
    """`?role=viewer` stands for what the extension learns from CS3 permissions."""

    async def room_access(self, room_id: str) -> RoomAccess:
        viewer = self.get_query_argument("role", "") == "viewer"
        return RoomAccess.READ_ONLY if viewer else RoomAccess.READ_WRITE


class RoomServer:
    def __init__(self, registry: RoomRegistry, port: int, hooks: dict[str, NotebookHooks]) -> None:
        self.registry = registry
        self.port = port
        self.hooks = hooks  # by room id, as the factory made them

    def url(self, room: str = ROOM) -> str:
        return f"ws://127.0.0.1:{self.port}/api/collaboration/room/{room}"

    async def session_id(self, room: str = ROOM) -> str:
        return await self.registry.session_id(room)

    def client(self, doc: Doc | None = None, room: str = ROOM, **params) -> YClient:
        return YClient(self, room, doc, params)


@asynccontextmanager
async def serve(
    data: Path,
    hooks_factory: Callable[[str], NotebookHooks] = lambda room: NotebookHooks(),
    port: int = 0,
    **config,
):
    """A meshcollab room server on a loopback port over the store in `data` (reused across restarts)."""
    store_traits = ("compact_after_updates", "compact_after_bytes")
    store_config = {key: config.pop(key) for key in store_traits if key in config}
    made: dict[str, NotebookHooks] = {}

    def hooks(room_id: str) -> NotebookHooks:
        made[room_id] = hooks_factory(room_id)
        return made[room_id]

    store = DocumentStore(path=str(data / "rooms.sqlite3"), **store_config)
    async with store, RoomRegistry(store, hooks, **config) as registry:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(128)
        sock.setblocking(False)
        app = Application([(r"/api/collaboration/room/(.+)", TestRoomHandler, {"registry": registry})])
        http = HTTPServer(app)
        http.add_sockets([sock])
        try:
            yield RoomServer(registry, sock.getsockname()[1], made)
        finally:
            http.stop()
            await http.close_all_connections()


class YClient:
    """A y-websocket client: `async with server.client(doc) as client:`."""

    def __init__(self, server: RoomServer, room: str, doc: Doc | None, params: dict) -> None:
        self.server = server
        self.room = room
        self.doc = doc if doc is not None else Doc()
        self.params = params
        self.synced = False
        self.closed = False
        self.close_code: int | None = None
        self.close_reason: str | None = None
        self.awareness: dict[int, str] = {}  # client id -> JSON state, as received
        self.raw: list[dict] = []
        self.ws: WebSocketClientConnection | None = None
        self._remote = False

    async def __aenter__(self) -> YClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info) -> None:
        self.disconnect()

    async def connect(self, read: bool = True, wait_synced: bool = True) -> None:
        """Open the websocket and start the sync; `read=False` makes a client that never reads."""
        params = dict(self.params)
        if "sessionId" not in params:
            params["sessionId"] = await self.server.session_id(self.room)
        query = "&".join(f"{key}={value}" for key, value in params.items() if value is not None)
        self.synced = self.closed = False
        self.ws = await websocket_connect(
            HTTPRequest(f"{self.server.url(self.room)}?{query}", headers=getattr(self.server, "headers", None)),
            max_message_size=1 << 30,
            on_message_callback=self._on_message if read else None,
        )
        self._subscription = self.doc.observe(self._on_local_change)
        self.send(encode_sync_step1(self.doc.get_state()))
        if wait_synced and read:
            await until(lambda: self.synced or self.closed)

    async def read_from_now(self) -> None:
        """Start reading (a client that connected with `read=False`), until the connection closes."""
        while self.ws is not None and (message := await self.ws.read_message()) is not None:
            self._on_message(message)
        self._on_message(None)

    def disconnect(self) -> None:
        if self.ws is not None:
            self.doc.unobserve(self._subscription)
            self.ws.close()
            self.ws = None

    def abort(self) -> None:
        """Drop the TCP connection without a closing handshake, as a crashed client does."""
        self.doc.unobserve(self._subscription)
        self.ws.protocol.stream.close()
        self.ws = None

    def send(self, message: bytes) -> None:
        self.ws.write_message(message, binary=True)

    def set_awareness(self, client_id: int, clock: int, state: str) -> None:
        self.send(encode_awareness([AwarenessEntry(client_id, clock, state)]))

    def save(self, request_id: int) -> None:
        self.send(encode_save_request(request_id))

    def _on_local_change(self, event) -> None:
        if not self._remote and self.ws is not None:
            self.send(encode_sync_update(event.update))

    def _on_message(self, message: bytes | None) -> None:
        if message is None:
            self.closed = True
            if self.ws is not None:
                self.close_code, self.close_reason = self.ws.close_code, self.ws.close_reason
            return
        if message[0] == MessageType.RAW:
            self.raw.append(decode_raw_json(message))
            return
        decoded = decode(message)
        if isinstance(decoded, SyncStep1):
            self.send(encode_sync_step2(self.doc.get_update(decoded.state_vector)))
        elif isinstance(decoded, SyncUpdate):
            self._remote = True
            try:
                self.doc.apply_update(decoded.update)
            finally:
                self._remote = False
            self.synced = self.synced or decoded.is_step2
        elif isinstance(decoded, AwarenessUpdate):
            for entry in decoded.entries:
                if entry.removed:
                    self.awareness.pop(entry.client_id, None)
                else:
                    self.awareness[entry.client_id] = entry.state

    def raw_of_type(self, kind: str) -> list[dict]:
        return [message for message in self.raw if message.get("type") == kind]

    def notices(self, code: str) -> list[dict]:
        return [message for message in self.raw_of_type("notice") if message.get("code") == code]

    def save_answers(self) -> list[dict]:
        return self.raw_of_type("save")

