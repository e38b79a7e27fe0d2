"""`GET /api/meshcollab/info/{path}`: everything the file-information dialog shows about a file or
folder, in one answer (README.md). The pieces come from independent CS3 calls, made concurrently; a
piece the caller may not see (no permission to list versions, no federated sharing here) is empty,
not a failure of the whole answer. Link guests reach the resource of their link only (as in the
contents API) and see no shares, links, versions or conflict copies."""

from __future__ import annotations

from collections.abc import Awaitable

import anyio
from jupyter_server.auth.decorator import authorized
from tornado import web

from meshcollab.contents.errors import http_error
from meshcollab.contents.paths import name_of, normalize, parent_of
from meshcollab.cs3 import CS3Error, NotFound, PermissionDenied, Resource, Unsupported
from meshcollab.handlers.api import CS3APIHandler
from meshcollab.sharing.models import UserNames, federated_share_json, link_json, share_json, when

from .details import (
    conflict_copies_json,
    file_type,
    lock_json,
    permissions_json,
    room_json,
    versions_json,
)

UNSEEN = (NotFound, PermissionDenied, Unsupported)  # a piece the caller cannot see: left empty


class InfoHandler(CS3APIHandler):
    auth_resource = "contents"  # a link guest may ask about what their link reaches

    @web.authenticated
    @authorized
    async def get(self, path: str) -> None:
        api_path = normalize(path)
        resource = await self.contents_manager.resource(api_path)
        session = self.session
        guest = session.public_link is not None
        kind = file_type(api_path, resource)
        permissions = permissions_json(resource.permissions, is_file=resource.is_file, guest=guest)
        runtime = self.settings["meshcollab"].runtime
        names = UserNames(session)
        pieces: dict = {"owner": None, "lock": None, "shares": [], "links": [], "federated": []}
        pieces.update(versions=[], conflict_copies=[])
        failures: list[CS3Error] = []

        async def fetch(key: str, operation: Awaitable) -> None:
            try:
                pieces[key] = await operation
            except UNSEEN:
                pass
            except CS3Error as error:
                failures.append(error)

        folder = None  # where conflict copies of a file would be, in CS3
        if resource.is_file and api_path and not guest:
            folder = await self.contents_manager.cs3_path(parent_of(api_path))
        async with anyio.create_task_group() as group:
            group.start_soon(fetch, "owner", names.of(resource.owner))
            group.start_soon(fetch, "lock", lock_json(resource.lock, names, runtime.files.settings.app_name))
            if permissions["share"]:
                group.start_soon(fetch, "shares", self._shares(resource, api_path, names))
                group.start_soon(fetch, "links", self._links(resource, api_path))
                group.start_soon(fetch, "federated", self._federated(resource, api_path))
            if resource.is_file and not guest:
                group.start_soon(fetch, "versions", versions_json(session, resource))
            if folder is not None:
                group.start_soon(fetch, "conflict_copies", conflict_copies_json(session, folder, api_path))
        if failures:
            raise http_error(failures[0], path=api_path, action="read")
        self.answer(
            {
                "path": api_path,
                "name": name_of(api_path) or resource.name,
                "type": kind,
                "fileId": resource.id.encode(),
                "size": resource.size,
                "modified": when(resource.mtime),
                "permissions": permissions,
                **pieces,
                "room": room_json(runtime.registry, resource, kind),
            }
        )

    async def _shares(self, resource: Resource, api_path: str, names: UserNames) -> list[dict]:
        shares = await self.session.shares.list(resource.id)
        return [await share_json(share, names, api_path) for share in shares]

    async def _links(self, resource: Resource, api_path: str) -> list[dict]:
        links = await self.session.links.list(resource.id)
        return [link_json(link, api_path, self.base_url) for link in links]

    async def _federated(self, resource: Resource, api_path: str) -> list[dict]:
        return [federated_share_json(share, api_path) for share in await self.session.ocm.list(resource.id)]
