"""`PUT /api/collaboration/session/{path}`: the room of a document, as jupyter-collaboration answers it.

The answer's `fileId` encodes the CS3 resource id, so every path that reaches one resource (the
owner's, a share's) leads to one room, and a rename or move keeps it.
"""

from __future__ import annotations

import json

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from meshcollab.identity import current_session
from meshcollab.rooms_ids import FORMATS, TYPES, room_id_for


class CollaborationSessionHandler(APIHandler):
    auth_resource = "contents"

    @web.authenticated
    @authorized
    async def put(self, path: str) -> None:
        try:
            body = json.loads(self.request.body or b"{}")
            file_format, file_type = body["format"], body["type"]
        except (ValueError, KeyError, TypeError):
            raise web.HTTPError(400, 'the body must be JSON with "format" and "type"') from None
        if file_format not in FORMATS or file_type not in TYPES:
            raise web.HTTPError(400, f"unsupported document {file_format!r}:{file_type!r}")
        resource = await self.contents_manager.resource(path)  # 404/403 as HTTP errors
        room_id = room_id_for(file_format, file_type, resource.id)
        runtime = self.settings["meshcollab"].runtime
        runtime.recent_stats.remember(current_session(), resource)
        registry = runtime.registry
        self.finish(
            {
                "format": file_format,
                "type": file_type,
                "fileId": resource.id.encode(),
                "sessionId": await registry.session_id(room_id),
            }
        )
