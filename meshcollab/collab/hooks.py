"""The room hooks that tie a room to its file in CS3, and the service that runs them.

    files = RoomFiles(store, session=lambda: cs3_session, settings=CollabSettings(save_delay=1))
    async with files, RoomRegistry(store, files.hooks) as registry:
        ...

- on_load: the document store has nothing for the room: read the file (by resource id), fill the
  document (an invalid notebook fails the load with the reason: a room is never served empty in its
  place), and record its etag and content as the last snapshot, with the document's state.
- on_first_client: the room becomes active: a `LockLease` takes the lock (or reports who holds it)
  and a `SnapshotWriter` starts; both run in a task of `RoomFiles` until the room closes. The first
  client waits for them (a change made to the file while no room was active is merged before anyone
  sees the document) unless the file was just seen (`file_seen`, e.g. by the websocket's permission
  check) with the etag the room last wrote or read: then it syncs while the lock is taken.
- on_change: pokes the writer. on_save_request: saves now and answers the real outcome.
- on_close: the final snapshot, then the lock is released.

The CS3 session the hooks act with comes from `session()` at each use: today the server's one CS3
user; later the session of a user of the room who may write.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable

import anyio
from anyio.abc import TaskGroup, TaskStatus

from meshcollab.cs3 import CS3Session
from meshcollab.rooms import DocumentStore, Room, RoomHooks, SaveStatus
from meshcollab.rooms.service import Service

from . import content, status
from .lease import LeaseState, LockLease
from .outside_changes import read_file
from .record import RoomRecord
from .roomfile import RoomFile
from .settings import CollabSettings
from .snapshots import SaveOutcome, SnapshotWriter

SEEN_KEPT = 256  # etags of files just seen, for rooms about to get their first client
SEEN_FOR = 5.0  # seconds such an etag stands for the file as it is


class RoomFiles(Service):
    """Keeps the files of active rooms: one `Activation` (lease + snapshot writer) per active room.

    Use as `async with files:` or `await tg.start(files.start)` / `await files.stop()`; start it
    before the room registry and stop it after (stopping closes what is still active: final
    snapshots, then unlocks). `hooks` is the registry's hooks factory.
    """

    def __init__(
        self,
        store: DocumentStore,
        session: Callable[[], CS3Session],
        settings: CollabSettings | None = None,
        *,
        log: logging.Logger | None = None,
        session_for: Callable[[str], CS3Session] | None = None,
    ) -> None:
        self.store = store
        self.session = session
        self._session_for = session_for
        self.settings = settings or CollabSettings()
        self.log = log or logging.getLogger("meshcollab.collab")
        self._task_group: TaskGroup | None = None
        self._active: set[Activation] = set()
        self._seen: OrderedDict[str, tuple[str, float]] = OrderedDict()  # room id -> (etag of its file, when seen)

    def file_seen(self, room_id: str, etag: str) -> None:
        """The room's file has this etag now (a Stat made for a client about to join)."""
        self._seen.pop(room_id, None)
        self._seen[room_id] = (etag, anyio.current_time())
        while len(self._seen) > SEEN_KEPT:
            self._seen.popitem(last=False)

    async def unchanged(self, room_id: str) -> bool:
        """Whether the file was just seen as the room last wrote or read it (then nothing is to merge)."""
        etag, when = self._seen.pop(room_id, ("", 0.0))
        if not etag or anyio.current_time() - when > SEEN_FOR:
            return False
        return etag == await RoomRecord(self.store, room_id).etag()

    def hooks(self, room_id: str) -> CS3RoomHooks:
        return CS3RoomHooks(room_id, self)

    def session_of(self, room_id: str) -> Callable[[], CS3Session]:
        """What a room's file is read and written with: `session_for(room_id)` when given (the session
        of a user of that room who may write), else `session()`."""
        if self._session_for is None:
            return self.session
        return lambda: self._session_for(room_id)

    async def start(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        async with anyio.create_task_group() as self._task_group:
            # nbformat compiles its validator on first use: not while the first room loads.
            self._task_group.start_soon(anyio.to_thread.run_sync, content.prepare)
            task_status.started()
            await anyio.sleep_forever()

    async def stop(self) -> None:
        if self._task_group is None:
            return
        for activation in list(self._active):
            await activation.close()
        self._task_group.cancel_scope.cancel()
        self._task_group = None

    def activate(self, room: Room, hooks: CS3RoomHooks) -> Activation:
        """Start the room's activation in the background (`started` says when its writer runs)."""
        if self._task_group is None:
            raise RuntimeError("RoomFiles is not running")
        activation = Activation(room, hooks.file, self)
        self._active.add(activation)
        self._task_group.start_soon(activation.start)
        return activation

    def deactivated(self, activation: Activation) -> None:
        self._active.discard(activation)


class Activation:
    """A room's time as active: its lease and its snapshot writer, from the first client to closing."""

    def __init__(self, room: Room, file: RoomFile, files: RoomFiles) -> None:
        self.room = room
        self.file = file
        self._files = files
        self.record = RoomRecord(files.store, room.id)
        self.lease: LockLease | None = None
        self.writer: SnapshotWriter | None = None
        self.failure: Exception | None = None
        self._closing = anyio.Event()
        self.started = anyio.Event()  # the writer runs, or the activation failed (see `failure`)
        self.done = anyio.Event()

    async def start(self) -> None:
        files, log = self._files, self._files.log
        try:
            previous = await self.record.lock_id()
            session = files.session_of(self.room.id)
            lease = LockLease(
                self.file.resource_id,
                session,
                files.settings,
                log=log,
                on_change=self._lease_changed,
                previous_lock_id=previous,
            )
            # Recorded before locking: a crash leaves a lock that the next activation can take over.
            await self.record.set_lock_id(lease.lock_id)
            self.lease = lease
            async with lease:
                writer = SnapshotWriter(
                    self.room.doc,
                    self.file,
                    lease,
                    session,
                    files.settings,
                    self.record,
                    log=log,
                    report=self.room.set_status,
                    notify=self.room.notify,
                    flushed=self.room.flushed,  # an outside change merged in is stored before it counts
                )
                async with writer:
                    self.writer = writer
                    self._lease_changed(lease)
                    self.started.set()
                    await self._closing.wait()
                    outcome = await writer.final()
                    if outcome not in (SaveOutcome.SAVED, SaveOutcome.UNCHANGED, SaveOutcome.CONFLICT_COPY):
                        log.warning(
                            "Room %s closed with its last changes not in CS3 (%s, lock %s); they are kept in "
                            "the document store and saved when the room is next active",
                            self.room.id,
                            outcome.value,
                            lease.state.value,
                        )
        except Exception as error:  # a room's trouble must not stop the other rooms' files
            self.failure = error
            log.exception("Room %s: keeping its file in CS3 failed", self.room.id)
            self.room.set_status(status.unreachable(str(error)))
        finally:
            self.started.set()
            self.done.set()
            files.deactivated(self)

    async def close(self) -> None:
        """Final snapshot, then unlock; returns when both are done."""
        self._closing.set()
        await self.done.wait()

    def _lease_changed(self, lease: LockLease) -> None:
        notice = {
            LeaseState.BLOCKED: lambda: status.locked(lease.holder),
            LeaseState.LOST: lambda: status.lock_lost(lease.holder),
            LeaseState.READ_ONLY: lambda: status.read_only(lease.error),
            LeaseState.NOT_FOUND: lambda: status.not_found(lease.error),
            LeaseState.UNREACHABLE: lambda: status.unreachable(lease.error),
            LeaseState.HELD: lambda: self.writer.status_notice() if self.writer else None,
        }.get(lease.state, lambda: None)()
        if notice is not None:
            self.room.set_status(notice)


class CS3RoomHooks(RoomHooks):
    """The hooks of one room whose id names a CS3 file (`json:notebook:<fileId>`, `text:file:<fileId>`)."""

    def __init__(self, room_id: str, files: RoomFiles) -> None:
        self.file = RoomFile.parse(room_id)
        self._files = files
        self.activation: Activation | None = None
        self._unsaved = False  # changes made while no activation ran

    async def on_load(self, room: Room) -> None:
        resource, data = await read_file(self._files.session_of(room.id)(), self.file)
        await content.load(room.doc, self.file, data, described=resource.path or str(self.file.resource_id))
        # The last snapshot is the file as read, and it holds the document's state now: a room whose
        # document stays in that state never rewrites the file (nor makes a snapshot to know).
        await RoomRecord(self._files.store, room.id).snapshot_written(
            resource.etag, data, content.state_of(room.doc)
        )

    async def on_first_client(self, room: Room) -> None:
        if self.activation is None or self.activation.done.is_set():
            self._unsaved = False  # a writer saves what the file lacks when it starts
            self.activation = self._files.activate(room, self)
            if not await self._files.unchanged(room.id):
                await self.activation.started.wait()  # a change made outside is merged first

    def on_change(self, room: Room) -> None:
        writer = self.activation.writer if self.activation is not None else None
        if writer is not None:
            writer.poke()
        else:
            self._unsaved = True

    async def on_save_request(self, room: Room) -> SaveStatus:
        if self.activation is None:
            return "failed"
        await self.activation.started.wait()
        writer = self.activation.writer
        if writer is None:
            return "failed"
        return (await writer.save()).save_status

    async def on_close(self, room: Room) -> None:
        if self.activation is None and self._unsaved:
            # Changed with no client (e.g. by the server): take the lock just to write them.
            self.activation = self._files.activate(room, self)
        if self.activation is not None:
            await self.activation.close()
