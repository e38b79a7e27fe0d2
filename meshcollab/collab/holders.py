"""Who holds a lock that blocks a room, by name: the display name the gateway gives the holder,
asked once per lock (a room retries every few seconds while it is blocked), so that clients can say
"locked by Marie Curie (collabora) until 14:05" rather than a user id."""

from __future__ import annotations

from meshcollab.cs3 import CS3Error, CS3Session, UserId


class HolderNames:
    """The display name of the holder of the last lock asked about, by its lock id."""

    def __init__(self) -> None:
        self._last: tuple[str, str] | None = None  # (lock id, name)

    async def name(
        self, session: CS3Session, lock_id: str, *, user: UserId | None = None, username: str = ""
    ) -> str:
        """By the holder's user id (CS3 locks) or user name (advisory locks); "" if the gateway will
        not say (asked again next time)."""
        if self._last is not None and self._last[0] == lock_id:
            return self._last[1]
        try:
            if user is not None:
                found = await session.users.get(user)
            elif username:
                found = await session.users.get_by_claim("username", username)
            else:
                return ""
        except CS3Error:
            return ""
        name = found.display_name or found.username
        self._last = (lock_id, name)
        return name
