"""File locks, with the semantics Reva gives them.

SetLock is atomic: of two concurrent callers one wins, the other gets Conflict (FAILED_PRECONDITION).
A lock lasts until its expiration, is refreshed or released only with its lock id, and makes the data
server refuse writes that do not carry that id (Locked). GetLock answers NOT_FOUND when there is no
lock (or it expired), which `get` returns as None.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from cs3.storage.provider.v1beta1 import provider_api_pb2 as provider

from meshcollab.cs3.errors import NotFound
from meshcollab.cs3.models import Lock, LockType
from meshcollab.cs3.references import Target, to_reference

if TYPE_CHECKING:
    from meshcollab.cs3.session import CS3Session

Expiration = timedelta | datetime | None


def _expiration_time(expiration: Expiration) -> datetime | None:
    if isinstance(expiration, timedelta):
        return datetime.now(timezone.utc) + expiration
    return expiration


class LockService:
    def __init__(self, session: CS3Session) -> None:
        self._session = session

    def _lock(self, lock_id: str, app_name: str, expiration: Expiration, lock_type: LockType) -> Lock:
        return Lock(
            lock_id=lock_id,
            type=lock_type,
            app_name=app_name or self._session.config.app_name,
            user=self._session.user.id,
            expiration=_expiration_time(expiration),
        )

    async def set(
        self,
        target: Target,
        lock_id: str,
        *,
        expiration: Expiration = None,
        app_name: str = "",
        lock_type: LockType = LockType.WRITE,
    ) -> Lock:
        """Take the lock, or raise Conflict if someone holds one. `expiration` is a duration or an
        instant (None: no expiration); `app_name` defaults to the configured app name."""
        reference = to_reference(target)
        lock = self._lock(lock_id, app_name, expiration, lock_type)
        request = provider.SetLockRequest(ref=reference.to_proto(), lock=lock.to_proto())
        await self._session.call("SetLock", request, resource=str(reference))
        return lock

    async def get(self, target: Target) -> Lock | None:
        """The lock on the resource, or None when there is none (or it expired). Reva answers a
        missing file with the same NOT_FOUND, so this is None for a missing file too."""
        reference = to_reference(target)
        try:
            response = await self._session.call(
                "GetLock", provider.GetLockRequest(ref=reference.to_proto()), resource=str(reference)
            )
        except NotFound:
            return None
        return Lock.from_proto(response.lock)

    async def refresh(
        self,
        target: Target,
        lock_id: str,
        *,
        expiration: Expiration = None,
        app_name: str = "",
        lock_type: LockType = LockType.WRITE,
        existing_lock_id: str = "",
    ) -> Lock:
        """Extend our lock (or replace `existing_lock_id` by `lock_id`); Conflict if the lock is not ours,
        NotFound if there is none any more."""
        reference = to_reference(target)
        lock = self._lock(lock_id, app_name, expiration, lock_type)
        request = provider.RefreshLockRequest(
            ref=reference.to_proto(), lock=lock.to_proto(), existing_lock_id=existing_lock_id
        )
        await self._session.call("RefreshLock", request, resource=str(reference))
        return lock

    async def unlock(self, target: Target, lock_id: str, *, app_name: str = "") -> None:
        """Release our lock; Conflict if the lock is not ours, NotFound if there is none."""
        reference = to_reference(target)
        lock = self._lock(lock_id, app_name, None, LockType.WRITE)
        request = provider.UnlockRequest(ref=reference.to_proto(), lock=lock.to_proto())
        await self._session.call("Unlock", request, resource=str(reference))
