"""Room ids: `{format}:{type}:{fileId}`, where fileId encodes a CS3 resource id (never a path)."""

from __future__ import annotations

from dataclasses import dataclass

from meshcollab.cs3 import InvalidArgument, ResourceId

FORMATS = {"json", "text"}
TYPES = {"notebook", "file"}


class BadRoomId(ValueError):
    pass


@dataclass(frozen=True)
class RoomKey:
    file_format: str
    file_type: str
    resource_id: ResourceId

    def __str__(self) -> str:
        return room_id_for(self.file_format, self.file_type, self.resource_id)


def room_id_for(file_format: str, file_type: str, resource_id: ResourceId) -> str:
    return f"{file_format}:{file_type}:{resource_id.encode()}"


def parse_room_id(room_id: str) -> RoomKey:
    """Split and check a room id from a URL; raises BadRoomId with what is wrong."""
    parts = room_id.split(":", 2)
    if len(parts) != 3:
        raise BadRoomId(f"room id {room_id!r} is not of the form format:type:fileId")
    file_format, file_type, file_id = parts
    if file_format not in FORMATS or file_type not in TYPES:
        raise BadRoomId(f"unsupported document {file_format!r}:{file_type!r}")
    try:
        resource_id = ResourceId.decode(file_id)
    except InvalidArgument:
        raise BadRoomId(f"file id {file_id!r} is not a CS3 resource id") from None
    return RoomKey(file_format, file_type, resource_id)
