"""The loaded rooms, by room id: loaded on first use, unloaded after their last client leaves.

A document room's id is `{format}:{type}:{fileId}`, the file id encoding a CS3 resource id (the
extension makes it; here it is only a key). A room that unloads and loads again, in this process or
after a restart, reads its Y history back from the document store, so it is the same document to
every client that knew it.

sessionId: the room's history id, which the store keeps with the room. The session endpoint returns
it; JupyterLab sends it back when it (re)connects. It does not change when the server restarts or the
room unloads, so a client that edited offline reconnects and merges its edits through the CRDT. It
changes only with the history itself (e.g. the data directory was lost): such a client's document
would duplicate content if merged, so it is closed with 1003 and JupyterLab offers to reload.
"""

from __future__ import annotations

from collections.abc import Callable

import anyio
from anyio.abc import TaskGroup, TaskStatus
from traitlets import Float, Int
from traitlets.config import LoggingConfigurable

from .connection import Connection, Transport
from .document_store import DocumentStore
from .hooks import RoomHooks
from .memory import map_large_blocks, return_free_memory
from .room import Room, RoomClosed
from .service import Service


def is_document_room(room_id: str) -> bool:
    """`format:type:fileId` names a document; anything else (e.g. `JupyterLab:globalAwareness`) is a
    transient room: awareness only, nothing stored (the rule of jupyter-collaboration)."""
    return room_id.count(":") >= 2


class RoomRegistry(Service, LoggingConfigurable):
    """Use as `async with registry:` or `await tg.start(registry.start)`; stopping closes every room."""

    room_close_delay = Float(
        60.0,
        help="Seconds a room stays loaded after its last client leaves, in case someone comes back; "
        "then its close hook runs (final snapshot, unlock) and it unloads.",
    ).tag(config=True)
    max_message_size = Int(
        128 * 1024 * 1024,
        help="Largest websocket message a client may send, in bytes; a larger one closes that "
        "connection (1009, message too big) and nothing else.",
    ).tag(config=True)
    max_buffered_bytes = Int(
        16 * 1024 * 1024,
        help="Bytes allowed to wait for one client behind what its socket is still sending; a client "
        "further behind is disconnected (1013) and resyncs when it reconnects. A larger single message "
        "(a whole document) still goes to a client that reads it.",
    ).tag(config=True)

    def __init__(
        self,
        store: DocumentStore,
        hooks_factory: Callable[[str], RoomHooks] = lambda room_id: RoomHooks(),
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.store = store
        self._hooks_factory = hooks_factory
        self._rooms: dict[str, Room] = {}
        self._task_group: TaskGroup | None = None

    async def start(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        map_large_blocks()
        async with anyio.create_task_group() as self._task_group:
            task_status.started()
            await anyio.sleep_forever()

    async def stop(self) -> None:
        """Close every room (hooks run, changes are stored), then stop."""
        if self._task_group is None:
            return
        rooms = list(self._rooms.values())
        for room in rooms:
            room.stop()
        for room in rooms:
            await room.closed.wait()
        self._task_group.cancel_scope.cancel()
        self._task_group = None

    async def session_id(self, room_id: str) -> str:
        """What the session endpoint returns as `sessionId` for this document room (see the module doc)."""
        return await self.store.history_id(room_id)

    def get(self, room_id: str) -> Room | None:
        """The room if it is loaded now."""
        room = self._rooms.get(room_id)
        return room if room is not None and room.loaded.is_set() and not room.closed.is_set() else None

    async def room(self, room_id: str) -> Room:
        """The loaded room, loading it first if needed (raises `RoomLoadError`)."""
        room = self._rooms.get(room_id)
        if room is None:
            if self._task_group is None:
                raise RuntimeError("the room registry is not running")
            document = is_document_room(room_id)
            room = self._rooms[room_id] = Room(
                room_id,
                self.store if document else None,
                self._hooks_factory(room_id) if document else RoomHooks(),
                close_delay=self.room_close_delay,
                max_buffered_bytes=self.max_buffered_bytes,
                log=self.log,
            )
            self._task_group.start_soon(self._host, room)
        await room.loaded.wait()
        if room.load_error is not None:
            raise room.load_error
        return room

    async def connect(
        self, room_id: str, transport: Transport, *, read_only: bool, session_id: str | None
    ) -> tuple[Room, Connection]:
        """Admit a client into the room; raises `SessionMismatch` or `RoomLoadError`."""
        while True:
            room = await self.room(room_id)
            try:
                return room, await room.connect(transport, read_only=read_only, session_id=session_id)
            except RoomClosed:
                await room.closed.wait()  # then load it again

    async def _host(self, room: Room) -> None:
        try:
            await room.run()
        except Exception:
            self.log.exception("Room %s failed", room.id)
        finally:
            if self._rooms.get(room.id) is room:
                del self._rooms[room.id]
            del room
            await return_free_memory()
