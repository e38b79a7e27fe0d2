"""Debounced snapshots of a room's document into its file in CS3.

A change pokes the writer (`poke`, cheap: the room's hot path). The writer waits until no change came
for `save_delay`, but never longer than `save_max_delay` after the first unsaved change, so a burst
of typing is one write and continuous typing still saves every `save_max_delay` seconds. A snapshot
is valid nbformat 4 (validated first; an invalid state is reported and not written) or UTF-8 text,
and is skipped when it equals the last one written.

Every write carries the lease's lock id and `if_match` = the etag the room last wrote or read. If the
file changed outside the room, the write is refused and nothing is overwritten: the room's state is
written as a conflict copy next to the file (`nb.<user>.<stamp>.conflict.ipynb`), the clients are
told, and the room's later snapshots go to that copy (the file keeps the other version) until the
merge of out-of-band changes takes over. While the lease does not hold the lock nothing is written;
the pending snapshot is written as soon as it does.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import anyio
from anyio.abc import TaskStatus
from pycrdt import Doc

from meshcollab.cs3 import (
    AlreadyExists,
    Conflict,
    CS3Error,
    CS3Session,
    Locked,
    NotFound,
    PermissionDenied,
    Reference,
    Resource,
    ResourceId,
)
from meshcollab.rooms import Notice
from meshcollab.rooms.service import Service

from . import content, status
from .lease import LockLease
from .record import RoomRecord
from .roomfile import RoomFile, conflict_copy_name
from .settings import CollabSettings


class SaveOutcome(enum.Enum):
    SAVED = "saved"  # the file holds the room's state
    UNCHANGED = "unchanged"  # it did already
    BLOCKED = "blocked"  # the room does not hold the lock (see the lease); retried when it does
    INVALID = "invalid"  # the room's notebook is not valid; not written
    CONFLICT_COPY = "conflict-copy"  # the file changed outside the room; the state went to a conflict copy
    FAILED = "failed"  # the storage refused or did not answer; retried

    @property
    def save_status(self) -> str:
        """The answer to a client's save request."""
        return {SaveOutcome.SAVED: "success", SaveOutcome.UNCHANGED: "skipped"}.get(self, "failed")


RETRIED = (SaveOutcome.BLOCKED, SaveOutcome.FAILED)


class SnapshotWriter(Service):
    """Use as `async with SnapshotWriter(...) as writer:` or `await tg.start(writer.start)`; call
    `await writer.final()` for the closing snapshot (it also stops the debouncing task).

    `report` sets the room's status, `notify` sends a one-off notice (see status.py)."""

    def __init__(
        self,
        doc: Doc,
        file: RoomFile,
        lease: LockLease,
        session: Callable[[], CS3Session],
        settings: CollabSettings,
        record: RoomRecord,
        *,
        log: logging.Logger,
        report: Callable[[Notice], None] = lambda notice: None,
        notify: Callable[[Notice], None] = lambda notice: None,
    ) -> None:
        self._doc = doc
        self._file = file
        self._lease = lease
        self._session = session
        self._settings = settings
        self._record = record
        self._log = log
        self._report = report
        self._notify = notify
        self.etag: str | None = None  # of the file as the room last wrote or read it
        self.last_snapshot: bytes | None = None
        self.saved_at: datetime | None = None
        self.writes = 0  # snapshots written to CS3 by this writer
        self.last_outcome: SaveOutcome | None = None  # of the latest save attempt
        self.conflict_copy: Resource | None = None  # where the room's snapshots go after a conflict
        self._copy_snapshot: bytes | None = None
        self._conflict: dict = {}  # as kept in the record (cs3.conflict)
        self._resource: Resource | None = None  # the file as last seen: its name and folder
        self._pending = False  # changes not written yet
        self._wake = anyio.Event()  # set when something becomes pending
        self._first_change = self._last_change = 0.0
        self._write_lock = anyio.Lock()
        self._scope: anyio.CancelScope | None = None
        self._stopped = anyio.Event()

    # the hot path

    def poke(self) -> None:
        """The document changed: save within the debounce bounds."""
        now = anyio.current_time()
        if not self._pending:
            self._first_change = now
            self._pending = True
            self._wake.set()
        self._last_change = now

    # lifecycle

    async def start(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        try:
            with anyio.CancelScope() as self._scope:
                self.etag, self.last_snapshot = await self._record.last_snapshot()
                try:
                    self._resource = await self._session().files.stat(self._file.resource_id)
                    await self._resume_conflict_copy(self._session())
                except CS3Error as error:
                    self._log.info(
                        "Snapshot writer of %s: cannot stat the file yet: %s", self._file.room_id, error
                    )
                task_status.started()
                await self._save_continuously()
        finally:
            self._stopped.set()

    async def stop(self) -> None:
        """Stop debouncing (a write in progress finishes); nothing more is written."""
        if self._scope is not None:
            self._scope.cancel()
            await self._stopped.wait()

    async def final(self) -> SaveOutcome:
        """The closing snapshot: stop debouncing, then write what is not written yet (if the lease
        allows; otherwise every edit stays in the document store for the next activation)."""
        await self.stop()
        return await self.save()

    async def _save_continuously(self) -> None:
        while True:
            while not self._pending:
                self._wake = anyio.Event()
                await self._wake.wait()
            await self._debounce()
            try:
                outcome = await self.save()
            except Exception:  # noqa: BLE001 - a bug must not stop this room's saves for good
                self._log.exception("Snapshot of %s failed", self._file.room_id)
                outcome = SaveOutcome.FAILED
                self._pending = True
            if outcome in RETRIED:
                # Still pending; try again when the lease changes (e.g. the lock is free again).
                with anyio.move_on_after(self._settings.retry_interval):
                    await self._lease.wait_changed()

    async def _debounce(self) -> None:
        while True:
            deadline = min(
                self._last_change + self._settings.save_delay,
                self._first_change + self._settings.save_max_delay,
            )
            remaining = deadline - anyio.current_time()
            if remaining <= 0:
                return
            await anyio.sleep(remaining)

    # writing

    def status_notice(self) -> Notice:
        """What the room's status is while the lease holds the lock."""
        if self.conflict_copy is not None:
            return status.changed_outside(self.conflict_copy.path)
        return status.saved(self.saved_at, self.etag, self._lease.advisory)

    async def save(self) -> SaveOutcome:
        """Write the room's state now (unless unchanged); the outcome says what happened."""
        async with self._write_lock:
            self._pending = False  # changes from now on are for the next snapshot
            outcome = self.last_outcome = await self._save()
            if outcome in RETRIED and not self._pending:
                self._pending = True  # since _first_change: no new debounce for the retry
                self._wake.set()
            return outcome

    async def _save(self) -> SaveOutcome:
        try:
            snapshot = await content.snapshot(self._doc, self._file)
        except content.InvalidContent as error:
            self._report(status.invalid_notebook(str(error)))
            return SaveOutcome.INVALID
        if snapshot == (self.last_snapshot if self.conflict_copy is None else self._copy_snapshot):
            if self._lease.held:
                self._report(self.status_notice())  # e.g. back to a valid state that was saved
            return SaveOutcome.UNCHANGED
        if not self._lease.held:
            return SaveOutcome.BLOCKED  # the lease tells the room why
        self._report(status.saving())
        # A write once started is finished (within the adapter's deadlines), even when the
        # writer is being stopped: the closing snapshot then knows what landed.
        with anyio.CancelScope(shield=True):
            return await self._write(snapshot)

    async def _write(self, snapshot: bytes) -> SaveOutcome:
        session = self._session()
        try:
            if self.conflict_copy is not None:
                return await self._write_copy(session, snapshot)
            return await self._write_file(session, snapshot)
        except PermissionDenied as error:
            self._report(status.read_only(str(error)))
        except CS3Error as error:
            self._log.warning("Snapshot of %s not written: %s", self._file.room_id, error)
            self._report(status.unreachable(str(error)))
        return SaveOutcome.FAILED

    async def _write_file(self, session: CS3Session, snapshot: bytes) -> SaveOutcome:
        try:
            resource = await session.files.write(
                self._file.resource_id,
                snapshot,
                lock_id=self._lease.write_lock_id,
                lock_holder=self._settings.app_name,
                if_match=self.etag,
            )
        except Locked as error:
            self._log.warning("Snapshot of %s refused: %s", self._file.room_id, error)
            self._lease.lost()
            return SaveOutcome.BLOCKED
        except (Conflict, NotFound) as error:
            # The etag moved (or the file went): someone changed it outside the room.
            self._log.warning("File of %s changed outside the room: %s", self._file.room_id, error)
            return await self._keep_both(session, snapshot)
        self.etag, self.last_snapshot, self._resource = resource.etag, snapshot, resource
        self.saved_at = datetime.now(UTC)
        self.writes += 1
        await self._record.snapshot_written(resource.etag, snapshot)
        self._report(self.status_notice())
        return SaveOutcome.SAVED

    async def _keep_both(self, session: CS3Session, snapshot: bytes) -> SaveOutcome:
        """The other version stays the file; the room's state is written as a conflict copy."""
        try:
            outside: Resource | None = await session.files.stat(self._file.resource_id)
        except NotFound:
            outside = None
        known = outside or self._resource
        if known is None:
            raise NotFound("the file is gone and its folder unknown", operation="conflict copy")
        name = conflict_copy_name(known.name, session.user.username)
        try:
            if known.parent_id is None:
                raise NotFound("the file's folder is unknown", operation="conflict copy")
            copy = await self._create(session, Reference.child(known.parent_id, name), snapshot)
        except (PermissionDenied, NotFound):
            # A file shared alone: its folder is not the user's to write; their home is.
            copy = await self._create(session, f"{await session.home()}/{name}", snapshot)
        self._conflict = {
            "copy": copy.path,
            "copy_id": copy.id.encode(),
            "file_etag": outside.etag if outside else None,
            "at": status.iso(datetime.now(UTC)),
        }
        await self._copy_written(copy, snapshot)
        self._notify(status.conflict_copy(copy.path, known.path, outside.etag if outside else None))
        self._report(self.status_notice())
        return SaveOutcome.CONFLICT_COPY

    async def _create(self, session: CS3Session, target, snapshot: bytes) -> Resource:
        try:
            return await session.files.write(target, snapshot, if_not_exists=True)
        except AlreadyExists:  # the same second, twice: add a counter
            for attempt in range(2, 100):
                again = _numbered(target, attempt)
                try:
                    return await session.files.write(again, snapshot, if_not_exists=True)
                except AlreadyExists:
                    continue
            raise

    async def _write_copy(self, session: CS3Session, snapshot: bytes) -> SaveOutcome:
        copy = self.conflict_copy
        try:
            resource = await session.files.write(copy.id, snapshot, if_match=copy.etag)
        except (Conflict, NotFound):
            # Someone changed (or removed) the copy too: keep theirs, and write a new copy.
            return await self._keep_both(session, snapshot)
        await self._copy_written(resource, snapshot)
        self._report(self.status_notice())
        return SaveOutcome.CONFLICT_COPY

    async def _copy_written(self, copy: Resource, snapshot: bytes) -> None:
        self.conflict_copy, self._copy_snapshot = copy, snapshot
        self.writes += 1
        self._conflict["copy_etag"] = copy.etag
        await self._record.set_conflict(self._conflict)

    async def _resume_conflict_copy(self, session: CS3Session) -> None:
        """A previous activation forked to a conflict copy: go on writing there as long as neither the
        file nor the copy changed since (nothing was merged yet); otherwise the next write decides."""
        conflict = await self._record.conflict()
        if not conflict or self._resource is None or self._resource.etag != conflict.get("file_etag"):
            return
        try:
            copy = await session.files.stat(ResourceId.decode(conflict["copy_id"]))
        except (CS3Error, KeyError):
            return
        if copy.etag == conflict.get("copy_etag"):
            self.conflict_copy, self._conflict = copy, conflict


def _numbered(target, attempt: int):
    """`x.conflict.ipynb` → `x.conflict-2.ipynb`, for a path or a child reference."""
    path = target.path if isinstance(target, Reference) else target
    stem, _, extension = path.rpartition(".conflict")
    numbered = f"{stem}.conflict-{attempt}{extension}"
    return (
        Reference(resource_id=target.resource_id, path=numbered)
        if isinstance(target, Reference)
        else numbered
    )
