"""A simulated JupyterLab collaborator: the session endpoint, then the room websocket, y-websocket sync
(step 1 on connect, step 2 in reply, every local change as an update) and awareness, over a real
websocket on loopback, with a pycrdt document that applies everything it receives.

The websocket is a lean asyncio protocol rather than a library client, so that one load-generator
core can receive tens of thousands of messages a second (a library client costs a task and several
futures per message, and would measure itself). It follows RFC 6455: masked client frames (the mask
key is zero, which the RFC allows the server to accept as any other key; the server unmasks the same
way), ping answered by pong, close handshake.

Keystrokes carry their identity, not a clock in the payload: a keystroke is one character inserted
by one writer, and its Y id (writer's client id, clock) is its sequence number. The sender records
the send time under that id (`Keystrokes`); every receiver's document observer reads the ids of what
it just applied (the state vector of the update) and records the arrival: one process, one clock.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx
from pycrdt import Array, Doc, Text, TransactionEvent

from meshcollab.rooms.protocol import (
    AwarenessEntry,
    MessageType,
    encode_awareness,
    encode_save_request,
    encode_sync_step1,
    encode_sync_step2,
    encode_sync_update,
)

ZERO_MASK = b"\x00\x00\x00\x00"
CLOCK = time.perf_counter


def first_block(update: bytes) -> tuple[int, int] | None:
    """(client id, end clock) of the first block of a Y update (v1: var-uint count of blocks, then
    per block its number of structs, client id and first clock). A keystroke's update is one block of
    one struct of length one; a block of n keystrokes (a merged update) has n structs, each a
    character, so the end is first clock + n. Only the first block is read: it costs a few bytes."""
    values, value, shift = [], 0, 0
    for byte in update[:40]:
        value |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
            continue
        values.append(value)
        if len(values) == 4:
            break
        value = shift = 0
    if len(values) < 4 or values[0] == 0:
        return None
    _, structs, client_id, clock = values
    return client_id, clock + structs


class Keystrokes:
    """Send times of keystrokes by Y id, and their arrivals at every receiver (one shared ledger)."""

    def __init__(self) -> None:
        self.sent: dict[int, list[float]] = {}  # writer client id -> send time per clock
        self.latencies: list[float] = []  # seconds, one per delivery
        self.deliveries = 0
        self.recording = True

    def writer(self, client_id: int) -> list[float]:
        return self.sent.setdefault(client_id, [])

    def arrived(self, seen: dict[int, int], update: bytes, now: float) -> None:
        """A receiver applied `update`; `seen` is its end clock per writer so far (delivery is in
        order, so every keystroke before the end has arrived by now)."""
        block = first_block(update)
        if block is None:
            return
        client_id, end = block
        times = self.sent.get(client_id)
        if times is None:
            return
        start = seen.get(client_id, 0)
        if end <= start:
            return
        seen[client_id] = end
        for clock in range(start, min(end, len(times))):
            self.deliveries += 1
            if self.recording:
                self.latencies.append(now - times[clock])

    def expected(self, receivers_per_keystroke: int) -> int:
        return sum(len(times) for times in self.sent.values()) * receivers_per_keystroke


async def open_session(http: httpx.AsyncClient, path: str) -> tuple[str, str]:
    """The session endpoint, as JupyterLab's provider calls it, on a client kept open as a browser
    keeps its connection (making an httpx client costs ~20 ms, which is no server's): (room id,
    sessionId)."""
    response = await http.put(f"/api/collaboration/session/{path}", json={"format": "json", "type": "notebook"})
    response.raise_for_status()
    answer = response.json()
    return f"{answer['format']}:{answer['type']}:{answer['fileId']}", answer["sessionId"]


class RoomClient(asyncio.Protocol):
    """One collaborator in one room. `await RoomClient.join(...)`; `leave()`."""

    def __init__(self, ledger: Keystrokes | None = None, doc: Doc | None = None, apply: bool = True) -> None:
        self.doc = doc if doc is not None else Doc()
        self.ledger = ledger
        self.apply = apply  # False: a probe that only records arrivals (it costs the load generator little)
        self.transport: asyncio.Transport | None = None
        self.synced = asyncio.Event()
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self.raw: list[dict] = []
        self.received_messages = 0
        self._handshake: asyncio.Future | None = None
        self._buffer = bytearray()
        self._upgraded = False
        self._fragments: list[bytes] = []
        self._remote = False
        self._seen: dict[int, int] = {}
        self._sent_times: list[float] | None = None
        self._subscription = self.doc.observe(self._on_transaction)

    # connecting

    @classmethod
    async def join(
        cls,
        ws_url: str,
        headers: dict[str, str],
        room: str,
        session_id: str,
        ledger: Keystrokes | None = None,
        doc: Doc | None = None,
        wait_synced: bool = True,
        timeout: float = 120,
        apply: bool = True,
    ) -> RoomClient:
        client = cls(ledger, doc, apply)
        await client._connect(f"{ws_url}/api/collaboration/room/{room}?sessionId={session_id}", headers, timeout)
        client.send(encode_sync_step1(client.doc.get_state()))
        if wait_synced:
            await asyncio.wait_for(client.synced.wait(), timeout)
        return client

    async def _connect(self, url: str, headers: dict[str, str], timeout: float) -> None:
        parts = urlsplit(url)
        loop = asyncio.get_running_loop()
        self._handshake = loop.create_future()
        await loop.create_connection(lambda: self, parts.hostname, parts.port)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {parts.path}?{parts.query} HTTP/1.1",
            f"Host: {parts.hostname}:{parts.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await asyncio.wait_for(self._handshake, timeout)

    def connection_made(self, transport) -> None:
        self.transport = transport

    def connection_lost(self, exc) -> None:
        self.closed.set()
        if self._handshake is not None and not self._handshake.done():
            self._handshake.set_exception(ConnectionError("connection closed during the websocket handshake"))

    # frames

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        if not self._upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buffer[:end]).split(b"\r\n", 1)[0]
            del buffer[: end + 4]
            if b" 101 " not in status:
                self._handshake.set_exception(ConnectionError(f"websocket refused: {status.decode(errors='replace')}"))
                self.transport.close()
                return
            self._upgraded = True
            self._handshake.set_result(None)
        position, size = 0, len(buffer)
        while size - position >= 2:
            first, second = buffer[position], buffer[position + 1]
            length = second & 0x7F
            header = 2
            if length == 126:
                if size - position < 4:
                    break
                length = struct.unpack_from("!H", buffer, position + 2)[0]
                header = 4
            elif length == 127:
                if size - position < 10:
                    break
                length = struct.unpack_from("!Q", buffer, position + 2)[0]
                header = 10
            if size - position < header + length:
                break
            payload = bytes(buffer[position + header : position + header + length])
            position += header + length
            self._frame(first & 0x0F, bool(first & 0x80), payload)
        del buffer[:position]

    def _frame(self, opcode: int, fin: bool, payload: bytes) -> None:
        if opcode in (0, 1, 2):
            self._fragments.append(payload)
            if fin:
                message = self._fragments[0] if len(self._fragments) == 1 else b"".join(self._fragments)
                self._fragments = []
                self._message(message)
        elif opcode == 8:  # close
            self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
            self._write_frame(8, payload[:2])
            self.transport.close()
        elif opcode == 9:  # ping
            self._write_frame(10, payload)

    def _write_frame(self, opcode: int, payload: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        elif length <= 0xFFFF:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
        self.transport.write(header + ZERO_MASK + payload)

    def send(self, message: bytes) -> None:
        self._write_frame(2, message)

    # the protocol

    def _message(self, message: bytes) -> None:
        self.received_messages += 1
        kind = message[0]
        if kind == MessageType.SYNC:
            step = message[1]
            payload = _var_bytes_at(message, 2)
            if step == 0:
                self.send(encode_sync_step2(self.doc.get_update(payload)))
                return
            if not self.apply:
                if self.ledger is not None and step == 2:
                    self.ledger.arrived(self._seen, payload, CLOCK())
                if step == 1:
                    self.synced.set()
                return
            self._remote = True
            try:
                self.doc.apply_update(payload)
            finally:
                self._remote = False
            if step == 1:
                self.synced.set()
        elif kind == MessageType.RAW:
            try:
                self.raw.append(json.loads(_var_bytes_at(message, 1)))
            except ValueError:
                pass

    def _on_transaction(self, event: TransactionEvent) -> None:
        if self._remote:
            if self.ledger is not None:
                self.ledger.arrived(self._seen, event.update, CLOCK())
            return
        update = event.update
        if self._sent_times is not None:
            self._sent_times.append(CLOCK())
        self.send(encode_sync_update(update))

    # what a user does

    def become_writer(self, cell: int) -> Callable[[], None]:
        """A function that types one keystroke into `cell`'s source and records its send time."""
        if self.ledger is None:
            raise ValueError("a writer needs a ledger")
        self._sent_times = self.ledger.writer(self.doc.client_id)
        # A fresh document has clock 0 for its own client id; each keystroke (one BMP character)
        # advances it by one, so the clock of keystroke n is n.
        cells = self.doc.get("cells", type=Array)
        source: Text = cells[cell]["source"]
        position = [len(source)]

        def keystroke() -> None:
            source.insert(position[0], "x")
            position[0] += 1

        return keystroke

    def send_typed(self, writer_id: int, updates: list[bytes]) -> None:
        """Send keystrokes typed ahead of time (`typed_updates`) as they would have been sent, one
        message each, recording their send times under the writer's client id."""
        times = self.ledger.writer(writer_id)
        for update in updates:
            times.append(CLOCK())
            self.send(encode_sync_update(update))

    def set_awareness(self, name: str) -> None:
        state = json.dumps({"user": {"username": name, "name": name, "display_name": name}})
        self.send(encode_awareness([AwarenessEntry(self.doc.client_id, 1, state)]))

    def save(self, request_id: int) -> None:
        self.send(encode_save_request(request_id))

    def leave(self) -> None:
        if self._subscription is not None:
            self.doc.unobserve(self._subscription)
            self._subscription = None
        if self.transport is not None and not self.transport.is_closing():
            self._write_frame(8, struct.pack("!H", 1000))
            self.transport.close()


def typed_updates(state: bytes, count: int, run: int = 50) -> tuple[int, list[bytes]]:
    """(client id, updates) of `count` keystrokes typed into a copy of a notebook document, in runs of
    `run` characters per cell, cell after cell, as a person edits; one update per keystroke. (One long
    run in one cell would measure pycrdt: appending to an n-character text costs O(n) in yrs.)"""
    doc = Doc()
    doc.apply_update(state)
    sources = [cell["source"] for cell in doc.get("cells", type=Array)]
    lengths = [len(source) for source in sources]
    updates: list[bytes] = []
    subscription = doc.observe(lambda event: updates.append(event.update))
    for index in range(count):
        cell = (index // run) % len(sources)
        sources[cell].insert(lengths[cell], "x")
        lengths[cell] += 1
    doc.unobserve(subscription)
    return doc.client_id, updates


def _var_bytes_at(message: bytes, position: int) -> bytes:
    length = shift = 0
    while True:
        byte = message[position]
        position += 1
        length |= (byte & 0x7F) << shift
        if byte < 0x80:
            break
        shift += 7
    return message[position : position + length]
