"""One client in a room: what it may do, and the bytes on their way to it.

The room hands each outgoing message to every connection without waiting. A connection whose socket
keeps up writes it at once, in the same loop turn (a keystroke reaches 25 clients without 25 task
wake-ups); while the socket is backed up, messages wait in a queue that one sender per connection
drains. A client that does not keep up lets that queue grow past `max_buffered_bytes` and is
disconnected with a reason; on reconnect it resyncs (step 1/2). What the socket is still sending does
not count: a whole document larger than the limit (sync step 2) takes a while to leave, and what others
send meanwhile (a cursor, a keystroke) must not cut off the client that reads it.
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

    def send_now(self, messages: list[bytes]) -> bool:
        """Hand binary messages to the socket now, in order: True if they all left, False if some wait
        in the transport (then `wait_sent()`). Raise if the transport is closed."""

    async def wait_sent(self) -> None:
        """Return once everything written so far has left; raise if the transport closed meanwhile.
        Cancelling the wait must not disturb the transport."""

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
        self._queue: list[bytes] = []  # waiting for the transport to drain
        self._queued = 0  # bytes in the queue
        self._draining = False  # the transport holds bytes not yet sent: new messages queue behind them
        self._backed_up = anyio.Event()  # set when the transport keeps bytes: the sender waits for them

    def send(self, message: bytes) -> None:
        """Send a message (at once if the socket keeps up); disconnect the client instead if it is too
        far behind."""
        self.send_all([message])

    def send_all(self, messages: list[bytes]) -> None:
        """Send messages in order, in one write if the socket keeps up."""
        if self.closed:
            return
        # Judged on what already waits, so that one large message (a big paste, a whole document)
        # still goes to a client that keeps up.
        if self._queued >= self._max_buffered_bytes:
            self.close(
                CloseCode.TOO_SLOW,
                f"client too slow: more than {self._max_buffered_bytes} bytes waiting; reconnect to resync",
            )
            return
        if self._draining:  # behind what the socket is sending: the sender writes it in order
            self._queue += messages
            self._queued += sum(len(message) for message in messages)
            return
        try:
            sent = self.transport.send_now(messages)
        except Exception:  # noqa: BLE001 - whatever the socket raises, the client is gone
            self.close(CloseCode.GOING_AWAY, "connection lost")
            return
        if not sent:
            self._draining = True
            self._backed_up.set()

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
        self._backed_up.set()
        self._on_close(self)

    async def run_sender(self) -> None:
        """While the socket is backed up, wait for it and write what queued up meanwhile, in one write
        (one task per connection, idle while the socket keeps up)."""
        while not self.closed:
            await self._backed_up.wait()
            self._backed_up = anyio.Event()
            while self._draining and not self.closed:
                try:
                    await self.transport.wait_sent()
                    messages, self._queue, self._queued = self._queue, [], 0
                    self._draining = bool(messages) and not self.transport.send_now(messages)
                except Exception:  # noqa: BLE001 - whatever the socket raises, the client is gone
                    self.close(CloseCode.GOING_AWAY, "connection lost")
                    return
