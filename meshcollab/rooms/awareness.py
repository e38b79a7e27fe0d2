"""Who is in a room and where their cursors are: the awareness states the room relays.

The room does not interpret states; it keeps the last one per client id so that a newcomer sees
everyone at once, and remembers which connection speaks for which client id so that the states of
a connection that goes away are removed for the others.
"""

from __future__ import annotations

from collections.abc import Hashable

from .protocol import AwarenessEntry, AwarenessUpdate, encode_awareness


class RoomAwareness:
    def __init__(self) -> None:
        self._entries: dict[int, AwarenessEntry] = {}  # latest state per present client id
        self._owners: dict[int, Hashable] = {}

    def apply(self, update: AwarenessUpdate, owner: Hashable) -> None:
        """Record a connection's update; the latest connection to speak for a client id owns it."""
        for entry in update.entries:
            known = self._entries.get(entry.client_id)
            if known is not None and entry.clock < known.clock:
                continue  # stale: the clients would ignore it too
            if entry.removed:
                self._entries.pop(entry.client_id, None)
                self._owners.pop(entry.client_id, None)
            else:
                self._entries[entry.client_id] = entry
                self._owners[entry.client_id] = owner

    def snapshot(self) -> bytes | None:
        """Everyone present, as one awareness message for a newcomer (None if nobody is)."""
        return encode_awareness(list(self._entries.values())) if self._entries else None

    def remove_owner(self, owner: Hashable) -> bytes | None:
        """Forget the client ids a closed connection spoke for; the message that tells the others."""
        gone = [client_id for client_id, known_owner in self._owners.items() if known_owner == owner]
        removals = []
        for client_id in gone:
            del self._owners[client_id]
            removals.append(AwarenessEntry(client_id, self._entries.pop(client_id).clock + 1, "null"))
        return encode_awareness(removals) if removals else None
