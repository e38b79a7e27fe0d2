"""The recover and merge API: edits brought into a live room by a notebook-aware three-way merge.

Both are JSON, authenticated and authorized like the other handlers, act as the request's CS3 user
(`meshcollab.identity.current_session()`), and name the notebook by its Jupyter path (the room is
the one of the resource at that path). The full protocol is in `meshcollab/recovery/README.md`.

- `POST /api/meshcollab/recover/{path}`: a client whose Y history the room no longer has (closed with
  1003 `unknown_session`) sends its document and what it last had from the server; the room merges
  it (base = that, theirs = the client, ours = the room). A document of the room's own history
  (`sessionId` = the room's) is applied as a Y update: the CRDT merges it.
- `POST /api/meshcollab/merge/preview/{path}` and `POST /api/meshcollab/merge/apply/{path}`: merge a
  conflict copy, an uploaded notebook, or an earlier CS3 version of the file into the room; preview
  answers the cell-level diff of the room against the merged result, apply also makes the room so.

A user who may only read the notebook may preview, nothing else (403).
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from meshcollab.collab import RoomRecord
from meshcollab.collab.content import InvalidContent, parse_notebook
from meshcollab.collab.outside_changes import base_notebook
from meshcollab.contents.errors import http_error
from meshcollab.cs3 import CS3Error, Resource
from meshcollab.handlers.api import CS3APIHandler
from meshcollab.handlers.live_room import room_as_member
from meshcollab.identity import current_session
from meshcollab.recovery import BadDocument, MergeOutcome, merge_into_room, merged, notebook_from_payload
from meshcollab.recovery.live import RoomGone
from meshcollab.recovery.payload import decode_update
from meshcollab.rooms import Room
from meshcollab.rooms_ids import room_id_for

ROOM_ATTEMPTS = 3  # a room that closes while a merge is being applied is loaded again


class MergeAPIHandler(CS3APIHandler):
    auth_resource = "contents"

    @property
    def runtime(self):
        return self.settings["meshcollab"].runtime

    async def notebook_resource(self, path: str, *, write: bool) -> tuple[Resource, bool]:
        """The notebook at `path` and whether the user may write it (403 if `write` and not)."""
        if not path.endswith(".ipynb"):
            raise web.HTTPError(400, f"{path!r} is not a notebook (.ipynb): only notebooks are merged")
        resource = await self.contents_manager.resource(path)
        granted = resource.permissions
        may_write = granted.can_write if granted.granted else True
        if write and not may_write:
            raise web.HTTPError(403, f"you may view {path!r} but not change it: merging needs write access")
        return resource, may_write

    def room_of(self, resource: Resource, may_write: bool):
        return room_as_member(self.runtime, resource, current_session(), may_write)

    async def merge_into_live_room(
        self, resource: Resource, may_write: bool, base: dict, theirs: dict, *, label: str, apply: bool
    ) -> tuple[Room, MergeOutcome]:
        for attempt in range(ROOM_ATTEMPTS):
            async with self.room_of(resource, may_write) as room:
                try:
                    outcome = await merge_into_room(
                        room.doc,
                        base,
                        theirs,
                        theirs_label=label,
                        ours_label="live notebook",
                        apply=apply,
                        can_apply=lambda room=room: not room.closing,
                    )
                except RoomGone:
                    await room.closed.wait()
                    continue
                except Exception as error:  # noqa: BLE001 - reported, the room is untouched
                    self.log.exception("Merge into %s failed", room.id)
                    raise web.HTTPError(500, f"the merge failed: {error}") from None
                if apply:
                    await room.flushed()  # stored before it is acknowledged
                return room, outcome
        raise web.HTTPError(503, "the notebook's room kept closing; try again")

    async def room_snapshot(self, resource: Resource) -> dict:
        """The room's last snapshot (`cs3.snapshot`) as a notebook: the default merge base."""
        room_id = room_id_for("json", "notebook", resource.id)
        _, snapshot = await RoomRecord(self.runtime.documents, room_id).last_snapshot()
        return base_notebook(snapshot)

    def cs3_error(self, error: CS3Error, path: str, action: str = "read") -> web.HTTPError:
        return http_error(error, path=path, action=action)


def _payload(body: dict, key: str, what: str, required: bool = True) -> dict | None:
    value = body.get(key)
    if value is None:
        if required:
            raise web.HTTPError(400, f'"{key}" is required: {{"update": base64}} or {{"notebook": {{...}}}}')
        return None
    try:
        return notebook_from_payload(value, what)
    except BadDocument as error:
        raise web.HTTPError(400, str(error)) from None


def _result(room: Room, resource: Resource, outcome: MergeOutcome, **extra) -> dict:
    from meshcollab.merge import cell_diff

    return {
        "fileId": resource.id.encode(),
        "room": room.id,
        "sessionId": room.history_id,
        "changed": outcome.changed,
        "conflicts": outcome.conflicts_json(),
        "changes": [change.to_json() for change in cell_diff(outcome.ours, outcome.notebook)],
        **extra,
    }


class RecoverHandler(MergeAPIHandler):
    @web.authenticated
    @authorized
    async def post(self, path: str) -> None:
        """`{"document": {"update"|"notebook"}, "base"?: {"update"|"notebook"}, "sessionId"?: str}`."""
        body = self.body()
        resource, may_write = await self.notebook_resource(path, write=True)
        document = body.get("document")
        session_id = body.get("sessionId")
        user = current_session().user.username
        if isinstance(document, dict) and "update" in document and session_id:
            async with self.room_of(resource, may_write) as room:
                if session_id == room.history_id:
                    changed = await self._apply_native(room, document)
                    self.answer(
                        {
                            "fileId": resource.id.encode(),
                            "room": room.id,
                            "sessionId": room.history_id,
                            "method": "crdt",
                            "changed": changed,
                            "conflicts": [],
                            "changes": [],
                        }
                    )
                    return
        theirs = _payload(body, "document", "the document")
        base = _payload(body, "base", "the base", required=False)
        base_kind = "client" if base is not None else "room-snapshot"
        if base is None:
            base = await self.room_snapshot(resource)
        room, outcome = await self.merge_into_live_room(
            resource, may_write, base, theirs, label=f"{user} (recovered)", apply=True
        )
        conflicts = outcome.conflicts_json()
        room.notify(merged("recovered", conflicts, by=user, changed=outcome.changed))
        self.log.info("Room %s: recovered %s's edits (%d conflicts)", room.id, user, len(conflicts))
        self.answer(_result(room, resource, outcome, method="merge", base=base_kind))

    async def _apply_native(self, room: Room, document: dict) -> bool:
        """The document is of the room's own history: the CRDT merges it (whether it changed the room)."""
        try:
            update = decode_update(document["update"])
        except BadDocument as error:
            raise web.HTTPError(400, str(error)) from None
        before = room.doc.get_state()
        try:
            room.doc.apply_update(update)
        except (ValueError, RuntimeError) as error:
            raise web.HTTPError(400, f"the document is not a valid Y update: {error}") from None
        await room.flushed()
        return room.doc.get_state() != before


class MergeHandler(MergeAPIHandler):
    """`POST .../merge/preview/{path}`, `POST .../merge/apply/{path}` with one source:
    `{"conflict_copy": "<jupyter path>"}`, `{"version": "<CS3 version key>"}`, or
    `{"notebook": {...}}` / `{"update": base64}` (an upload, optionally with `"base"`)."""

    @web.authenticated
    @authorized
    async def post(self, action: str, path: str) -> None:
        body = self.body()
        apply = action == "apply"
        resource, may_write = await self.notebook_resource(path, write=apply)
        source, theirs, base, base_kind, details = await self._source(body, resource)
        user = current_session().user.username
        room, outcome = await self.merge_into_live_room(
            resource, may_write, base, theirs, label=details.get("from") or source, apply=apply
        )
        if apply:
            room.notify(merged(source, outcome.conflicts_json(), by=user, changed=outcome.changed, **details))
        self.answer(_result(room, resource, outcome, source=source, base=base_kind, applied=apply, **details))

    async def _source(self, body: dict, resource: Resource) -> tuple[str, dict, dict, str, dict]:
        session = current_session()
        if "conflict_copy" in body:
            copy_path = body["conflict_copy"]
            if not isinstance(copy_path, str):
                raise web.HTTPError(400, '"conflict_copy" must be a Jupyter path')
            copy = await self.contents_manager.resource(copy_path)
            try:
                data = await session.files.read_bytes(copy.id)
            except CS3Error as error:
                raise self.cs3_error(error, copy_path) from None
            theirs = self._parse(data, copy_path)
            room_id = room_id_for("json", "notebook", resource.id)
            fork = await RoomRecord(self.runtime.documents, room_id).fork_base(copy.id.encode())
            if fork is not None:
                return "conflict-copy", theirs, base_notebook(fork), "fork-point", {"from": copy_path}
            return "conflict-copy", theirs, await self.room_snapshot(resource), "room-snapshot", {"from": copy_path}
        if "version" in body:
            key = body["version"]
            if not isinstance(key, str) or not key:
                raise web.HTTPError(400, '"version" must be a CS3 version key (GET /api/contents/.../checkpoints)')
            try:
                data = await session.versions.read_bytes(resource.id, key)
            except CS3Error as error:
                raise self.cs3_error(error, f"version {key} of {resource.path}") from None
            theirs = self._parse(data, f"version {key}")
            return "version", theirs, await self.room_snapshot(resource), "room-snapshot", {"from": f"version {key}"}
        if "notebook" in body or "update" in body:
            theirs = _payload({"document": {k: body[k] for k in ("notebook", "update") if k in body}}, "document", "the upload")
            base = _payload(body, "base", "the base", required=False)
            if base is not None:
                return "upload", theirs, base, "given", {"from": "upload"}
            return "upload", theirs, await self.room_snapshot(resource), "room-snapshot", {"from": "upload"}
        raise web.HTTPError(400, 'give one source: "conflict_copy", "version", or "notebook"/"update"')

    @staticmethod
    def _parse(data: bytes, described: str) -> dict:
        try:
            return parse_notebook(data, described=described)
        except InvalidContent as error:
            raise web.HTTPError(400, str(error)) from None


def merge_handlers() -> list[tuple]:
    """The handlers of the recover and merge API, for the extension's handler list."""
    return [
        (r"/api/meshcollab/recover/(.+)", RecoverHandler),
        (r"/api/meshcollab/merge/(preview|apply)/(.+)", MergeHandler),
    ]
