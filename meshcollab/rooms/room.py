"""A room: one Y document, the clients editing it, and the path of every change through it.

A change (from a client, or made on `room.doc` by the server) is committed by the document once,
stored durably, and only then encoded once and sent, as the same bytes, to every other client.
Changes that arrive while the room's previous ones are being stored are stored together next, as
one row. A client's change goes to the store as soon as it is applied, and the store's commit hands
it back to the loop, which sends it to everyone in that same turn: no task is woken on the way.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import anyio
from anyio.abc import TaskGroup, TaskStatus
from pycrdt import Doc, Subscription, TransactionEvent, merge_updates

from .awareness import RoomAwareness
from .connection import CloseCode, Connection, Transport
from .document_store import DocumentStore, DocumentStoreError
from .hooks import RoomHooks
from .protocol import (
    AwarenessUpdate,
    Notice,
    ProtocolError,
    SaveRequest,
    SaveStatus,
    SyncStep1,
    SyncUpdate,
    UnknownRawRequest,
    decode,
    encode_save_reply,
    encode_sync_step1,
    encode_sync_step2,
    encode_sync_update,
)

EMPTY_UPDATE = b"\x00\x00"

# A client may run this far ahead of the store before its messages wait for a commit: its burst
# of keystrokes is then stored by a few group commits instead of one commit each.
MAX_UNFLUSHED_UPDATES = 1000
MAX_UNFLUSHED_BYTES = 8 * 1024 * 1024

# A new client's sync step 2 (the whole document) at least this large is kept, while the document
# does not change, for the next client that joins: encoding it takes ~40 ms for a 20 MB notebook and
# ~1 ms for 1000 small cells (200 KB; 10% of a warm open, bench/ W3), and people tend to open a
# notebook together. Smaller documents encode in microseconds: not worth their memory.
KEEP_WHOLE_STATE_FROM = 128 * 1024
EMPTY_STATE_VECTOR = b"\x00"

MAX_UNDELIVERED = 16  # one-off notices kept for the next client while nobody is in the room

STORE_FAILED = "the server cannot store edits now; reconnect later"

READ_ONLY = Notice(
    "read-only",
    "You can view this document but not edit it: your changes are not saved and not shown to others.",
)


class RoomClosed(Exception):
    """The room is unloading; connect again (the registry does) to get it reloaded."""


class RoomLoadError(RuntimeError):
    """The room's content could not be loaded; it is not served."""


class SessionMismatch(Exception):
    """The client's document comes from another history of this room: merging it would duplicate content."""

    def __init__(self, room_id: str, session_id: str | None) -> None:
        super().__init__(f"room {room_id}: session {session_id!r} belongs to another history of the document")
        self.session_id = session_id


class Room:
    """Create it in async code and run it with `await tg.start(room.run)` (the registry does);
    that returns once the document is loaded.

    Without a store it is a transient room, like JupyterLab's `JupyterLab:globalAwareness`: it relays
    awareness and keeps its document in memory only; there is no history, hence no session check."""

    def __init__(
        self,
        room_id: str,
        store: DocumentStore | None,
        hooks: RoomHooks,
        *,
        close_delay: float,
        max_buffered_bytes: int,
        log: logging.Logger,
    ) -> None:
        self.id = room_id
        self.doc = Doc()
        self.history_id = ""  # set by loading; clients present it as their sessionId
        self.hooks = hooks
        self.log = log
        self._store = store
        self._close_delay = close_delay
        self._max_buffered_bytes = max_buffered_bytes
        self._members: tuple[Connection, ...] = ()
        self._has_clients = False  # as told to the hooks: flips under _membership_lock
        self._awareness = RoomAwareness()
        self._status: Notice | None = None
        self._undelivered: list[Notice] = []  # one-off notices sent while no client was present
        self._applying: tuple[Connection, bytes] | None = None
        self._unflushed: list[tuple[bytes, Connection | None]] = []  # committed, not yet handed to the store
        self._unflushed_bytes = 0
        self._in_flight: list[tuple[bytes, Connection | None]] | None = None  # being stored
        self._committed = 0  # changes the document committed so far
        self._whole_state: bytes | None = None  # sync step 2 for a new client, while the document is unchanged
        self._sent = 0  # of which stored and sent
        self._closing = False
        self._stop_requested = False
        self._failure: DocumentStoreError | None = None
        self._task_group: TaskGroup | None = None
        self._subscription: Subscription | None = None
        self.load_error: RoomLoadError | None = None
        self.loaded = anyio.Event()  # set when loading is over, successful or not (see load_error)
        self.closed = anyio.Event()
        self._changed = anyio.Event()
        self._membership_lock = anyio.Lock()
        self._dirty = anyio.Event()  # the server changed `doc`
        self._progress = anyio.Event()  # set (and renewed) when changes were sent, or the store failed

    @property
    def connections(self) -> tuple[Connection, ...]:
        return self._members

    @property
    def closing(self) -> bool:
        """The room is closing (or closed): a change made to `doc` now may not be stored."""
        return self._closing

    # lifecycle

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Load, serve until idle for `close_delay` (or `stop()`), then close."""
        try:
            try:
                await self._load()
            except Exception as error:
                self.load_error = RoomLoadError(f"room {self.id} could not be loaded: {error}")
                raise self.load_error from error
            finally:
                self.loaded.set()
            async with anyio.create_task_group() as self._task_group:
                self._task_group.start_soon(self._flush_server_changes)
                task_status.started()
                await self._serve_until_idle()
                await self._close()
                self._task_group.cancel_scope.cancel()
        finally:
            self._closing = True
            if self._subscription is not None:
                # The document holds the observer in Rust, out of sight of Python's garbage
                # collector: without this, every room ever loaded would stay in memory.
                self.doc.unobserve(self._subscription)
                self._subscription = None
            if self._store is not None:
                self._store.forget(self.id)
            self.closed.set()

    def stop(self) -> None:
        """Close the room now (clients are disconnected and reconnect to a fresh load)."""
        self._stop_requested = True
        self._signal()

    async def _load(self) -> None:
        stored = await self._store.load(self.id) if self._store is not None else None
        if stored is not None:
            self.history_id = stored.history_id
            if stored.update is not None:
                self.doc.apply_update(stored.update)
                self._keep_whole_state(stored.update)
        self._subscription = self.doc.observe(self._on_transaction)
        if stored is None:
            return
        if stored.update is None:
            await self.hooks.on_load(self)
            loaded = [update for update, _ in self._unflushed]
            # Stored before anyone syncs, so a later load finds this history, not the file again.
            self._flush()
            await self.flushed()
            if len(loaded) == self._committed == 1:  # the document is that one update: no need to encode it again
                self._keep_whole_state(loaded[0])

    async def _serve_until_idle(self) -> None:
        while not self._stop_requested:
            changed = self._changed
            if self._has_clients or self._members:
                await changed.wait()
                continue
            with anyio.move_on_after(self._close_delay) as idle:
                await changed.wait()
            if idle.cancelled_caught and not (self._has_clients or self._members):
                return

    async def _close(self) -> None:
        self._closing = True
        for connection in self._members:
            connection.close(CloseCode.GOING_AWAY, "the room closed; reconnect to continue")
        async with self._membership_lock:
            if self._has_clients:
                self._has_clients = False
                await self._call_hook("on_last_client", self.hooks.on_last_client)
        try:
            await self.flushed()
        except DocumentStoreError:
            return  # the hooks must not save a state that the store does not have
        await self._call_hook("on_close", self.hooks.on_close)
        if self._store is not None:
            try:
                await self._store.compact_tail(self.id)  # the next load reads one row
            except DocumentStoreError:
                pass  # the log stays as it is; it is compacted later

    def _signal(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()

    # clients

    async def connect(self, transport: Transport, *, read_only: bool, session_id: str | None) -> Connection:
        """Admit a client: it gets sync step 1, everyone's awareness and the room's status."""
        if self._store is not None and session_id != self.history_id:
            raise SessionMismatch(self.id, session_id)
        connection = Connection(
            transport, read_only=read_only, max_buffered_bytes=self._max_buffered_bytes, on_close=self._leave
        )
        async with self._membership_lock:
            if self._closing:
                raise RoomClosed(self.id)
            if not self._has_clients:
                self._has_clients = True
                await self._call_hook("on_first_client", self.hooks.on_first_client)
            self._members += (connection,)
        self._task_group.start_soon(connection.run_sender)
        connection.send(encode_sync_step1(self.doc.get_state()))
        for message in (self._awareness.snapshot(), self._status and self._status.encode()):
            if message:
                connection.send(message)
        undelivered, self._undelivered = self._undelivered, []
        for notice in undelivered:
            connection.send(notice.encode())
        self._signal()
        return connection

    async def receive(self, connection: Connection, message: bytes) -> None:
        """Handle one client message. The transport waits for it before reading the next message:
        that is the client's backpressure, applied when the room's unstored backlog is too large."""
        if connection.closed:
            return
        try:
            decoded = decode(message)
            if isinstance(decoded, SyncUpdate):
                await self._apply_client_update(connection, decoded.update)
            elif isinstance(decoded, SyncStep1):
                await self.flushed()  # never send what is not stored yet
                connection.send(self._sync_step2(decoded.state_vector))
            elif isinstance(decoded, AwarenessUpdate):
                # Relay the same bytes to everyone, the sender included: y-websocket clients count
                # that echo as a sign of life and reconnect after 30 s of silence.
                self._awareness.apply(decoded, connection)
                self._broadcast(message)
            elif isinstance(decoded, SaveRequest):
                self._task_group.start_soon(self._answer_save, connection, decoded.request_id)
            elif isinstance(decoded, UnknownRawRequest):
                self.log.debug("Room %s: ignoring unknown RAW request %r", self.id, decoded.name)
        except ProtocolError as error:
            connection.close(CloseCode.PROTOCOL_ERROR, str(error))
        except DocumentStoreError:
            pass  # the room is failing: every connection is being closed with the reason

    async def _apply_client_update(self, connection: Connection, update: bytes) -> None:
        if update == EMPTY_UPDATE:
            return  # a client with nothing new answers step 1 with this
        if connection.read_only:
            if not connection.told_read_only:
                connection.told_read_only = True
                connection.send(READ_ONLY.encode())
            return
        self._applying = (connection, update)
        try:
            self.doc.apply_update(update)
        except (ValueError, RuntimeError) as error:
            # ValueError: undecodable, nothing applied. RuntimeError: yrs integrated part of it and
            # committed that; the observer took the committed part like any change, so the document
            # and the store stay one history.
            raise ProtocolError(f"invalid Y update: {error}") from None
        finally:
            self._applying = None
            self._flush()
        if len(self._unflushed) >= MAX_UNFLUSHED_UPDATES or self._unflushed_bytes >= MAX_UNFLUSHED_BYTES:
            await self.flushed()

    def _sync_step2(self, state_vector: bytes) -> bytes:
        """What the client with `state_vector` lacks; a new client's is the whole document."""
        if state_vector != EMPTY_STATE_VECTOR:
            return encode_sync_step2(self._update_since(state_vector))
        if self._whole_state is None:
            whole = self._update_since(state_vector)
            if not self._keep_whole_state(whole):
                return encode_sync_step2(whole)
        return self._whole_state

    def _keep_whole_state(self, update: bytes) -> bool:
        """Keep a large update that is the whole document, as sync step 2, until the document changes."""
        if len(update) < KEEP_WHOLE_STATE_FROM:
            return False
        self._whole_state = encode_sync_step2(update)
        return True

    def _update_since(self, state_vector: bytes) -> bytes:
        try:
            return self.doc.get_update(state_vector)
        except ValueError as error:
            raise ProtocolError(f"invalid state vector: {error}") from None

    def _leave(self, connection: Connection) -> None:
        if connection not in self._members:
            return
        self._members = tuple(member for member in self._members if member is not connection)
        if connection.closed_with is not None:
            self.log.info("Room %s: disconnected a client (%s: %s)", self.id, *connection.closed_with)
        removal = self._awareness.remove_owner(connection)
        if removal:
            self._broadcast(removal)
        self._task_group.start_soon(self._after_leave)

    async def _after_leave(self) -> None:
        async with self._membership_lock:
            if self._has_clients and not self._members:
                self._has_clients = False
                await self._call_hook("on_last_client", self.hooks.on_last_client)
        self._signal()

    async def _answer_save(self, connection: Connection, request_id: int) -> None:
        status: SaveStatus = "failed"
        if connection.read_only:
            connection.send(READ_ONLY.encode())
        else:
            try:
                await self.flushed()
                status = await self.hooks.on_save_request(self)
            except Exception:
                self.log.exception("Room %s: saving failed", self.id)
        connection.send(encode_save_reply(request_id, status))

    # status shown to clients

    def set_status(self, notice: Notice) -> None:
        """A lasting state (e.g. "save-blocked": locked by X): sent now and to everyone who joins later."""
        self._status = notice
        self._broadcast(notice.encode())

    def notify(self, notice: Notice) -> None:
        """A one-off notice to the clients present; if none is, to the next client that joins (e.g.
        a conflict copy written while the room had no clients)."""
        if not self._members:
            self._undelivered = [*self._undelivered[-(MAX_UNDELIVERED - 1) :], notice]
            return
        self._broadcast(notice.encode())

    def _broadcast(self, message: bytes, skip: Connection | None = None) -> None:
        for connection in self._members:
            if connection is not skip:
                connection.send(message)

    # the path of a change: committed → stored → sent

    def _on_transaction(self, event: TransactionEvent) -> None:
        update = event.update
        if update == EMPTY_UPDATE:
            return
        # The sender already has its update, unless committing it released more (pending) content.
        origin = self._applying[0] if self._applying and self._applying[1] == update else None
        self._unflushed.append((update, origin))
        self._unflushed_bytes += len(update)
        self._committed += 1
        self._whole_state = None
        if self._applying is None:
            self._dirty.set()  # a change by the server: flushed from a task (a client's: right after it)

    async def flushed(self) -> None:
        """Wait until every change committed so far is stored and sent; raises if the store failed."""
        committed = self._committed
        while self._sent < committed and self._failure is None:
            await self._progress.wait()
        if self._failure is not None:
            raise self._failure

    async def _flush_server_changes(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty = anyio.Event()
            self._flush()

    def _flush(self) -> None:
        """Hand what the document committed to the store as one row, unless the room's previous row is
        still being stored (then it goes next)."""
        if self._in_flight is not None or not self._unflushed or self._failure is not None:
            return
        batch, self._unflushed, self._unflushed_bytes = self._unflushed, [], 0
        self._in_flight = batch
        if self._store is None:
            self._stored(None)
            return
        updates = [update for update, _ in batch]
        try:
            # One row per flush: fewer rows and bytes per keystroke, and the same history.
            row = merge_updates(*updates) if len(updates) > 1 else updates[0]
            self._store.append_soon(self.id, row, self._stored)
        except DocumentStoreError as error:
            self._stored(error)

    def _stored(self, error: DocumentStoreError | None) -> None:
        """The row of the flush in flight is committed (or could not be): send its changes, then flush
        what was committed meanwhile."""
        batch, self._in_flight = self._in_flight, None
        if error is not None:
            self._failed(error)
            return
        # Encoded only if someone is there (what loading put in is the whole document, for nobody).
        messages = [(encode_sync_update(update), origin) for update, origin in batch] if self._members else []
        for connection in self._members:
            theirs = [message for message, origin in messages if origin is not connection]
            if theirs:
                connection.send_all(theirs)
        self._sent += len(batch)
        self._progress.set()
        self._progress = anyio.Event()
        if self.loaded.is_set():  # not the content that loading put in
            try:
                self.hooks.on_change(self)
            except Exception:
                self.log.exception("Room %s: on_change hook failed", self.id)
        self._flush()

    def _failed(self, error: DocumentStoreError) -> None:
        self._failure = error  # what is in memory is not durable: this room instance must go
        self._progress.set()  # waiters learn of the failure
        if not self.loaded.is_set():
            return  # loading fails with it
        self.log.error("Room %s: %s; closing the room", self.id, error)
        for connection in self._members:
            connection.close(CloseCode.INTERNAL_ERROR, STORE_FAILED)
        self.stop()

    async def _call_hook(self, name: str, hook: Callable[[Room], Awaitable[None]]) -> None:
        try:
            await hook(self)
        except Exception:
            self.log.exception("Room %s: %s hook failed", self.id, name)
