"""The room websocket `/api/collaboration/room/{format}:{type}:{fileId}` in the Jupyter server.

Authentication is Jupyter's (the identity provider runs in `prepare`); the origin check is
jupyter_server's, honouring `allow_origin` (cookie-authenticated connections; Basic, Bearer and
Jupyter's token are explicit credentials and skip it, as in Jupyter). What the user may do in the room
is what CS3 lets them do on the resource: read and write, read only, or nothing. Each connection is a
member of its room (`meshcollab.auth.members`): the room's file is written as a member who may write,
and a member whose share is revoked or downgraded is closed or made read-only while connected.
Awareness states carry the user's identity as CS3 gives it, whatever the client wrote there.
"""

from __future__ import annotations

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from tornado import web

from meshcollab.auth.members import Member
from meshcollab.contents.errors import http_error_for
from meshcollab.cs3 import CS3Error
from meshcollab.handlers.awareness_identity import stamp_identity
from meshcollab.identity import current_session
from meshcollab.rooms import RoomAccess, RoomWebSocketHandler
from meshcollab.rooms.registry import is_document_room
from meshcollab.rooms_ids import BadRoomId, parse_room_id


class CollaborationRoomHandler(WebSocketMixin, RoomWebSocketHandler, JupyterHandler):
    auth_resource = "contents"

    def initialize(self) -> None:
        super().initialize(registry=self.settings["meshcollab"].runtime.registry)
        self._member: Member | None = None
        self._joining: tuple | None = None
        self._identity: dict | None = None

    async def room_access(self, room_id: str) -> RoomAccess:
        if self.current_user is None:
            raise web.HTTPError(403, "sign in to join a room")
        if not self.authorizer.is_authorized(self, self.current_user, "read", "contents"):
            raise web.HTTPError(403, "you may not read documents on this server")
        self._identity = self.identity_provider.identity_model(self.current_user)
        if not is_document_room(room_id):
            return RoomAccess.READ_WRITE  # JupyterLab's global awareness: presence only, nothing stored
        try:
            key = parse_room_id(room_id)
        except BadRoomId as error:
            raise web.HTTPError(400, str(error)) from None
        session = current_session()
        resource = self.settings["meshcollab"].runtime.recent_stats.take(session, key.resource_id)
        if resource is None:
            try:
                resource = await session.files.stat(key.resource_id)
            except CS3Error as error:
                raise http_error_for(error) from None
        # The room need not look at its file again before this client syncs, if it is as the room left it.
        self.settings["meshcollab"].runtime.files.file_seen(room_id, resource.etag)
        granted = resource.permissions
        may_write = (granted.can_write if granted.granted else True) and self.authorizer.is_authorized(
            self, self.current_user, "write", "contents"
        )
        self._joining = (key.resource_id, session, may_write)
        return RoomAccess.READ_WRITE if may_write else RoomAccess.READ_ONLY

    async def open(self, room_id: str) -> None:
        members = self.settings["meshcollab"].runtime.members
        if self._joining is not None:
            # Before connecting: loading the room reads its file as one of its members.
            self._member = members.joining(room_id, *self._joining)
        try:
            await super().open(room_id)
        finally:
            if self._member is not None:
                if self.connection is None or self.connection.closed:
                    members.left(self._member)
                    self._member = None
                else:
                    members.joined(self._member, self.connection, self.room)

    async def on_message(self, message: str | bytes) -> None:
        if self._identity is not None and isinstance(message, bytes) and message[:1] == b"\x01":
            message = stamp_identity(message, self._identity)
        await super().on_message(message)

    def on_close(self) -> None:
        super().on_close()
        if self._member is not None:
            self.settings["meshcollab"].runtime.members.left(self._member)
            self._member = None
