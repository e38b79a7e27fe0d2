"""CS3 errors as the HTTP errors of the contents API, with a message a user can act on.

    NotFound → 404, PermissionDenied → 403, Locked → 409 (naming the lock holder and until when),
    Conflict → 409, AlreadyExists → 409, InvalidArgument → 400, Unauthenticated → 401,
    QuotaExceeded → 507, Unsupported → 501, Unavailable → 503, anything else → 502.

A refusal that a gateway gives as a plain precondition failure (e.g. a Delete or a version restore on
a locked file) is turned into the lock message when a lock held by someone else is why.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tornado.web import HTTPError

from meshcollab.cs3 import (
    AlreadyExists,
    Conflict,
    CS3Error,
    CS3Session,
    InvalidArgument,
    Lock,
    Locked,
    NotFound,
    PermissionDenied,
    QuotaExceeded,
    Target,
    Unauthenticated,
    Unavailable,
    Unsupported,
)


def _quoted(path: str | None) -> str:
    if path is None:
        return "the file"
    return repr(path) if path else "your home folder"


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def lock_message(path: str | None, lock: Lock, holder_name: str = "") -> str:
    """Who holds the lock on `path` and until when, in words."""
    app = lock.app_name or "another application"
    user = holder_name or (lock.user.opaque_id if lock.user else "")
    by = f"{app} for {user}" if user else app
    until = f" until {_when(lock.expiration)}" if lock.expiration else ""
    return f"{_quoted(path)} is locked by {by}{until}"


# The verbs `action` takes, and how they read in "it cannot be ... now".
_PARTICIPLES = {
    "read": "read",
    "list": "listed",
    "save": "saved",
    "create": "created",
    "delete": "deleted",
    "rename": "renamed",
    "restore": "restored",
}


def participle(action: str) -> str:
    return _PARTICIPLES.get(action, f"{action}ed" if not action.endswith("e") else f"{action}d")


def http_error(
    error: CS3Error, *, path: str | None, action: str, lock: Lock | None = None, holder: str = ""
) -> HTTPError:
    """The HTTPError for a CS3 error met while doing `action` (a verb: "read", "save", "delete",
    "rename", "restore"...) on the Jupyter path `path`; `lock` (and the name of its user, `holder`)
    when a lock explains it."""
    where = _quoted(path)
    done = participle(action)
    if isinstance(error, Conflict) and lock is not None:
        return HTTPError(
            409, f"{lock_message(path, lock, holder)}, so it cannot be {done} now. Try again later."
        )
    if isinstance(error, NotFound):
        return HTTPError(404, f"No such file or directory: {where}")
    if isinstance(error, PermissionDenied):
        return HTTPError(403, f"Permission denied: you may not {action} {where}")
    if isinstance(error, Locked):
        return HTTPError(
            409, f"{where} is locked by another application, so it cannot be {done} now ({error.message})"
        )
    if isinstance(error, AlreadyExists):
        return HTTPError(409, f"{where} already exists")
    if isinstance(error, Conflict):
        return HTTPError(409, f"{where} cannot be {done} now: {error.message or 'it changed or is in use'}")
    if isinstance(error, InvalidArgument):
        return HTTPError(400, f"Invalid request for {where}: {error.message}")
    if isinstance(error, Unauthenticated):
        return HTTPError(401, f"Your CS3 sign-in is no longer valid ({error.message}); sign in again")
    if isinstance(error, QuotaExceeded):
        return HTTPError(
            507, f"Not enough storage to save {where}: {error.message or 'your quota is used up'}"
        )
    if isinstance(error, Unsupported):
        return HTTPError(501, f"The storage does not support this for {where}: {error.message}")
    if isinstance(error, Unavailable):
        return HTTPError(
            503, f"The storage cannot be reached right now ({error.message}); try again in a moment"
        )
    return HTTPError(502, f"The storage failed to {action} {where}: {error}")


def http_error_for(error: CS3Error, path: str | None = None, action: str = "read") -> HTTPError:
    """`http_error` for callers that address a resource by id (no Jupyter path: "the file")."""
    return http_error(error, path=path, action=action)


async def explained_http_error(
    error: CS3Error, *, path: str | None, action: str, session: CS3Session, target: Target | None
) -> HTTPError:
    """Like `http_error`, but a Conflict on `target` is explained by its lock when someone holds one
    (the adapter names the holder only for content writes; Delete, Move and RestoreFileVersion come
    back as plain precondition failures)."""
    lock = None
    # Blame a lock only when the refusal speaks of one: a Conflict can have other causes (a missing
    # folder, an etag that changed) while someone happens to hold a lock.
    blames_lock = isinstance(error, Locked) or "lock" in error.message.lower()
    if isinstance(error, Conflict) and blames_lock and target is not None:
        try:
            lock = await session.locks.get(target)
        except CS3Error:
            lock = None
    holder = await holder_name(session, lock) if lock is not None else ""
    return http_error(error, path=path, action=action, lock=lock, holder=holder)


async def holder_name(session: CS3Session, lock: Lock) -> str:
    """How to name the user who holds a lock: "Marie Curie (marie)", or their id if the gateway
    will not say (best effort: this only words a message)."""
    if lock.user is None:
        return ""
    try:
        user = await session.users.get(lock.user)
    except CS3Error:
        return lock.user.opaque_id
    if user.display_name and user.username and user.display_name != user.username:
        return f"{user.display_name} ({user.username})"
    return user.display_name or user.username or lock.user.opaque_id
