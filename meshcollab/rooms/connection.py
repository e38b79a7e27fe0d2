"""One client in a room: what it may do, and a bounded queue of bytes on their way to it.

The room puts each outgoing message into every connection's queue without waiting; one sender per
connection drains its queue into the transport. A client that does not keep up lets its queue grow
past `max_buffered_bytes` and is disconnected with a reason; on reconnect it resyncs (step 1/2).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Protocol

import anyio


class CloseCode(IntEnum):
    GOING_AWAY = 1001  # the room closed or the server stops; the client reconnects
    PROTOCOL_ERROR = 1002  # malformed message
    SESSION_EXPIRED = 1003  # JupyterLab shows "Session expired" and offers to reload
    MESSAGE_TOO_BIG = 1009
    INTERNAL_ERROR = 1011
    TOO_SLOW = 1013  # "try again later": the client fell behind
    ROOM_LOAD_FAILED = 4500  # JupyterLab: "Internal server error when loading <path>"


class Transport(Protocol):
    """What a connection needs from a websocket (tornado's handler, or any other)."""

    async def send_all(self, messages: list[bytes]) -> None:
        """Send binary messages, in order, and return once they have left; raise if the transport
        is closed. Cancelling the wait must not disturb the transport."""

    def close(self, code: int, reason: str) -> None: ...


MAX_REASON_BYTES = 123  # what a websocket close frame can carry


class Connection:
    def __init__(
        self,
        transport: Transport,
        *,
        read_only: bool,
        max_buffered_bytes: int,
        on_close: Callable[[Connection], None],
    ) -> None:
        self.transport = transport
        self.read_only = read_only
        self.told_read_only = False
        self.closed = False
        self.closed_with: tuple[int, str] | None = None  # when the server closed it: code and reason
        self._max_buffered_bytes = max_buffered_bytes
        self._on_close = on_close
        self._queue: list[bytes] = []
        self._buffered = 0  # bytes queued or handed to the transport and not yet flushed
        self._queued = anyio.Event()

    def send(self, message: bytes) -> None:
        """Queue a message; disconnect the client instead if it is too far behind."""
        if self.closed:
            return
        # Judged on what already waits, so that one large message (a big paste, a whole document)
        # still goes to a client that keeps up.
        if self._buffered >= self._max_buffered_bytes:
            self.close(
                CloseCode.TOO_SLOW,
                f"client too slow: more than {self._max_buffered_bytes} bytes waiting; reconnect to resync",
            )
            return
        self._queue.append(message)
        self._buffered += len(message)
        self._queued.set()

    def close(self, code: int, reason: str) -> None:
        """Close with a reason the client can show; idempotent."""
        if self.closed:
            return
        encoded = reason.encode()
        if len(encoded) > MAX_REASON_BYTES:
            reason = encoded[: MAX_REASON_BYTES - 3].decode(errors="ignore") + "..."
        self.closed_with = (code, reason)
        self.transport.close(code, reason)
        self.lost()

    def lost(self) -> None:
        """The transport is gone (the client closed, or we did): stop sending, leave the room."""
        if self.closed:
            return
        self.closed = True
        self._queued.set()
        self._on_close(self)

    async def run_sender(self) -> None:
        """Drain the queue into the transport until the connection closes (one task per connection).
        Whatever queued up meanwhile goes out in one write: a busy room sends in batches."""
        while not self.closed:
            if not self._queue:
                await self._queued.wait()
                self._queued = anyio.Event()
                continue
            messages, self._queue = self._queue, []
            try:
                await self.transport.send_all(messages)
            except Exception:
                self.close(CloseCode.GOING_AWAY, "connection lost")
                return
            self._buffered -= sum(len(message) for message in messages)
