"""The room wire protocol: y-websocket sync and awareness, plus jupyter-collaboration's RAW messages.

Every message starts with a var-uint message type:

- SYNC (0): a var-uint sync step (1: state vector, 2: missing updates, 3: update), then var-bytes.
- AWARENESS (1): var-bytes holding a count and, per client, client id, clock and a JSON state.
- RAW (2): a var-string. Clients send `"save"` followed by a var-uint request id; the server sends
  JSON text: the answer to a save (`{"type": "save", "responseTo": id, "status": ...}`) and notices.

Decoding is strict: truncated input, trailing bytes, unknown types or invalid UTF-8/JSON raise
`ProtocolError`, so a bad client is closed before anything it sent reaches the room.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

MAX_VAR_UINT_BYTES = 8  # 56 bits: more than any Y client id, clock or length can need


class ProtocolError(ValueError):
    """A message that does not follow the protocol; the connection that sent it is closed."""


class MessageType(IntEnum):
    SYNC = 0
    AWARENESS = 1
    RAW = 2


class SyncStep(IntEnum):
    STEP1 = 0
    STEP2 = 1
    UPDATE = 2


@dataclass(frozen=True, slots=True)
class SyncStep1:
    """The sender's state vector: it asks for what it is missing."""

    state_vector: bytes


@dataclass(frozen=True, slots=True)
class SyncUpdate:
    """Y update bytes: a reply to step 1 (`is_step2`) or a live update."""

    update: bytes
    is_step2: bool = False


@dataclass(frozen=True, slots=True)
class AwarenessEntry:
    client_id: int
    clock: int
    state: str  # JSON text, kept as sent; "null" means the client is gone

    @property
    def removed(self) -> bool:
        return self.state == "null"


@dataclass(frozen=True, slots=True)
class AwarenessUpdate:
    entries: tuple[AwarenessEntry, ...]


@dataclass(frozen=True, slots=True)
class SaveRequest:
    request_id: int


@dataclass(frozen=True, slots=True)
class UnknownRawRequest:
    """A RAW request this server does not know; ignored so that newer frontends still work."""

    name: str


Message = SyncStep1 | SyncUpdate | AwarenessUpdate | SaveRequest | UnknownRawRequest

SaveStatus = Literal["success", "failed", "skipped"]


class _Reader:
    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def var_uint(self, what: str) -> int:
        value = shift = 0
        for _ in range(MAX_VAR_UINT_BYTES):
            if self.pos >= len(self.data):
                raise ProtocolError(f"truncated message: {what} is cut off")
            byte = self.data[self.pos]
            self.pos += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
            shift += 7
        raise ProtocolError(f"malformed message: {what} is longer than {MAX_VAR_UINT_BYTES} bytes")

    def var_bytes(self, what: str) -> bytes:
        length = self.var_uint(f"length of {what}")
        end = self.pos + length
        if end > len(self.data):
            left = len(self.data) - self.pos
            raise ProtocolError(f"truncated message: {what} announces {length} bytes, {left} left")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def var_string(self, what: str) -> str:
        try:
            return self.var_bytes(what).decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(f"malformed message: {what} is not valid UTF-8") from None

    def end(self, what: str) -> None:
        if self.pos != len(self.data):
            extra = len(self.data) - self.pos
            raise ProtocolError(f"malformed message: {extra} unexpected bytes after {what}")


def decode(message: bytes) -> Message:
    """Decode one client message, or raise `ProtocolError` saying what is wrong with it."""
    if not isinstance(message, bytes | bytearray | memoryview):
        raise ProtocolError("text frames are not part of the protocol; send binary messages")
    reader = _Reader(bytes(message))
    kind = reader.var_uint("message type")
    if kind == MessageType.SYNC:
        step = reader.var_uint("sync step")
        payload = reader.var_bytes("sync payload")
        reader.end("the sync payload")
        if step == SyncStep.STEP1:
            return SyncStep1(payload)
        if step in (SyncStep.STEP2, SyncStep.UPDATE):
            return SyncUpdate(payload, is_step2=step == SyncStep.STEP2)
        raise ProtocolError(f"unknown sync step {step}")
    if kind == MessageType.AWARENESS:
        payload = reader.var_bytes("awareness payload")
        reader.end("the awareness payload")
        return decode_awareness(payload)
    if kind == MessageType.RAW:
        name = reader.var_string("raw message")
        if name == "save":
            request_id = reader.var_uint("save request id")
            reader.end("the save request")
            return SaveRequest(request_id)
        return UnknownRawRequest(name[:64])
    raise ProtocolError(f"unknown message type {kind}")


def decode_awareness(payload: bytes) -> AwarenessUpdate:
    reader = _Reader(payload)
    count = reader.var_uint("awareness count")
    entries = []
    for _ in range(count):
        client_id = reader.var_uint("awareness client id")
        clock = reader.var_uint("awareness clock")
        state = reader.var_string("awareness state")
        try:
            json.loads(state)
        except ValueError:
            problem = f"malformed message: awareness state of client {client_id} is not JSON"
            raise ProtocolError(problem) from None
        entries.append(AwarenessEntry(client_id, clock, state))
    reader.end("the awareness entries")
    return AwarenessUpdate(tuple(entries))


def _var_uint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)
    return bytes(out)


def _var_bytes(data: bytes) -> bytes:
    return _var_uint(len(data)) + data


_SYNC_STEP1 = bytes([MessageType.SYNC, SyncStep.STEP1])
_SYNC_STEP2 = bytes([MessageType.SYNC, SyncStep.STEP2])
_SYNC_UPDATE = bytes([MessageType.SYNC, SyncStep.UPDATE])


def _sync_message(prefix: bytes, payload: bytes) -> bytes:
    # One copy of the payload (a whole document's update can be tens of MB): not prefix + (length + payload).
    return b"".join((prefix, _var_uint(len(payload)), payload))


def encode_sync_step1(state_vector: bytes) -> bytes:
    return _sync_message(_SYNC_STEP1, state_vector)


def encode_sync_step2(update: bytes) -> bytes:
    return _sync_message(_SYNC_STEP2, update)


def encode_sync_update(update: bytes) -> bytes:
    return _sync_message(_SYNC_UPDATE, update)


def encode_awareness(entries: list[AwarenessEntry] | tuple[AwarenessEntry, ...]) -> bytes:
    body = [_var_uint(len(entries))]
    for entry in entries:
        body += (_var_uint(entry.client_id), _var_uint(entry.clock), _var_bytes(entry.state.encode()))
    return bytes([MessageType.AWARENESS]) + _var_bytes(b"".join(body))


def encode_raw_json(payload: dict) -> bytes:
    return bytes([MessageType.RAW]) + _var_bytes(json.dumps(payload, separators=(",", ":")).encode())


def encode_save_request(request_id: int) -> bytes:
    """What the frontend sends; the server only decodes it, tests and benchmarks send it."""
    return bytes([MessageType.RAW]) + _var_bytes(b"save") + _var_uint(request_id)


def encode_save_reply(request_id: int, status: SaveStatus) -> bytes:
    return encode_raw_json({"type": "save", "responseTo": request_id, "status": status})


@dataclass(frozen=True, slots=True)
class Notice:
    """A server→client notice, sent as RAW JSON `{"type": "notice", "code", "message", ...details}`.

    `code` is stable for programs (e.g. "read-only", "save-blocked"); `message` is for people and
    says what to do; `details` carries the facts (lock holder, expiry, file).
    """

    code: str
    message: str
    details: dict | None = None

    def encode(self) -> bytes:
        details = self.details or {}
        return encode_raw_json({"type": "notice", "code": self.code, "message": self.message, **details})


def decode_raw_json(message: bytes) -> dict:
    """Decode a server RAW JSON message (for clients: tests, benchmarks, tools)."""
    reader = _Reader(bytes(message))
    if reader.var_uint("message type") != MessageType.RAW:
        raise ProtocolError("not a RAW message")
    text = reader.var_string("raw message")
    reader.end("the raw message")
    try:
        payload = json.loads(text)
    except ValueError:
        raise ProtocolError("RAW message is not JSON") from None
    if not isinstance(payload, dict):
        raise ProtocolError("RAW message is not a JSON object")
    return payload
