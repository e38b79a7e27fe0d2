"""What the document store keeps about a room's file (per-room metadata), so that a room that unloads
or a server that restarts knows what it last wrote:

- `cs3.etag`: the etag of the file as the room last wrote or read it; a snapshot is written only
  if the file still has it (otherwise it was changed outside the room).
- `cs3.snapshot`: the bytes of that version of the file, as the room wrote (or read) it: the base
  of a three-way merge when the file changed outside the room.
- `cs3.snapshot_state`: the state of the room's document (`content.state_of`) that this version of
  the file holds, when the room wrote or loaded it (absent after an outside version came in): a room
  whose document is still in that state has nothing to write, without making a snapshot to know.
- `cs3.lock_id`: the lock id of the room's latest activation, so that the next one can take over a
  lock left by a server that stopped without releasing it.
- `cs3.conflict`: JSON `{"copy": path, "copy_id": encoded resource id, "copy_etag": etag, "file": path,
  "file_etag": etag, "at": iso, "reason": "invalid-file" | "file-gone" | "changed-outside" | "locked",
  "error": str, "told": bool, "base_etag": etag}` of the last conflict copy written. The room's next
  activation tells its clients about a copy nobody was told of (written as the room closed), and goes
  on writing to the copy while neither the file nor the copy changed since (if the file could not be
  merged then).
- `cs3.fork.<copy id>`: the last snapshot (`cs3.snapshot`) at the time a conflict copy was written:
  the copy's merge base when it is merged back (the merge API).
"""

from __future__ import annotations

import json

from meshcollab.rooms import DocumentStore

ETAG = "cs3.etag"
SNAPSHOT = "cs3.snapshot"
SNAPSHOT_STATE = "cs3.snapshot_state"
LOCK_ID = "cs3.lock_id"
CONFLICT = "cs3.conflict"
FORK_BASE = "cs3.fork."


class RoomRecord:
    def __init__(self, store: DocumentStore, room_id: str) -> None:
        self._store = store
        self._room_id = room_id

    async def last_snapshot(self) -> tuple[str | None, bytes | None]:
        """(etag, content) of the file as the room last wrote or read it."""
        return await self.etag(), await self._store.get_metadata(self._room_id, SNAPSHOT)

    async def etag(self) -> str | None:
        """The etag of the file as the room last wrote or read it."""
        etag = await self._store.get_metadata(self._room_id, ETAG)
        return etag.decode() if etag is not None else None

    async def snapshot_state(self) -> bytes | None:
        """The document's state that the last snapshot holds, if it came from the room."""
        return await self._store.get_metadata(self._room_id, SNAPSHOT_STATE)

    async def snapshot_written(self, etag: str, content: bytes, state: bytes | None = None) -> None:
        """The file's version `etag` holds `content` (and, if known, the document's `state`): one
        transaction, so that the three always describe the same version."""
        values = {SNAPSHOT: content, ETAG: etag.encode(), SNAPSHOT_STATE: state}
        await self._store.update_metadata(self._room_id, values)

    async def lock_id(self) -> str | None:
        value = await self._store.get_metadata(self._room_id, LOCK_ID)
        return value.decode() if value is not None else None

    async def set_lock_id(self, lock_id: str) -> None:
        await self._store.set_metadata(self._room_id, LOCK_ID, lock_id.encode())

    async def conflict(self) -> dict | None:
        value = await self._store.get_metadata(self._room_id, CONFLICT)
        return json.loads(value) if value is not None else None

    async def set_conflict(self, conflict: dict | None) -> None:
        value = json.dumps(conflict).encode() if conflict is not None else None
        await self._store.set_metadata(self._room_id, CONFLICT, value)

    async def fork_base(self, copy_id: str) -> bytes | None:
        """The snapshot a conflict copy (by encoded resource id) forked from, if the room wrote it."""
        return await self._store.get_metadata(self._room_id, FORK_BASE + copy_id)

    async def set_fork_base(self, copy_id: str, snapshot: bytes | None) -> None:
        if snapshot is not None:
            await self._store.set_metadata(self._room_id, FORK_BASE + copy_id, snapshot)
