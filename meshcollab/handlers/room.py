"""The room websocket `/api/collaboration/room/{format}:{type}:{fileId}` in the Jupyter server.

Authentication is Jupyter's (the identity provider runs in `prepare`); the origin check is
jupyter_server's, honouring `allow_origin`; what the user may do in the room is what CS3 lets them do
on the resource: read and write, read only, or nothing.
"""

from __future__ import annotations

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from tornado import web

from meshcollab.contents.errors import http_error_for
from meshcollab.cs3 import CS3Error
from meshcollab.identity import current_session
from meshcollab.rooms import RoomAccess, RoomWebSocketHandler
from meshcollab.rooms.registry import is_document_room
from meshcollab.rooms_ids import BadRoomId, parse_room_id


class CollaborationRoomHandler(WebSocketMixin, RoomWebSocketHandler, JupyterHandler):
    auth_resource = "contents"

    def initialize(self) -> None:
        super().initialize(registry=self.settings["meshcollab"].runtime.registry)

    async def room_access(self, room_id: str) -> RoomAccess:
        if self.current_user is None:
            raise web.HTTPError(403, "sign in to join a room")
        if not self.authorizer.is_authorized(self, self.current_user, "read", "contents"):
            raise web.HTTPError(403, "you may not read documents on this server")
        if not is_document_room(room_id):
            return RoomAccess.READ_WRITE  # JupyterLab's global awareness: presence only, nothing stored
        try:
            key = parse_room_id(room_id)
        except BadRoomId as error:
            raise web.HTTPError(400, str(error)) from None
        try:
            resource = await current_session().files.stat(key.resource_id)
        except CS3Error as error:
            raise http_error_for(error) from None
        may_write = resource.permissions.can_write and self.authorizer.is_authorized(
            self, self.current_user, "write", "contents"
        )
        return RoomAccess.READ_WRITE if may_write else RoomAccess.READ_ONLY
