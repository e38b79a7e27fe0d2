"""Which CS3 file a room stands for, read from its id `{format}:{type}:{fileId}`, and the names of
conflict copies next to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from meshcollab.cs3 import ResourceId

FORMATS = {"notebook": "json", "file": "text"}


class NotARoomFile(ValueError):
    """The room id does not name a CS3 file in a format this package writes."""


@dataclass(frozen=True)
class RoomFile:
    """A room's file: its CS3 resource id and its kind ("notebook", JSON; "file", UTF-8 text)."""

    resource_id: ResourceId
    kind: str

    @classmethod
    def parse(cls, room_id: str) -> RoomFile:
        parts = room_id.split(":", 2)
        if len(parts) != 3:
            raise NotARoomFile(f"room id {room_id!r} is not format:type:fileId")
        fmt, kind, file_id = parts
        if FORMATS.get(kind) != fmt:
            raise NotARoomFile(f"room id {room_id!r}: only json:notebook and text:file rooms are kept in CS3")
        try:
            return cls(ResourceId.decode(file_id), kind)
        except ValueError as error:
            raise NotARoomFile(f"room id {room_id!r}: {error}") from None

    @property
    def room_id(self) -> str:
        return f"{FORMATS[self.kind]}:{self.kind}:{self.resource_id.encode()}"

    @property
    def is_notebook(self) -> bool:
        return self.kind == "notebook"


STAMP = "%Y-%m-%d_%H_%M_%S"


def _around(name: str) -> tuple[str, str]:
    """What a conflict copy's name of `name` starts and ends with, around `<user>.<stamp>`."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:  # "README", ".bashrc"
        return f"{name}.", ".conflict"
    return f"{stem}.", f".conflict.{extension}"


def conflict_copy_name(name: str, user: str, when: datetime | None = None) -> str:
    """`nb.ipynb` → `nb.<user>.<YYYY-MM-DD_HH_MM_SS>.conflict.ipynb` (UTC); `data.txt` →
    `data.<user>.<stamp>.conflict.txt`; a name without extension gets `.conflict` at the end."""
    stamp = (when or datetime.now(UTC)).astimezone(UTC).strftime(STAMP)
    user = "".join(c if c.isalnum() or c in "-_@" else "_" for c in user) or "unknown"
    head, tail = _around(name)
    return f"{head}{user}.{stamp}{tail}"


def parse_conflict_copy_name(name: str, copy_name: str) -> tuple[str, datetime] | None:
    """(user, when) if `copy_name` is what `conflict_copy_name(name, user, when)` gives; else None."""
    head, tail = _around(name)
    if not (copy_name.startswith(head) and copy_name.endswith(tail)):
        return None
    user, dot, stamp = copy_name[len(head) : len(copy_name) - len(tail)].rpartition(".")
    if not dot or not user or "." in user:
        return None
    try:
        return user, datetime.strptime(stamp, STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None
