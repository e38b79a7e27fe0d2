"""The lock a room holds on its file while it is active: taken, refreshed, released; or, when another
application holds it, watched until it goes.

One lease per room activation, with a lock id of its own (a uuid). The file is locked with a CS3 lock
(type WRITE, app name "meshcollab", expiration now + `lock_ttl`) and refreshed at a third of the TTL
by a task the lease owns. A server that dies leaves a lock that expires by itself; the next activation
of the same room (which knows the old lock id from the document store) takes it over at once.

Storage without locks (Reva's local driver answers SetLock with INTERNAL or UNIMPLEMENTED) gets an
advisory lock instead: the file's arbitrary metadata key `meshcollab.lock` holds JSON
`{"lock_id", "app", "user", "expires"}` (expires: ISO 8601 UTC). It is honoured like a CS3 lock by
meshcollab (someone else's unexpired advisory lock blocks the room), but nothing forces other
applications to, and reading then setting it is not atomic; the etag check of every snapshot still
keeps a change made outside the room from being overwritten.
"""

from __future__ import annotations

import enum
import json
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import anyio
from anyio.abc import TaskStatus

from meshcollab.cs3 import (
    Conflict,
    CS3Error,
    CS3Session,
    Lock,
    NotFound,
    PermissionDenied,
    ResourceId,
    ServerError,
    Unsupported,
)
from meshcollab.rooms.service import Service

from . import status
from .holders import HolderNames
from .settings import CollabSettings
from .status import LockHolder

ADVISORY_KEY = "meshcollab.lock"
RELEASE_TIMEOUT = 15.0  # seconds a release may take when the room closes; the lock expires anyway


class LeaseState(enum.Enum):
    ACQUIRING = "acquiring"
    HELD = "held"  # the room may write
    BLOCKED = "blocked"  # another application holds the lock; retrying
    LOST = "lost"  # the room's lock was lost or taken while it was active; retrying
    READ_ONLY = "read-only"  # the user may not lock (so not write) the file
    NOT_FOUND = "not-found"  # the file is gone
    UNREACHABLE = "unreachable"  # the storage did not answer; retrying
    RELEASED = "released"


class LockLease(Service):
    """Use as `async with LockLease(...) as lease:` (leaving releases the lock) or
    `await tg.start(lease.start)` and later `await lease.release()`.

    The first attempt to lock is made before it counts as started, so `state` is known from then on.
    `on_change(lease)` is called (synchronously) at every change of `state`, `holder` or `error`.
    """

    def __init__(
        self,
        target: ResourceId,
        session: Callable[[], CS3Session],
        settings: CollabSettings,
        *,
        log: logging.Logger,
        on_change: Callable[[LockLease], None] = lambda lease: None,
        previous_lock_id: str | None = None,
    ) -> None:
        self.target = target
        self.lock_id = f"meshcollab-{uuid.uuid4()}"
        self.state = LeaseState.ACQUIRING
        self.holder: LockHolder | None = None  # who blocks the room, when BLOCKED or LOST
        self.error = ""  # what failed, when READ_ONLY, NOT_FOUND or UNREACHABLE
        self.advisory = settings.lock_kind == "advisory"
        self.expires: datetime | None = None  # of the room's lock, while held
        self._session = session
        self._settings = settings
        self._log = log
        self._on_change = on_change
        self._previous_lock_id = previous_lock_id
        self._ever_held = False
        self._holder_names = HolderNames()
        self._changed = anyio.Event()
        self._wake = anyio.Event()
        self._scope: anyio.CancelScope | None = None
        self._stopped = anyio.Event()

    @property
    def held(self) -> bool:
        return self.state is LeaseState.HELD

    @property
    def write_lock_id(self) -> str:
        """The lock id a write must carry ("" for an advisory lock, which the storage does not know)."""
        return "" if self.advisory else self.lock_id

    async def wait_changed(self) -> None:
        """Return at the next change of state."""
        await self._changed.wait()

    def lost(self) -> None:
        """A write was refused for a lock the room does not hold: check the lock now."""
        if self.held:
            self._set(LeaseState.LOST)
        self._wake.set()

    # lifecycle

    async def stop(self) -> None:
        await self.release()

    async def start(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        try:
            with anyio.CancelScope() as self._scope:
                await self._attempt()
                task_status.started()
                while True:
                    interval = self._settings.refresh_interval if self.held else self._settings.retry_interval
                    with anyio.move_on_after(interval):
                        await self._wake.wait()
                    self._wake = anyio.Event()
                    await self._attempt()
        finally:
            self._stopped.set()

    async def release(self) -> None:
        """Stop refreshing and unlock (if the room holds the lock). Call after the final snapshot."""
        if self._scope is not None:
            self._scope.cancel()
            await self._stopped.wait()
        if self.state in (LeaseState.HELD, LeaseState.UNREACHABLE) and self._ever_held:
            with anyio.CancelScope(shield=True), anyio.move_on_after(RELEASE_TIMEOUT):
                try:
                    if self.advisory:
                        await self._release_advisory(self._session())
                    else:
                        await self._session().locks.unlock(
                            self.target, self.lock_id, app_name=self._settings.app_name
                        )
                except (NotFound, Conflict):
                    pass  # expired, or no longer ours
                except CS3Error as error:
                    self._log.warning(
                        "Could not unlock %s (%s); the lock expires by itself at %s",
                        self.target,
                        error,
                        self.expires,
                    )
        self._set(LeaseState.RELEASED)

    # taking and keeping the lock

    async def _attempt(self) -> None:
        session = self._session()
        try:
            if self.advisory:
                await self._take_advisory(session)
            elif self.held:
                await self._refresh(session)
            else:
                await self._take(session)
        except PermissionDenied as error:
            self._set(LeaseState.READ_ONLY, error=str(error))
        except NotFound as error:
            self._set(LeaseState.NOT_FOUND, error=str(error))
        except CS3Error as error:
            self._log.warning("Lock of %s: %s", self.target, error)
            self._set(LeaseState.UNREACHABLE, error=str(error))

    def _expiration(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self._settings.lock_ttl)

    async def _take(self, session: CS3Session) -> None:
        expires = self._expiration()
        try:
            await session.locks.set(
                self.target, self.lock_id, expiration=expires, app_name=self._settings.app_name
            )
        except (Unsupported, ServerError) as error:
            if self._settings.lock_kind != "auto" or self._ever_held:
                raise  # a storage that locked before has locks: this failure is passing
            self._log.warning("Storage of %s has no locks (%s): using an advisory lock", self.target, error)
            self.advisory = True  # the room's status says so (see status.saved)
            await self._take_advisory(session)
            return
        except Conflict:
            lock = await session.locks.get(self.target)
            if lock is None:  # it went in between: try again at once
                self._wake.set()
                return
            if (
                lock.lock_id not in (self.lock_id, self._previous_lock_id)
                or lock.app_name != self._settings.app_name
            ):
                name = await self._holder_names.name(session, lock.lock_id, user=lock.user)
                self._set_blocked(_holder_of(lock, name))
                return
            # Ours: taken by a call whose answer was lost, or left by this room's previous activation.
            await session.locks.refresh(
                self.target,
                self.lock_id,
                expiration=expires,
                app_name=self._settings.app_name,
                existing_lock_id=lock.lock_id,
            )
        self._set_held(expires)

    async def _refresh(self, session: CS3Session) -> None:
        expires = self._expiration()
        try:
            await session.locks.refresh(
                self.target, self.lock_id, expiration=expires, app_name=self._settings.app_name
            )
        except (Conflict, NotFound) as error:
            self._log.warning("Lock of %s was lost (%s); taking it again", self.target, error)
            self._set(LeaseState.LOST)
            await self._take(session)
            return
        self._set_held(expires)

    def _set_blocked(self, holder: LockHolder) -> None:
        self._set(LeaseState.LOST if self._ever_held else LeaseState.BLOCKED, holder=holder)

    def _set_held(self, expires: datetime) -> None:
        self.expires = expires
        self._ever_held = True
        self._set(LeaseState.HELD)

    def _set(self, state: LeaseState, *, holder: LockHolder | None = None, error: str = "") -> None:
        if (state, holder, error) == (self.state, self.holder, self.error):
            return
        self.state, self.holder, self.error = state, holder, error
        self._changed.set()
        self._changed = anyio.Event()
        self._on_change(self)

    # advisory locks in the file's metadata

    async def _read_advisory(self, session: CS3Session) -> dict | None:
        resource = await session.files.stat(self.target, metadata_keys=[ADVISORY_KEY])
        try:
            value = json.loads(resource.metadata.get(ADVISORY_KEY) or "null")
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    async def _take_advisory(self, session: CS3Session) -> None:
        current = await self._read_advisory(session)
        if current is not None and current.get("lock_id") not in (self.lock_id, self._previous_lock_id):
            expires = _parse_time(current.get("expires"))
            if expires is None or expires > datetime.now(UTC):
                user = str(current.get("user", ""))
                name = await self._holder_names.name(session, str(current.get("lock_id")), username=user)
                app = str(current.get("app", ""))
                self._set_blocked(LockHolder(app, user, expires, advisory=True, name=name))
                return
        expires = self._expiration()
        value = {
            "lock_id": self.lock_id,
            "app": self._settings.app_name,
            "user": session.user.username,
            "expires": status.iso(expires),
        }
        await session.files.set_metadata(self.target, {ADVISORY_KEY: json.dumps(value)})
        # Setting is not atomic: whoever wrote last holds it.
        current = await self._read_advisory(session)
        if current is None or current.get("lock_id") != self.lock_id:
            self._wake.set()
            return
        self._set_held(expires)

    async def _release_advisory(self, session: CS3Session) -> None:
        current = await self._read_advisory(session)
        if current is not None and current.get("lock_id") == self.lock_id:
            await session.files.unset_metadata(self.target, [ADVISORY_KEY])


def _holder_of(lock: Lock, name: str = "") -> LockHolder:
    return LockHolder(lock.app_name, lock.user.opaque_id if lock.user else "", lock.expiration, name=name)


def _parse_time(text: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
