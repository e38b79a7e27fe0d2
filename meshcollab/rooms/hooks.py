"""The seams between a room and the rest of meshcollab (CS3 snapshots, locks, merge), hocuspocus-style.

The registry asks a factory for one `RoomHooks` per room it loads; subclass it and override what
you need. A hook that raises is logged and does not disturb the clients, except `on_load`: a room
whose content could not be loaded is not served (serving it empty would fork its history).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .protocol import SaveStatus

if TYPE_CHECKING:
    from .room import Room


class RoomHooks:
    async def on_load(self, room: Room) -> None:
        """The store holds nothing for this room: fill `room.doc` from its source (e.g. the file).

        What it writes is stored before any client syncs, so it happens once per room history."""

    def on_change(self, room: Room) -> None:
        """The document changed and the change is durable. Called on the hot path: only note it
        (e.g. poke a debounced snapshot writer), do the work elsewhere."""

    async def on_save_request(self, room: Room) -> SaveStatus:
        """A client asked to save (Ctrl+S); return the real outcome: "success", "failed" or "skipped".

        Every change is already durable in the document store when this is called; the default
        answers "success" for that reason."""
        return "success"

    async def on_first_client(self, room: Room) -> None:
        """The room went from no clients to one (e.g. take or check the lock). The client waits for it."""

    async def on_last_client(self, room: Room) -> None:
        """The room went from one client to none; it unloads after `room_close_delay` unless one
        comes back."""

    async def on_close(self, room: Room) -> None:
        """The room is unloading (idle, or the server stops): write the final snapshot, release the lock.

        Clients are gone; the document is complete and durable."""
