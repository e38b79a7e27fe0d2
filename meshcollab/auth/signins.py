"""The server-side sessions behind the login cookie: a random id (what the signed cookie carries)
mapped to the CS3 session of a signed-in user or link guest.

Bounded (the least recently used sign-in goes first) and expiring (idle for `idle_timeout`, or older
than `max_age`); logout drops the entry, so a stolen cookie stops working with it. The CS3 session
renews its own token before it expires (meshcollab.cs3.auth).
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from jupyter_server.auth.identity import User

from meshcollab.cs3 import CS3Session


class SignInKind(enum.Enum):
    USER = "user"  # a CS3 user signed in with their own credentials or token
    SERVER = "server"  # the server's own CS3 user (single-user mode, Jupyter's token)
    GUEST = "guest"  # a public-link guest: the linked resource only


def jupyter_user(session: CS3Session) -> User:
    """The Jupyter identity of a CS3 user: names come from CS3, not from what a client claims."""
    user = session.user
    name = user.display_name or user.username
    return User(username=user.username, name=name, display_name=name, initials=initials_of(name))


def guest_user(session: CS3Session, guest_id: str) -> User:
    """The Jupyter identity of a link guest: a guest of its own, not the link's creator (whose user the
    gateway's guest token carries)."""
    link = session.public_link
    # A link's display name defaults to its token (as Reva): a secret that must not reach the others
    # in the room, so only a name its owner gave it is shown.
    named = link is not None and link.display_name and link.display_name != link.token
    shown = f"Guest ({link.display_name})" if named else "Guest"
    return User(username=f"guest-{guest_id}", name=shown, display_name=shown, initials="G")


def initials_of(name: str) -> str | None:
    return "".join(part[0] for part in name.split()[:2]).upper() or None


@dataclass
class SignIn:
    """One signed-in browser or API client: its CS3 session and who it is to Jupyter."""

    kind: SignInKind
    session: CS3Session
    user: User
    created: float = field(default_factory=time.monotonic)
    last_used: float = field(default_factory=time.monotonic)

    @property
    def is_guest(self) -> bool:
        return self.kind is SignInKind.GUEST

    @classmethod
    def of_user(cls, session: CS3Session, kind: SignInKind = SignInKind.USER) -> SignIn:
        return cls(kind, session, jupyter_user(session))

    @classmethod
    def of_guest(cls, session: CS3Session) -> SignIn:
        return cls(SignInKind.GUEST, session, guest_user(session, secrets.token_hex(4)))


class SignIns:
    """The sign-ins behind cookies, by id: bounded and expiring."""

    def __init__(self, *, capacity: int, idle_timeout: float, max_age: float) -> None:
        self.capacity = capacity
        self.idle_timeout = idle_timeout
        self.max_age = max_age
        self._by_id: OrderedDict[str, SignIn] = OrderedDict()

    def __len__(self) -> int:
        return len(self._by_id)

    def add(self, sign_in: SignIn) -> str:
        """Keep a sign-in; the id to put in the cookie."""
        self._expire()
        while len(self._by_id) >= self.capacity:
            self._by_id.popitem(last=False)
        sign_in_id = secrets.token_urlsafe(32)
        self._by_id[sign_in_id] = sign_in
        return sign_in_id

    def get(self, sign_in_id: str) -> SignIn | None:
        sign_in = self._by_id.get(sign_in_id)
        if sign_in is None:
            return None
        now = time.monotonic()
        if now - sign_in.last_used > self.idle_timeout or now - sign_in.created > self.max_age:
            del self._by_id[sign_in_id]
            return None
        sign_in.last_used = now
        self._by_id.move_to_end(sign_in_id)
        return sign_in

    def drop(self, sign_in_id: str) -> SignIn | None:
        """End a sign-in; the one it was, if any."""
        return self._by_id.pop(sign_in_id, None)

    def _expire(self) -> None:
        now = time.monotonic()
        # Ordered by last use: the idle ones are at the front.
        while self._by_id:
            sign_in_id, sign_in = next(iter(self._by_id.items()))
            if now - sign_in.last_used <= self.idle_timeout and now - sign_in.created <= self.max_age:
                break
            del self._by_id[sign_in_id]


class CredentialCache:
    """Verified Basic/Bearer credentials → their sign-in, for `reuse_seconds`, so that an API client's
    every request does not cost a CS3 authentication. Keyed by a hash; bounded."""

    def __init__(self, *, capacity: int, reuse_seconds: float) -> None:
        self.capacity = capacity
        self.reuse_seconds = reuse_seconds
        self._entries: OrderedDict[str, tuple[float, float | None, SignIn]] = OrderedDict()

    @staticmethod
    def key(*parts: str) -> str:
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def get(self, key: str) -> SignIn | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        kept_since, valid_until, sign_in = entry
        if time.monotonic() - kept_since >= self.reuse_seconds or (valid_until and time.time() >= valid_until):
            del self._entries[key]
            return None
        return sign_in

    def put(self, key: str, sign_in: SignIn, valid_until: float | None = None) -> None:
        """Keep a verified credential; `valid_until` (epoch seconds): when the credential itself
        expires (a token's `exp`), after which it is checked again (and refused)."""
        while len(self._entries) >= self.capacity:
            self._entries.popitem(last=False)
        self._entries[key] = (time.monotonic(), valid_until, sign_in)
