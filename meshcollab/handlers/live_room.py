"""A document's room for a request that changes it (recover, merge, restore a version): loaded if it
is not, with the request's user as one of its members meanwhile, so that the room reads its file,
and later writes it, as a member who may write."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tornado import web

from meshcollab.cs3 import CS3Session, Resource
from meshcollab.rooms import Room, RoomLoadError
from meshcollab.rooms_ids import room_id_for


@asynccontextmanager
async def room_as_member(
    runtime, resource: Resource, session: CS3Session, may_write: bool, kind: str = "notebook"
) -> AsyncIterator[Room]:
    """The loaded room of the notebook (`kind` "notebook") or text file ("file") `resource`."""
    room_id = room_id_for("json" if kind == "notebook" else "text", kind, resource.id)
    member = runtime.members.joining(room_id, resource.id, session, may_write)
    try:
        try:
            room = await runtime.registry.room(room_id)
        except RoomLoadError as error:
            raise web.HTTPError(409, f"the document's room cannot be loaded: {error}") from None
        yield room
    finally:
        runtime.members.left(member)
