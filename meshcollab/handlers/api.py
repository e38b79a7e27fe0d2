"""What meshcollab's JSON API handlers share: they act as the request's CS3 user, name files by the
caller's Jupyter paths (mapped through the contents manager), answer JSON, and turn CS3's refusals
into the matching HTTP errors with a message (`meshcollab.contents.errors.http_error`).

Subclasses set `auth_resource` ("meshcollab": link guests are refused; "contents": guests reach
what their link reaches) and decorate every method with `@web.authenticated` and `@authorized`.
"""

from __future__ import annotations

import json

from jupyter_server.base.handlers import APIHandler
from tornado import web

from meshcollab.contents.errors import http_error
from meshcollab.cs3 import AlreadyExists, CS3Error, CS3Session, ResourceId
from meshcollab.identity import current_session


def json_object(body: bytes | None) -> dict:
    """A request body that must be a JSON object; HTTP 400 saying so otherwise."""
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        raise web.HTTPError(400, "the body must be JSON") from None
    if not isinstance(value, dict):
        raise web.HTTPError(400, "the body must be a JSON object")
    return value


class CS3APIHandler(APIHandler):
    @property
    def session(self) -> CS3Session:
        return current_session()

    def body(self) -> dict:
        return json_object(self.request.body)

    async def cs3(self, operation, *, action: str, path: str | None = None, already: str | None = None):
        """Await a CS3 operation done to `path` (a Jupyter path, for the message); `already`: what to
        say (409) when it exists already, instead of naming the path."""
        try:
            return await operation
        except AlreadyExists as error:
            raise (web.HTTPError(409, already) if already else http_error(error, path=path, action=action)) from None
        except CS3Error as error:
            raise http_error(error, path=path, action=action) from None

    async def target(self, path: object) -> str:
        """The CS3 path of a Jupyter path given in a request (400 if it is not a string)."""
        if not isinstance(path, str):
            raise web.HTTPError(400, '"path" (a Jupyter path) is required')
        return await self.contents_manager.cs3_path(path)

    async def path_of(self, resource_id: ResourceId | None) -> str | None:
        """The caller's Jupyter path of a resource, if it is below their root."""
        if resource_id is None:
            return None
        try:
            resource = await self.session.files.stat(resource_id)
        except CS3Error:
            return None
        return await self.contents_manager.api_path(resource.path)

    def answer(self, payload: dict, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(payload))
