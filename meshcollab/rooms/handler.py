"""The room websocket for tornado: `/api/collaboration/room/{format}:{type}:{fileId}` for documents,
and `/api/collaboration/room/JupyterLab:globalAwareness` (a transient room) for who is where.

Mount it with the registry: `(r"/api/collaboration/room/(.+)", RoomWebSocketHandler, {"registry": registry})`.
It only adapts tornado to a room `Connection`; who may do what is decided by `room_access`, which the
extension overrides (authentication, CS3 permissions). The origin check is tornado's same-origin check
unless the extension mixes in jupyter_server's `WebSocketMixin`, whose `check_origin` applies the
server's `allow_origin` settings; this class never accepts every origin.
"""

from __future__ import annotations

import json
import struct
from asyncio import Future
from enum import Enum

import anyio
from tornado import web
from tornado.iostream import SSLIOStream
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from .connection import CloseCode, Connection
from .registry import RoomRegistry, is_document_room
from .room import Room, RoomLoadError, SessionMismatch


# A message this large is sent from its own buffer: joined with the others it would be copied (a whole
# document's sync step 2 can be tens of MB).
LARGE_MESSAGE = 64 * 1024
MAX_SEND_BUFFERS = 64  # per sendmsg call (the system allows at least 1024)


def _frame_buffers(messages: list[bytes]) -> list[bytes]:
    """The frames of `messages` as few buffers: small frames joined, a large message's own bytes kept."""
    buffers: list[bytes] = []
    small: list[bytes] = []
    for message in messages:
        small.append(_frame_header(message))
        if len(message) < LARGE_MESSAGE:
            small.append(message)
        else:
            buffers += (b"".join(small), message)
            small = []
    if small:
        buffers.append(b"".join(small))
    return buffers


def _unsent(buffers: list[bytes], sent: int) -> list[bytes | memoryview]:
    """What is left of `buffers` after the first `sent` bytes went out (views, not copies)."""
    for index, buffer in enumerate(buffers):
        if sent < len(buffer):
            return [memoryview(buffer)[sent:], *buffers[index + 1 :]]
        sent -= len(buffer)
    return []


class RoomAccess(Enum):
    READ_WRITE = "read-write"
    READ_ONLY = "read-only"


def _frame_header(message: bytes) -> bytes:
    # RFC 6455 5.2, server to client: FIN and the binary opcode, no mask, then the payload length.
    length = len(message)
    if length < 126:
        return bytes((0x82, length))
    if length <= 0xFFFF:
        return struct.pack("!BBH", 0x82, 126, length)
    return struct.pack("!BBQ", 0x82, 127, length)


class RoomWebSocketHandler(WebSocketHandler):
    def initialize(self, registry: RoomRegistry) -> None:
        self.registry = registry
        self.room: Room | None = None
        self.connection: Connection | None = None
        self._access = RoomAccess.READ_WRITE
        self._gone = False
        self._last_write: Future[None] | None = None  # tornado's writes complete in order

    @property
    def max_message_size(self) -> int:
        return self.registry.max_message_size

    async def room_access(self, room_id: str) -> RoomAccess:
        """What the requesting user may do in the room; raise `web.HTTPError(403)` to refuse.

        Called before the websocket upgrade, so a refusal is a plain HTTP error."""
        return RoomAccess.READ_WRITE

    async def get(self, room_id: str) -> None:
        if is_document_room(room_id) and not all(room_id.split(":", 2)):
            raise web.HTTPError(400, f"room id {room_id!r} is not of the form format:type:fileId")
        self._access = await self.room_access(room_id)
        await super().get(room_id)

    async def open(self, room_id: str) -> None:
        # Small messages (keystrokes) go out at once: with Nagle's algorithm on, a write waits for
        # the client's (delayed, up to 40 ms) ACK of the previous one. bench/ measured p99 50 ms -> 3 ms.
        self.set_nodelay(True)
        session_id = self.get_query_argument("sessionId", None)
        try:
            self.room, self.connection = await self.registry.connect(
                room_id, self, read_only=self._access is RoomAccess.READ_ONLY, session_id=session_id
            )
        except SessionMismatch as mismatch:
            # JupyterLab parses this reason and offers to reload the page.
            reason = {"reason": "unknown_session", "sessionId": mismatch.session_id or "", "reloadable": True}
            self.close(CloseCode.SESSION_EXPIRED, json.dumps(reason, separators=(",", ":")))
            return
        except RoomLoadError:
            self.close(CloseCode.ROOM_LOAD_FAILED, "the document could not be loaded")
            return
        if self._gone:  # the client left while it was being admitted
            self._leave_room()

    async def on_message(self, message: str | bytes) -> None:
        if self.connection is not None:
            await self.room.receive(self.connection, message)

    def on_close(self) -> None:
        self._gone = True
        if self.connection is not None:
            self._leave_room()

    def _leave_room(self) -> None:
        self.connection.lost()
        # A closed handler can outlive its connection (e.g. in the context of a task it started):
        # it must not keep the room, and with it the document, once the room closes.
        self.room = self.connection = None

    def get_compression_options(self) -> None:
        # No permessage-deflate: it would compress the same bytes again for every client. (The plain
        # frames of send_now would stay valid with it: a frame without RSV1 is not compressed.)
        return None

    # the Transport of the connection

    def send_now(self, messages: list[bytes]) -> bool:
        # One write for the whole batch: tornado's write_message costs a future and a send() per message.
        connection = self.ws_connection
        if connection is None or connection.is_closing():
            raise WebSocketClosedError()
        buffers = _frame_buffers(messages)
        if not buffers:
            return True
        stream = connection.stream
        if not stream.writing() and not isinstance(stream, SSLIOStream):
            # Nothing waits in tornado's buffer: straight into the socket. (tornado's write costs a
            # future and a loop callback, times every client a keystroke goes to.)
            try:
                sent = stream.socket.sendmsg(buffers[:MAX_SEND_BUFFERS])
            except BlockingIOError:
                sent = 0
            buffers = _unsent(buffers, sent)
            if not buffers:
                return True
        for buffer in buffers:  # tornado keeps a large buffer as a view, without copying it
            self._last_write = stream.write(buffer)
        write = self._last_write
        if not write.done():
            return False
        write.result()  # raises if the connection failed while writing
        return True

    async def wait_sent(self) -> None:
        write = self._last_write
        if not write.done():
            # Wait on our own event: cancelling the wait must not cancel tornado's write.
            done = anyio.Event()
            write.add_done_callback(lambda _: done.set())
            await done.wait()
        write.result()  # raises if the connection closed meanwhile
