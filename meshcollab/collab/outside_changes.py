"""Changes made to a room's file outside the room, merged into the room instead of overwritten.

The file in CS3 changed outside the room when its etag is not the one the room last wrote or read
(`cs3.etag`): it was edited while no room was active, or by an application that does not honour the
room's lock. The room sees it when it becomes active (the etag at activation) and when a snapshot is
refused by `if_match`. Then, for a notebook:

    base   = the last snapshot the room wrote or loaded (`cs3.snapshot`)
    theirs = the file as it is now (read as one version)
    ours   = the room's document

are merged (`meshcollab.merge`), the result is applied to the room (`meshcollab.recovery.merge_into_room`:
minimal Y operations, clients keep their cursors), stored, and only then is `theirs` recorded as the
new base; the snapshot writer then saves the merged notebook over `theirs` (if_match its etag).
Conflicts keep both versions in the cell with markers; the clients get a `merged` notice.

What cannot be merged is kept, never dropped: a file that is not a valid notebook (or a text file,
which is not merged) → the room's state goes to a conflict copy (snapshots.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from meshcollab.cs3 import CS3Session, Resource

from . import content
from .roomfile import RoomFile

READ_ATTEMPTS = 3  # reads of a file that keeps changing under the reader


@dataclass(frozen=True)
class OutsideVersion:
    """The file as changed outside the room: its state, its bytes, and the notebook in them (None:
    not a valid notebook, `error` says why)."""

    resource: Resource
    data: bytes
    notebook: dict | None
    error: str = ""


async def read_file(session: CS3Session, file: RoomFile) -> tuple[Resource, bytes]:
    """The file's state and its content, read as one version (read again if it changed meanwhile)."""
    for _ in range(READ_ATTEMPTS):
        before = await session.files.stat(file.resource_id)
        data = await session.files.read_bytes(file.resource_id)
        after = await session.files.stat(file.resource_id)
        if before.etag == after.etag:
            return after, data
    raise RuntimeError(f"{after.path} keeps changing; could not read one version of it")


async def read_outside_version(session: CS3Session, file: RoomFile) -> OutsideVersion:
    """Read the file as one version and parse it."""
    after, data = await read_file(session, file)
    try:
        notebook = content.parse_notebook(data, described=after.path or "the file")
    except content.InvalidContent as error:
        return OutsideVersion(after, data, None, str(error))
    return OutsideVersion(after, data, notebook)


def base_notebook(snapshot: bytes | None) -> dict:
    """The merge base from the room's last snapshot; an empty notebook when there is none (then
    every cell counts as added on both sides: nothing is lost, differing cells conflict)."""
    if snapshot:
        try:
            return content.parse_notebook(snapshot, described="the room's last snapshot")
        except content.InvalidContent:
            pass
    return content.parse_notebook(b"")  # a new empty notebook

