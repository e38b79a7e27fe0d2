"""`POST /api/meshcollab/versions/restore/{path}` with `{"version": key}`: make an earlier version of
a file its current content.

When the document's room is live on this server, the room holds the file's lock and its clients are
editing: the room's document becomes the version, by minimal Y operations (every client sees it at
once, and is told by a `restored` notice), and the room's snapshot writer saves it as usual (CS3 keeps
the content it replaces as a version: nothing is lost). Otherwise CS3 restores it (RestoreFileVersion).
"""

from __future__ import annotations

import anyio
from jupyter_server.auth.decorator import authorized
from tornado import web

from meshcollab.collab.content import InvalidContent, parse_notebook
from meshcollab.contents.errors import explained_http_error, holder_name, lock_message
from meshcollab.contents.paths import normalize
from meshcollab.cs3 import CS3Error, FileVersion, Resource
from meshcollab.handlers.api import CS3APIHandler
from meshcollab.handlers.live_room import room_as_member
from meshcollab.recovery import restored
from meshcollab.recovery.live import replace_document
from meshcollab.rooms_ids import room_id_for
from meshcollab.sharing.models import when

ROOM_ATTEMPTS = 3  # a room that closes while the version is being applied is loaded again


class RestoreVersionHandler(CS3APIHandler):
    auth_resource = "meshcollab"

    @web.authenticated
    @authorized
    async def post(self, path: str) -> None:
        key = self.body().get("version")
        if not isinstance(key, str) or not key:
            raise web.HTTPError(400, '"version" (a version key, from /api/meshcollab/info) is required')
        api_path = normalize(path)
        resource = await self.contents_manager.resource(api_path)
        if not resource.is_file:
            raise web.HTTPError(400, f"{api_path!r} is a folder: only files have versions")
        granted = resource.permissions
        if granted.granted and not granted.can_write:
            raise web.HTTPError(
                403, f"you may view {api_path!r} but not change it: restoring a version needs write access"
            )
        version = await self._version(resource, api_path, key)
        await self._refuse_other_locks(resource, api_path)
        kind = "notebook" if api_path.endswith(".ipynb") else "file"
        runtime = self.settings["meshcollab"].runtime
        if runtime.registry.get(room_id_for("json" if kind == "notebook" else "text", kind, resource.id)):
            await self._restore_in_room(runtime, resource, api_path, kind, version)
            self.answer({"restored": True, "live": True})
            return
        try:
            await self.session.versions.restore(resource.id, key)
        except CS3Error as error:
            raise await explained_http_error(
                error, path=api_path, action="restore", session=self.session, target=resource.id
            ) from None
        self.answer({"restored": True, "live": False})

    async def _version(self, resource: Resource, api_path: str, key: str) -> FileVersion:
        versions = await self.cs3(
            self.session.versions.list(resource.id), action="list the versions of", path=api_path
        )
        for version in versions:
            if version.key == key:
                return version
        raise web.HTTPError(404, f"{api_path!r} has no version {key!r}")

    async def _refuse_other_locks(self, resource: Resource, api_path: str) -> None:
        """409 naming the holder when an application other than meshcollab's rooms holds the lock."""
        lock = resource.lock
        if lock is not None and lock.app_name != self.settings["meshcollab"].runtime.files.settings.app_name:
            holder = await holder_name(self.session, lock)
            raise web.HTTPError(409, f"{lock_message(api_path, lock, holder)}, so it cannot be restored now")

    async def _restore_in_room(
        self, runtime, resource: Resource, api_path: str, kind: str, version: FileVersion
    ) -> None:
        data = await self.cs3(
            self.session.versions.read_bytes(resource.id, version.key), action="read", path=api_path
        )
        described = f"version {version.key} of {api_path}"
        try:
            if kind == "notebook":
                content = await anyio.to_thread.run_sync(parse_notebook, data, described)
            else:
                content = data.decode("utf-8")
        except (InvalidContent, UnicodeDecodeError) as error:
            raise web.HTTPError(
                409, f"{described} cannot be restored in the open document: {error}"
            ) from None
        user = self.session.user.username
        for _ in range(ROOM_ATTEMPTS):
            async with room_as_member(runtime, resource, self.session, True, kind) as room:
                if room.closing:
                    await room.closed.wait()
                    continue  # loaded again on the next attempt
                replace_document(room.doc, kind, content)
                await room.flushed()  # stored before it is acknowledged
                room.notify(restored(version.key, when(version.mtime), by=user))
                self.log.info("Room %s: %s restored version %s", room.id, user, version.key)
                return
        raise web.HTTPError(503, "the document's room kept closing; try again")
