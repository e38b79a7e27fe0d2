"""The settings of the room ↔ CS3 file link, filled by the extension from its traits (`c.MeshCollab.*`)."""

from __future__ import annotations

from dataclasses import dataclass

APP_NAME = "meshcollab"


@dataclass(frozen=True)
class CollabSettings:
    """What the lease and the snapshot writer need; the extension fills it from `save_delay`,
    `save_max_delay` and `lock_ttl` (seconds), so the traits' help strings are the documentation.

    `lock_retry` is how often a room that cannot take the lock (another application holds it, the
    storage is unreachable) tries again; by default a third of the TTL, at most 30 s.
    `lock_kind` is "auto" (CS3 locks, falling back to an advisory lock in the file's metadata when the
    storage has no locks), "cs3" (never fall back) or "advisory" (storage known to have no locks).
    """

    save_delay: float = 1.0
    save_max_delay: float = 10.0
    lock_ttl: float = 300.0
    lock_retry: float | None = None
    lock_kind: str = "auto"
    app_name: str = APP_NAME

    def __post_init__(self) -> None:
        if self.save_delay < 0 or self.save_max_delay < self.save_delay:
            raise ValueError("need 0 <= save_delay <= save_max_delay")
        if self.lock_ttl <= 0:
            raise ValueError("lock_ttl must be positive")
        if self.lock_kind not in ("auto", "cs3", "advisory"):
            raise ValueError(f"lock_kind must be auto, cs3 or advisory, not {self.lock_kind!r}")

    @classmethod
    def from_traits(cls, configurable: object, **overrides) -> CollabSettings:
        """Read `save_delay`, `save_max_delay`, `lock_ttl` (and `lock_retry`, `lock_kind` if it has
        them) from the extension app's traits."""
        names = ("save_delay", "save_max_delay", "lock_ttl", "lock_retry", "lock_kind")
        values = {name: getattr(configurable, name) for name in names if hasattr(configurable, name)}
        return cls(**{**values, **overrides})

    @property
    def refresh_interval(self) -> float:
        """The lock is refreshed at a third of its TTL: two refreshes can fail before it expires."""
        return self.lock_ttl / 3

    @property
    def retry_interval(self) -> float:
        return self.lock_retry if self.lock_retry is not None else min(self.lock_ttl / 3, 30.0)
