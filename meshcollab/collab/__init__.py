"""A collaboration room and its file in CS3: the lock lifecycle and the debounced snapshots.

room (rooms/) ──hooks──► CS3RoomHooks ──► LockLease (lease.py) + SnapshotWriter (snapshots.py) ──► CS3 adapter

- `RoomFiles` (hooks.py): the service the extension runs next to its `RoomRegistry`; its `hooks` is
  the registry's hooks factory.
- `LockLease`: the room's lock on its file while it is active (CS3 lock, or advisory metadata).
- `SnapshotWriter`: debounced, validated, etag-checked writes of the room's document.
- status.py: the RAW JSON notices clients get about saving (their shapes are documented there).
- record.py: what the document store keeps about the file (etag and content of the last snapshot).
"""

from .content import InvalidContent
from .hooks import Activation, CS3RoomHooks, RoomFiles
from .lease import ADVISORY_KEY, LeaseState, LockLease
from .record import RoomRecord
from .roomfile import NotARoomFile, RoomFile, conflict_copy_name, parse_conflict_copy_name
from .settings import APP_NAME, CollabSettings
from .snapshots import SaveOutcome, SnapshotWriter
from .status import LockHolder

__all__ = [
    "ADVISORY_KEY",
    "APP_NAME",
    "Activation",
    "CS3RoomHooks",
    "CollabSettings",
    "InvalidContent",
    "LeaseState",
    "LockHolder",
    "LockLease",
    "NotARoomFile",
    "RoomFile",
    "RoomFiles",
    "RoomRecord",
    "SaveOutcome",
    "SnapshotWriter",
    "conflict_copy_name",
    "parse_conflict_copy_name",
]
