"""Who is in each room, as which CS3 user, and whether they may still be there.

The room websocket registers every connection with the CS3 session of its user and the access CS3
gave it. From that:

- `session_for(room_id)`: the CS3 session the room's file is read and written with (locks, snapshots):
  a connected user who may write, else the last such user the room had, else a connected reader (reads
  work; a lock or a write is then refused, and the room says it cannot save), else the server's own
  user (single-user mode), else the last member at all (a revoked one: CS3 refuses, the lock expires).
  Writes are never made as someone CS3 does not let write.
- `recheck()`: each connection's permissions are asked of CS3 again (a Stat as that user). A revoked
  one is closed with a reason (4403), a downgraded one becomes read-only and is told so. The sharing
  API calls it after every change it makes; a loop calls it every `check_interval` seconds for changes
  made elsewhere (another CS3 client, an expiry).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio
from anyio.abc import TaskGroup, TaskStatus

from meshcollab.cs3 import CS3Error, CS3Session, NotFound, PermissionDenied, ResourceId, Unauthenticated
from meshcollab.rooms import Connection, Notice
from meshcollab.rooms.service import Service

ACCESS_REVOKED = 4403  # close code: the user may no longer open the document
SIGNED_OUT = 4401  # close code: the sign-in the connection was opened with ended (logout)
LAST_WRITERS_KEPT = 4096
CONCURRENT_CHECKS = 16

DOWNGRADED = Notice(
    "read-only",
    "Your permission on this document changed: you can still view it, but your edits are no longer "
    "saved nor shown to others.",
    {"reason": "permissions-changed"},
)


@dataclass(eq=False)
class Member:
    """One connection of a room, as the CS3 user it acts for."""

    room_id: str
    resource_id: ResourceId
    session: CS3Session
    may_write: bool
    connection: Connection | None = None
    room: object | None = field(default=None, repr=False)

    @property
    def present(self) -> bool:
        return self.connection is None or not self.connection.closed


class RoomMembers(Service):
    """Use as `async with members:` or `await tg.start(members.start)`; `stop()` ends the checks."""

    def __init__(
        self,
        *,
        fallback: Callable[[], CS3Session | None] = lambda: None,
        check_interval: float = 60.0,
        log: logging.Logger | None = None,
    ) -> None:
        self.check_interval = check_interval
        self._fallback = fallback
        self.log = log or logging.getLogger("meshcollab.auth")
        self._rooms: dict[str, list[Member]] = {}
        self._last_writers: OrderedDict[str, CS3Session] = OrderedDict()
        self._last_members: OrderedDict[str, CS3Session] = OrderedDict()
        self._task_group: TaskGroup | None = None
        self._limiter = anyio.CapacityLimiter(CONCURRENT_CHECKS)

    # --- membership ------------------------------------------------------------------------------

    def joining(self, room_id: str, resource_id: ResourceId, session: CS3Session, may_write: bool) -> Member:
        """A client is being admitted (the room may load with its session); then `joined` or `left`."""
        member = Member(room_id, resource_id, session, may_write)
        self._rooms.setdefault(room_id, []).append(member)
        _remember(self._last_members, room_id, session)
        if may_write:
            _remember(self._last_writers, room_id, session)
        return member

    def joined(self, member: Member, connection: Connection, room: object) -> None:
        member.connection, member.room = connection, room
        if member.may_write:
            _wake_read_only_lease(room)  # the room may have found no one to lock its file as

    def left(self, member: Member) -> None:
        members = self._rooms.get(member.room_id)
        if members is None:
            return
        members[:] = [other for other in members if other is not member]
        if not members:
            del self._rooms[member.room_id]

    def signed_out(self, session: CS3Session) -> None:
        """A sign-in ended: its connections close at once. It stays the room's last writer, so that
        the edits it made are still saved."""
        for member in self.members():
            if member.session is session and member.connection is not None and member.present:
                member.connection.close(SIGNED_OUT, "you signed out: sign in again to go on")
                self.left(member)

    def members(self, room_id: str | None = None) -> list[Member]:
        if room_id is not None:
            return list(self._rooms.get(room_id, ()))
        return [member for members in self._rooms.values() for member in members]

    def session_for(self, room_id: str) -> CS3Session:
        """The CS3 session to read and write the room's file with (see the module doc)."""
        present = [member for member in self._rooms.get(room_id, ()) if member.present]
        for member in present:
            if member.may_write:
                _remember(self._last_writers, room_id, member.session)
                return member.session
        if room_id in self._last_writers:
            return self._last_writers[room_id]
        if present:
            return present[-1].session
        fallback = self._fallback()
        if fallback is not None:
            return fallback
        if room_id in self._last_members:
            # Whoever was last here, even if their access ended since: CS3 refuses what they may not
            # do (the room then says it cannot save), and the lock still gets released or expires.
            return self._last_members[room_id]
        raise RuntimeError(f"room {room_id}: no signed-in user to read or write its file as")

    # --- permission checks -----------------------------------------------------------------------

    async def start(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        async with anyio.create_task_group() as self._task_group:
            task_status.started()
            while self.check_interval > 0:
                await anyio.sleep(self.check_interval)
                try:
                    await self.recheck()
                except Exception:  # one failed round must not end the checks
                    self.log.exception("Re-checking the permissions of room members failed")
            await anyio.sleep_forever()

    async def stop(self) -> None:
        if self._task_group is not None:
            self._task_group.cancel_scope.cancel()
            self._task_group = None

    async def recheck(self, room_id: str | None = None) -> None:
        """Ask CS3 again what every member (of one room, or of all) may do, and apply it at once."""
        async with anyio.create_task_group() as checks:
            for member in self.members(room_id):
                if member.connection is not None and member.present:
                    checks.start_soon(self._recheck, member)

    async def _recheck(self, member: Member) -> None:
        async with self._limiter:
            try:
                resource = await member.session.files.stat(member.resource_id)
            except (NotFound, PermissionDenied, Unauthenticated) as error:
                self._revoke(member, error)
                return
            except CS3Error as error:
                self.log.info("Could not re-check access to room %s: %s", member.room_id, error)
                return
        granted = resource.permissions
        may_write = granted.can_write if granted.granted else True
        if member.may_write and not may_write:
            self._downgrade(member)

    def _revoke(self, member: Member, error: CS3Error) -> None:
        self.log.info("Room %s: closing a connection of %s: %s", member.room_id, member.session.user.username, error)
        self._forget_writer(member)
        reason = "your access to this document ended (share revoked or expired, or signed out)"
        if isinstance(error, Unauthenticated):
            reason = "your sign-in expired: sign in again to go on"
        member.connection.close(ACCESS_REVOKED, reason)
        self.left(member)

    def _downgrade(self, member: Member) -> None:
        self.log.info("Room %s: %s may no longer write", member.room_id, member.session.user.username)
        member.may_write = False
        self._forget_writer(member)
        connection = member.connection
        connection.read_only = True
        connection.told_read_only = True
        connection.send(DOWNGRADED.encode())

    def _forget_writer(self, member: Member) -> None:
        if self._last_writers.get(member.room_id) is member.session:
            del self._last_writers[member.room_id]


def _remember(sessions: OrderedDict[str, CS3Session], room_id: str, session: CS3Session) -> None:
    sessions.pop(room_id, None)
    sessions[room_id] = session
    while len(sessions) > LAST_WRITERS_KEPT:
        sessions.popitem(last=False)


def _wake_read_only_lease(room: object) -> None:
    """A room whose lease found only readers (read-only) tries to lock again now that a writer is in."""
    from meshcollab.collab import LeaseState

    activation = getattr(getattr(room, "hooks", None), "activation", None)
    lease = getattr(activation, "lease", None)
    if lease is not None and lease.state is LeaseState.READ_ONLY:
        lease.lost()
