"""`GET /api/meshcollab/spaces` (the storage spaces the caller reaches: their home and their project
spaces, with their Jupyter paths, the caller's role and the quota) and `GET /api/meshcollab/quota`."""

from __future__ import annotations

import anyio
from jupyter_server.auth.decorator import authorized
from tornado import web

from meshcollab.contents.projects import space_root_path
from meshcollab.cs3 import CS3Error, Permissions, Quota, Space
from meshcollab.handlers.api import CS3APIHandler

SPACE_TYPES = ("personal", "project")  # the kinds shown; Reva has others (shares, mount points)


def quota_json(quota: Quota) -> dict:
    """CS3 says 0 for a storage without a quota: `total` is then null (unlimited or unknown)."""
    return {"total": quota.total_bytes or None, "used": quota.used_bytes}


def space_role(permissions: Permissions) -> str | None:
    """The caller's role in a space, from what they may do at its root (Reva's space roles):
    a manager grants access, an editor writes, a viewer reads; null when the gateway does not say."""
    if "add_grant" in permissions:
        return "manager"
    if permissions.can_write:
        return "editor"
    if permissions.granted:
        return "viewer"
    return None


class SpacesHandler(CS3APIHandler):
    auth_resource = "meshcollab"

    @web.authenticated
    @authorized
    async def get(self) -> None:
        spaces = await self.cs3(self.session.spaces.list(), action="list the storage spaces of", path="")
        shown = sorted(
            (space for space in spaces if space.space_type in SPACE_TYPES),
            key=lambda space: (SPACE_TYPES.index(space.space_type), space.name, space.id),
        )
        answers: list[dict | None] = [None] * len(shown)

        async def describe(index: int, space: Space) -> None:
            answers[index] = await self.space_json(space)

        async with anyio.create_task_group() as group:
            for index, space in enumerate(shown):
                group.start_soon(describe, index, space)
        self.answer({"spaces": answers})

    async def space_json(self, space: Space) -> dict:
        root = await space_root_path(self.session, space)
        try:
            quota = quota_json(await self.session.files.quota(space.root)) if space.root else None
        except CS3Error:
            quota = None  # not the caller's to see, or the storage does not keep one
        return {
            "id": space.id,
            "name": space.name,
            "type": space.space_type,
            "path": await self.contents_manager.api_path(root) if root else None,
            "role": space_role(space.root_permissions),
            "quota": quota,
        }


class QuotaHandler(CS3APIHandler):
    auth_resource = "meshcollab"

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The quota of the space holding `?path=` (a Jupyter path; default the root)."""
        path = self.get_query_argument("path", "")
        target = await self.target(path)
        quota = await self.cs3(self.session.files.quota(target), action="read the quota of", path=path)
        self.answer(quota_json(quota))
