"""What a room tells its clients about saving to CS3, as RAW JSON notices (`rooms.protocol.Notice`).

Every notice is `{"type": "notice", "code": ..., "message": ...}` plus the fields below; `message`
is a sentence for people, the other fields are for the frontend. Times are ISO 8601 in UTC.

The room's status (`room.set_status`: sent now and to every client who joins later), one of:

- `{"code": "saving"}`: a snapshot is being written.
- `{"code": "saved", "saved_at": "2026-11-28T10:02:03Z" | null, "etag": "...", "lock": "cs3" | "advisory"}`:
  the file in CS3 holds the room's state as of `saved_at` (null: as the room found it; not written yet).
  `"lock": "advisory"` (and the message) says that the storage has no file locks: the room marks the
  file with an advisory lock in its metadata (key `meshcollab.lock`), which only cooperating
  applications respect.
- `{"code": "save-blocked", "reason": R, "edits_kept": true, ...}`: the room cannot save to the file
  now; every edit stays in the room and is saved once the cause goes. `reason`:
  - `"locked"`: another application holds the file's lock. `holder`: `{"app": "...", "user": "...",
    "expires": "...Z" | null, "advisory": bool, "name": "Marie Curie" | null}` (`user`: the holder's
    user id, or user name for an advisory lock; `name`: their display name, when the gateway gives
    it). The room retries and resumes saving by itself.
  - `"lock-lost"`: the room's own lock was lost or taken while it was open (same `holder` when known).
  - `"read-only"`: the user the server acts as may not write this file.
  - `"not-found"`: the file is gone from CS3 (deleted, or no longer shared).
  - `"unreachable"`: the storage does not answer; `error` says what failed. The room retries.
  - `"invalid-notebook"`: the room's notebook is not valid nbformat 4 (`error` says where); the
    next valid state is saved.
  - `"changed-outside"` (a text file changed outside the room), `"invalid-file"` (the file in CS3 is
    not a valid notebook, `error` says why), `"file-gone"`: the file could not be merged with and was
    not overwritten: the room's state went to `conflict_copy` (a path) and the room keeps saving there
    until the file changes again (a notebook is then merged). A notebook changed outside the room is
    merged into it instead (see the `merged` notice of `meshcollab.recovery.notices`).

One-off notices (`room.notify`):

- `{"code": "conflict-copy", "path": "/.../nb.einstein.2026-11-28_10_02_03.conflict.ipynb",
  "file": "/.../nb.ipynb", "file_etag": "...", "reason": R, "error": "..."}`: the room's state was
  written as that copy, because (`reason`) the file could not be merged with (`"invalid-file"`,
  `"changed-outside"` for text, `"file-gone"`), or another application held the lock when the room
  closed (`"locked"`; told to the next clients of the room: nobody was there).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from meshcollab.rooms import Notice


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class LockHolder:
    """Who holds a lock that is not the room's: the application, the user (id; `name` is their
    display name when known), until when."""

    app: str
    user: str
    expires: datetime | None
    advisory: bool = False
    name: str = ""

    def describe(self) -> str:
        who = self.app or "another application"
        user = f" ({self.name})" if self.name else f" (user {self.user})" if self.user else ""
        until = f" until {iso(self.expires)}" if self.expires else ""
        return f"{who}{user}{until}"

    def to_json(self) -> dict:
        return {
            "app": self.app,
            "user": self.user,
            "expires": iso(self.expires),
            "advisory": self.advisory,
            "name": self.name or None,
        }


def saving() -> Notice:
    return Notice("saving", "Saving to CS3…")


ADVISORY = (
    " This storage has no file locks: the room marks the file with an advisory lock that only cooperating"
    " applications respect."
)


def saved(at: datetime | None, etag: str | None, advisory: bool) -> Notice:
    """`saved_at` is null when the room has not written yet: the file is as the room found it."""
    message = f"Saved to CS3 at {iso(at)}." if at else "The file in CS3 is up to date."
    return Notice(
        "saved",
        message + (ADVISORY if advisory else ""),
        {"saved_at": iso(at), "etag": etag, "lock": "advisory" if advisory else "cs3"},
    )


_KEPT = "Your edits are kept in the room and will be saved when this is resolved."


def blocked(reason: str, message: str, **details) -> Notice:
    return Notice(
        "save-blocked",
        f"Cannot save to CS3: {message}. {_KEPT}",
        {"reason": reason, "edits_kept": True, **details},
    )


def locked(holder: LockHolder) -> Notice:
    return blocked("locked", f"the file is locked by {holder.describe()}", holder=holder.to_json())


def lock_lost(holder: LockHolder | None) -> Notice:
    taken = f": it is now held by {holder.describe()}" if holder else ""
    return blocked(
        "lock-lost",
        f"this room lost its lock on the file{taken}",
        holder=holder.to_json() if holder else None,
    )


def read_only(error: str) -> Notice:
    return blocked("read-only", "you may not write this file", error=error)


def not_found(error: str) -> Notice:
    return blocked(
        "not-found", "the file no longer exists in CS3 (deleted, moved out of reach or unshared)", error=error
    )


def unreachable(error: str) -> Notice:
    return blocked("unreachable", "the storage does not answer; retrying", error=error)


def invalid_notebook(error: str) -> Notice:
    return blocked("invalid-notebook", f"the notebook is not valid ({error})", error=error)


_WHY_COPY = {
    "changed-outside": "The file was changed outside this room and was not overwritten",
    "invalid-file": "The file in CS3 is not a valid notebook, so it could not be merged with, and was not "
    "overwritten",
    "file-gone": "The file is gone from CS3",
    "locked": "Another application held the file's lock when the room closed",
}


def changed_outside(copy_path: str, reason: str = "changed-outside") -> Notice:
    why = _WHY_COPY.get(reason, _WHY_COPY["changed-outside"])
    return Notice(
        "save-blocked",
        f"{why}; the room's state is saved as {copy_path} instead.",
        {"reason": reason, "edits_kept": True, "conflict_copy": copy_path},
    )


def conflict_copy(
    copy_path: str, file_path: str, file_etag: str | None, reason: str = "changed-outside", error: str = ""
) -> Notice:
    why = _WHY_COPY.get(reason, _WHY_COPY["changed-outside"])
    return Notice(
        "conflict-copy",
        f"{why} ({file_path}). Nothing is lost: this room's version was saved as {copy_path}"
        + (f" ({error})" if error else "")
        + ".",
        {"path": copy_path, "file": file_path, "file_etag": file_etag, "reason": reason, "error": error},
    )
