"""Slowing down password guessing: after `free_attempts` failures for one key (a link token and a
client address, or a username and a client address), each further attempt must wait, twice as long
after every failure, up to `max_delay`. Bounded memory: the oldest keys are forgotten first."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass

from tornado.web import HTTPError


@dataclass
class _Failures:
    count: int
    blocked_until: float
    last: float


class Throttle:
    def __init__(self, *, free_attempts: int = 3, base_delay: float = 1.0, max_delay: float = 60.0,
                 forget_after: float = 900.0, capacity: int = 10_000) -> None:
        self.free_attempts = free_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.forget_after = forget_after
        self.capacity = capacity
        self._failures: OrderedDict[tuple[str, ...], _Failures] = OrderedDict()

    def wait_needed(self, *key: str) -> float:
        """Seconds the caller must still wait before trying this key again (0: go ahead)."""
        entry = self._failures.get(key)
        if entry is None:
            return 0.0
        now = time.monotonic()
        if now - entry.last > self.forget_after:
            del self._failures[key]
            return 0.0
        return max(0.0, entry.blocked_until - now)

    def failed(self, *key: str) -> None:
        now = time.monotonic()
        entry = self._failures.pop(key, None) or _Failures(0, 0.0, now)
        entry.count += 1
        entry.last = now
        over = entry.count - self.free_attempts
        if over >= 0:
            entry.blocked_until = now + min(self.max_delay, self.base_delay * 2**over)
        while len(self._failures) >= self.capacity:
            self._failures.popitem(last=False)
        self._failures[key] = entry

    def succeeded(self, *key: str) -> None:
        self._failures.pop(key, None)


class TooManyAttempts(HTTPError):
    """HTTP 429 with the seconds to wait; handlers that mix in `RetryAfter` send them as Retry-After."""

    def __init__(self, wait: float, what: str) -> None:
        self.retry_after = max(1, math.ceil(wait))
        super().__init__(429, f"too many {what}: try again in {self.retry_after} s")


class RetryAfter:
    """Handler mixin: a `TooManyAttempts` answer carries Retry-After (tornado clears the headers
    set before an error, so it is set while writing the error)."""

    def write_error(self, status_code: int, **kwargs) -> None:
        error = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(error, TooManyAttempts):
            self.set_header("Retry-After", str(error.retry_after))
        super().write_error(status_code, **kwargs)
