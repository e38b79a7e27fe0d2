"""Which CS3 user the request in hand acts as.

Jupyter's contents manager is one object for the whole server, so it cannot hold a user. Each
request sets the CS3 session of its user in a context variable (tornado runs every request in a
task of its own, with its own copy of the context), and everything done on that request's behalf
reads it from there: never a server-wide account.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from meshcollab.cs3 import CS3Session

_current_session: ContextVar[CS3Session | None] = ContextVar("meshcollab_cs3_session", default=None)


class NoCS3Session(RuntimeError):
    """Code that acts on CS3 ran outside a request that has a signed-in CS3 user."""


def current_session() -> CS3Session:
    """The CS3 session of the user of the request in hand."""
    session = _current_session.get()
    if session is None:
        raise NoCS3Session("no CS3 user for this request: it was not authenticated")
    return session


def set_current_session(session: CS3Session) -> None:
    """Act as this CS3 user for the rest of the current request (task)."""
    _current_session.set(session)


@contextmanager
def acting_as(session: CS3Session) -> Iterator[CS3Session]:
    """Act as this CS3 user inside the block only (background work, tests)."""
    token = _current_session.set(session)
    try:
        yield session
    finally:
        _current_session.reset(token)
