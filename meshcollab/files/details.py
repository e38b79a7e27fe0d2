"""The pieces of a file's information (`info.py`), each from its own CS3 call, as JSON."""

from __future__ import annotations

from meshcollab.collab import parse_conflict_copy_name
from meshcollab.contents.checkpoints import EPOCH
from meshcollab.contents.paths import name_of, parent_of
from meshcollab.cs3 import CS3Session, Lock, Permissions, Resource
from meshcollab.rooms import RoomRegistry
from meshcollab.rooms_ids import room_id_for
from meshcollab.sharing.models import UserNames, when


def file_type(api_path: str, resource: Resource) -> str:
    """As the contents API names it: "directory", "notebook" (an .ipynb file) or "file"."""
    if not resource.is_file:
        return "directory"
    return "notebook" if api_path.endswith(".ipynb") else "file"


def permissions_json(permissions: Permissions, *, is_file: bool, guest: bool) -> dict:
    """What the caller may do; a gateway that sends no permission set leaves it to each operation
    (as the contents API's `writable`). Sharing is never a link guest's."""
    if not permissions.granted:
        return {"read": True, "write": True, "share": not guest}
    read = permissions.can_read if is_file else "list_container" in permissions
    write = permissions.can_write if is_file else "create_container" in permissions
    return {"read": read, "write": write, "share": "add_grant" in permissions and not guest}


async def lock_json(lock: Lock | None, names: UserNames, room_app: str) -> dict | None:
    if lock is None:
        return None
    return {
        "app": lock.app_name,
        "holder": await names.of(lock.user),
        "expires": when(lock.expiration),
        "meshcollab": lock.app_name == room_app,
    }


async def versions_json(session: CS3Session, resource: Resource) -> list[dict]:
    """The file's earlier contents, newest first."""
    versions = await session.versions.list(resource.id)
    # Gateways list versions newest first; sorting by time (stable) keeps that order within a second.
    newest_first = sorted(versions, key=lambda version: version.mtime or EPOCH, reverse=True)
    return [{"key": v.key, "modified": when(v.mtime), "size": v.size} for v in newest_first]


async def conflict_copies_json(session: CS3Session, folder: str, api_path: str) -> list[dict]:
    """The conflict copies of the file at `api_path` in its folder (`folder`: that folder in CS3),
    newest first; see `meshcollab.collab.conflict_copy_name`."""
    name, parent = name_of(api_path), parent_of(api_path)
    copies = []
    for entry in await session.files.list(folder):
        parsed = parse_conflict_copy_name(name, entry.name) if entry.is_file else None
        if parsed is not None:
            user, created = parsed
            path = f"{parent}/{entry.name}" if parent else entry.name
            copies.append((created, {"path": path, "user": user}))
    copies.sort(key=lambda copy: copy[0], reverse=True)
    return [{**copy, "created": when(created)} for created, copy in copies]


def room_json(registry: RoomRegistry, resource: Resource, kind: str) -> dict:
    """Whether the document's room is loaded on this server, and how many connections it has."""
    room = None
    if kind != "directory":
        file_format, file_type = ("json", "notebook") if kind == "notebook" else ("text", "file")
        room = registry.get(room_id_for(file_format, file_type, resource.id))
    return {"active": room is not None, "members": len(room.connections) if room is not None else 0}
