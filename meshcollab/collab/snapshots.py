"""Debounced snapshots of a room's document into its file in CS3.

A change pokes the writer (`poke`, cheap: the room's hot path). The writer waits until no change came
for `save_delay`, but never longer than `save_max_delay` after the first unsaved change, so a burst
of typing is one write and continuous typing still saves every `save_max_delay` seconds. A snapshot
is valid nbformat 4 (validated first; an invalid state is reported and not written) or UTF-8 text,
and is skipped when it equals the last one written.

Every write carries the lease's lock id and `if_match` = the etag the room last wrote or read. If the
file changed outside the room (at activation, or a write refused by `if_match`), nothing is
overwritten: a notebook is merged three ways into the room (outside_changes.py) and the merged state
is then written over the outside version. What cannot be merged is kept as a conflict copy next to
the file (`nb.<user>.<stamp>.conflict.ipynb`) and the clients are told:

- the file is not a valid notebook (or is a text file changed outside the room): the room's state
  goes to the copy, and its later snapshots too, until the file changes again (then it is merged);
- the file is gone: the room's state goes to the copy;
- another application holds the lock when the room closes: the edits would otherwise live only in
  the document store, so the room's state is written to a copy too (the clients of the room's next
  activation are told; the file is saved as usual once the lock goes).

While the lease does not hold the lock nothing is written to the file; the pending snapshot is
written as soon as it does.
"""

from __future__ import annotations

import enum
import hashlib
import logging
from collections.abc import Awaitable, Callable
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
from .lease import LeaseState, LockLease
from .outside_changes import base_notebook, read_outside_version
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
MERGE_ATTEMPTS = 3  # outside changes merged in a row before the room's state goes to a conflict copy

# Why a conflict copy was written (`reason` in cs3.conflict and in the notices).
CHANGED_OUTSIDE = "changed-outside"  # a text file changed outside the room (text is not merged)
INVALID_FILE = "invalid-file"  # the file is not a valid notebook: nothing to merge with
FILE_GONE = "file-gone"
LOCKED_AT_CLOSE = "locked"  # another application held the lock when the room closed


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
        flushed: Callable[[], Awaitable[None]] | None = None,
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
        self._flushed = flushed  # the room's `flushed`: waits until its changes are stored
        self.merges = 0  # outside changes merged into the room by this writer
        self.etag: str | None = None  # of the file as the room last wrote or read it
        # The file's last snapshot (cs3.snapshot) is read from the record when needed (a merge base),
        # not kept: a large notebook's room would hold its file twice. What is kept: its digest, read
        # when a snapshot first needs comparing, and the document's state it holds, if known.
        self._last_digest: bytes | None = None
        self.snapshot_state: bytes | None = None
        self._taken: bytes | None = None  # the document's state when the snapshot being written was made
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
                self.etag = await self._record.etag()
                self.snapshot_state = await self._record.snapshot_state()
                try:
                    session = self._session()
                    self._resource = await session.files.stat(self._file.resource_id)
                    await self._resume_conflict_copy(session)
                    if (
                        self._file.is_notebook
                        and self.conflict_copy is None
                        and self.etag is not None
                        and self._resource.etag != self.etag
                    ):
                        await self._merge_at_activation(session)
                except CS3Error as error:
                    self._log.info(
                        "Snapshot writer of %s: cannot stat the file yet: %s", self._file.room_id, error
                    )
                # Edits that never reached the file (the room closed while locked, the server died
                # within the debounce) are saved now; an unchanged room skips the write.
                self.poke()
                task_status.started()
                await self._save_continuously()
        finally:
            self._stopped.set()

    async def _look_for_outside_change(self) -> None:
        """An idle room has no snapshot to be refused: it looks at the file's etag now and then (as
        often as the lock is refreshed), so a change made outside reaches its clients anyway."""
        if not self._file.is_notebook or self.conflict_copy is not None or self.etag is None:
            return
        try:
            session = self._session()
            current = await session.files.stat(self._file.resource_id)
        except Exception as error:  # noqa: BLE001 - the next save reports what is wrong
            self._log.debug("Snapshot writer of %s: no stat: %s", self._file.room_id, error)
            return
        if current.etag != self.etag:
            await self._merge_at_activation(session)

    async def _merge_at_activation(self, session: CS3Session) -> None:
        """The file changed while no room was active (or while it was idle): merged, before the first
        client syncs (a text file is not merged: its next snapshot finds the change and writes a
        conflict copy)."""
        async with self._write_lock:
            with anyio.CancelScope(shield=True):
                try:
                    if (await session.files.stat(self._file.resource_id)).etag == self.etag:
                        return  # the room wrote it meanwhile
                    if await self._take_outside_change(session) is None:
                        self.poke()  # the merged state is saved over the outside version
                except (CS3Error, content.InvalidContent) as error:
                    self._log.warning("Outside change of %s not merged yet: %s", self._file.room_id, error)

    async def stop(self) -> None:
        """Stop debouncing (a write in progress finishes); nothing more is written."""
        if self._scope is not None:
            self._scope.cancel()
            await self._stopped.wait()

    async def final(self) -> SaveOutcome:
        """The closing snapshot: stop debouncing, then write what is not written yet (if the lease
        allows; otherwise every edit stays in the document store for the next activation)."""
        await self.stop()
        outcome = await self.save()
        if outcome is SaveOutcome.BLOCKED and self._lease.state in (LeaseState.BLOCKED, LeaseState.LOST):
            # Another application holds the lock and the room closes: its edits would live only in
            # the document store. They are written next to the file as well.
            outcome = await self._copy_at_close()
        return outcome

    async def _save_continuously(self) -> None:
        while True:
            while not self._pending:
                self._wake = anyio.Event()
                with anyio.move_on_after(self._settings.refresh_interval) as idle:
                    await self._wake.wait()
                if idle.cancelled_caught:
                    await self._look_for_outside_change()
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
            return status.changed_outside(self.conflict_copy.path, self._conflict.get("reason", CHANGED_OUTSIDE))
        return status.saved(self.saved_at, self.etag, self._lease.advisory)

    async def save(self) -> SaveOutcome:
        """Write the room's state now (unless unchanged); the outcome says what happened."""
        async with self._write_lock:
            self._pending = False  # changes from now on are for the next snapshot
            outcome = self.last_outcome = await self._save()
            if outcome in (SaveOutcome.SAVED, SaveOutcome.UNCHANGED) and not self._pending:
                self._mark_saved()
            if outcome in RETRIED and not self._pending:
                self._pending = True  # since _first_change: no new debounce for the retry
                self._wake.set()
            return outcome

    def _mark_saved(self) -> None:
        """JupyterLab's unsaved marker goes (`content.mark_saved`). When nothing but that flag changed
        since the snapshot, the snapshot still holds the document: its state moves along, so that no
        snapshot is made again just to find that out."""
        before = content.state_of(self._doc)
        if content.mark_saved(self._doc, self._file) and before == self.snapshot_state:
            self.snapshot_state = content.state_of(self._doc)

    async def _save(self) -> SaveOutcome:
        state = content.state_of(self._doc)
        if self.conflict_copy is None and state == self.snapshot_state:
            # Nothing changed since the file was written or read: no snapshot to make (it takes
            # seconds and hundreds of MB for a large notebook) to find that out.
            if self._lease.held:
                self._report(self.status_notice())
            return SaveOutcome.UNCHANGED
        try:
            snapshot = await content.snapshot(self._doc, self._file)
        except content.InvalidContent as error:
            self._report(status.invalid_notebook(str(error)))
            return SaveOutcome.INVALID
        self._taken = state
        same = snapshot == self._copy_snapshot if self.conflict_copy is not None else await self._is_last(snapshot)
        if same:
            if self.conflict_copy is None:
                self.snapshot_state = state  # the same content again (e.g. an edit undone)
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

    async def _last_snapshot(self) -> bytes | None:
        return (await self._record.last_snapshot())[1]

    async def _is_last(self, snapshot: bytes) -> bool:
        """Whether `snapshot` is the file's last snapshot (its digest is read once, when first needed)."""
        if self._last_digest is None:
            last = await self._last_snapshot()
            if last is None:
                return False
            self._last_digest = await _digest(last)
        return await _digest(snapshot) == self._last_digest

    async def _write(self, snapshot: bytes) -> SaveOutcome:
        session = self._session()
        try:
            if self.conflict_copy is not None:
                if not await self._file_changed_since_copy(session):
                    return await self._write_copy(session, snapshot)
                # The file changed since it could not be merged (e.g. it is a notebook again).
                return await self._merge_then_write(session, snapshot)
            return await self._write_file(session, snapshot)
        except PermissionDenied as error:
            self._report(status.read_only(str(error)))
        except CS3Error as error:
            self._log.warning("Snapshot of %s not written: %s", self._file.room_id, error)
            self._report(status.unreachable(str(error)))
        return SaveOutcome.FAILED

    async def _write_file(self, session: CS3Session, snapshot: bytes, merges_left: int = MERGE_ATTEMPTS) -> SaveOutcome:
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
        except NotFound as error:
            self._log.warning("File of %s is gone: %s", self._file.room_id, error)
            return await self._keep_both(session, snapshot, FILE_GONE)
        except Conflict as error:
            # The etag moved: someone changed the file outside the room.
            self._log.warning("File of %s changed outside the room: %s", self._file.room_id, error)
            if merges_left <= 0 or not self._file.is_notebook:
                return await self._keep_both(session, snapshot, CHANGED_OUTSIDE)
            return await self._merge_then_write(session, snapshot, merges_left - 1)
        self.etag, self._resource = resource.etag, resource
        self._last_digest, self.snapshot_state = await _digest(snapshot), self._taken
        self.saved_at = datetime.now(UTC)
        self.writes += 1
        await self._record.snapshot_written(resource.etag, snapshot, self._taken)
        self._report(self.status_notice())
        return SaveOutcome.SAVED

    async def _merge_then_write(
        self, session: CS3Session, snapshot: bytes, merges_left: int = MERGE_ATTEMPTS
    ) -> SaveOutcome:
        """Merge the outside version into the room, then write the merged state over it."""
        not_merged = await self._take_outside_change(session)
        if not_merged is not None:
            return not_merged
        self._taken = content.state_of(self._doc)
        try:
            snapshot = await content.snapshot(self._doc, self._file)
        except content.InvalidContent as error:
            self._report(status.invalid_notebook(str(error)))
            return SaveOutcome.INVALID
        if await self._is_last(snapshot):
            self._report(self.status_notice())
            return SaveOutcome.UNCHANGED  # the file holds the merged state already
        return await self._write_file(session, snapshot, merges_left)

    async def _take_outside_change(self, session: CS3Session) -> SaveOutcome | None:
        """Merge the file's outside version into the room (None), or, when it cannot be merged,
        write the room's state to a conflict copy (the outcome says so)."""
        from meshcollab.recovery import merge_into_room, merged

        try:
            outside = await read_outside_version(session, self._file)
        except NotFound:
            return await self._keep_both(session, await content.snapshot(self._doc, self._file), FILE_GONE)
        if outside.notebook is None:
            self._log.warning("File of %s cannot be merged: %s", self._file.room_id, outside.error)
            snapshot = await content.snapshot(self._doc, self._file)
            return await self._keep_both(session, snapshot, INVALID_FILE, error=outside.error)
        try:
            result = await merge_into_room(
                self._doc,
                base_notebook(await self._last_snapshot()),
                outside.notebook,
                theirs_label=f"{outside.resource.name} in CS3",
                ours_label="this room",
            )
        except Exception as error:  # noqa: BLE001 - a merge bug must not lose the room's state
            self._log.exception("Merging the outside change of %s failed", self._file.room_id)
            snapshot = await content.snapshot(self._doc, self._file)
            return await self._keep_both(session, snapshot, CHANGED_OUTSIDE, error=f"merge failed: {error}")
        if self._flushed is not None:
            await self._flushed()  # the merge is durable before its base moves on
        self.etag, self._resource = outside.resource.etag, outside.resource
        self._last_digest = await _digest(outside.data)
        self.snapshot_state = None  # their version is not a state of the room's document
        await self._record.snapshot_written(outside.resource.etag, outside.data)
        if self.conflict_copy is not None:
            self.conflict_copy, self._copy_snapshot, self._conflict = None, None, {}
            await self._record.set_conflict(None)
        self.merges += 1
        conflicts = result.conflicts_json()
        self._log.info(
            "Merged an outside change of %s into the room (%d conflicts)", self._file.room_id, len(conflicts)
        )
        if result.changed or conflicts:  # a file merely touched (same content) is not news
            self._notify(
                merged(
                    "outside",
                    conflicts,
                    file=outside.resource.path,
                    file_etag=outside.resource.etag,
                    changed=result.changed,
                )
            )
        return None

    async def _copy_at_close(self) -> SaveOutcome:
        try:
            snapshot = await content.snapshot(self._doc, self._file)
        except content.InvalidContent:
            return SaveOutcome.BLOCKED  # kept in the document store; reported while the room ran
        with anyio.CancelScope(shield=True):
            try:
                return await self._keep_both(self._session(), snapshot, LOCKED_AT_CLOSE, told=False)
            except CS3Error as error:
                self._log.warning("Conflict copy of %s not written: %s", self._file.room_id, error)
                return SaveOutcome.BLOCKED

    async def _file_changed_since_copy(self, session: CS3Session) -> bool:
        if not self._file.is_notebook or self._conflict.get("reason") not in (INVALID_FILE, FILE_GONE):
            return False
        try:
            current = await session.files.stat(self._file.resource_id)
        except NotFound:
            return False
        return current.etag != self._conflict.get("file_etag")

    async def _keep_both(
        self, session: CS3Session, snapshot: bytes, reason: str, *, error: str = "", told: bool = True
    ) -> SaveOutcome:
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
            "file": known.path,
            "file_etag": outside.etag if outside else None,
            "at": status.iso(datetime.now(UTC)),
            "reason": reason,
            "error": error,
            "told": told,
        }
        # What the copy forked from, for a later merge of the copy into the room (the merge API).
        self._conflict["base_etag"] = self.etag
        await self._record.set_fork_base(copy.id.encode(), await self._last_snapshot())
        await self._copy_written(copy, snapshot)
        self._notify(status.conflict_copy(copy.path, known.path, outside.etag if outside else None, reason, error))
        if reason != LOCKED_AT_CLOSE:
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
            return await self._keep_both(
                session, snapshot, self._conflict.get("reason", CHANGED_OUTSIDE), error=self._conflict.get("error", "")
            )
        await self._copy_written(resource, snapshot)
        self._report(self.status_notice())
        return SaveOutcome.CONFLICT_COPY

    async def _copy_written(self, copy: Resource, snapshot: bytes) -> None:
        self.conflict_copy, self._copy_snapshot = copy, snapshot
        self.writes += 1
        self._conflict["copy_etag"] = copy.etag
        await self._record.set_conflict(self._conflict)

    async def _resume_conflict_copy(self, session: CS3Session) -> None:
        """A previous activation wrote a conflict copy: tell this activation's clients if nobody was
        there to be told (the room closed while locked), and go on writing to the copy while neither
        the file nor the copy changed since, if the file could not be merged then."""
        conflict = await self._record.conflict()
        if not conflict:
            return
        if not conflict.get("told", True):
            # Nobody was in the room: the next client to join gets it (rooms queue one-off notices).
            self._notify(
                status.conflict_copy(
                    conflict["copy"],
                    conflict.get("file", ""),
                    conflict.get("file_etag"),
                    conflict.get("reason", LOCKED_AT_CLOSE),
                    conflict.get("error", ""),
                )
            )
            conflict["told"] = True
            await self._record.set_conflict(conflict)
        if conflict.get("reason", CHANGED_OUTSIDE) == LOCKED_AT_CLOSE:
            return  # the file is saved as usual once the lock goes; the copy was a safety net
        if self._resource is None or self._resource.etag != conflict.get("file_etag"):
            return
        try:
            copy = await session.files.stat(ResourceId.decode(conflict["copy_id"]))
        except (CS3Error, KeyError):
            return
        if copy.etag == conflict.get("copy_etag"):
            self.conflict_copy, self._conflict = copy, conflict


async def _digest(data: bytes) -> bytes:
    # hashlib lets go of the GIL on large data: a worker thread keeps the loop free meanwhile.
    return await anyio.to_thread.run_sync(lambda: hashlib.sha256(data).digest())


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
