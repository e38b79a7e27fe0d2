"""ResourcePermissions sets: Reva's roles, and conversions to the field names tokens carry."""

from __future__ import annotations

from collections.abc import Iterable

from cs3.storage.provider.v1beta1 import resources_pb2 as rp

ResourcePermissions = rp.ResourcePermissions
ALL = tuple(f.name for f in ResourcePermissions.DESCRIPTOR.fields)

# As Reva's conversions.NewViewerRole / NewEditorRole / NewManagerRole.
VIEWER = frozenset(
    {
        "get_path",
        "get_quota",
        "initiate_file_download",
        "list_grants",
        "list_container",
        "list_file_versions",
        "list_recycle",
        "stat",
    }
)
EDITOR = VIEWER | {
    "create_container",
    "delete",
    "initiate_file_upload",
    "move",
    "restore_file_version",
    "restore_recycle_item",
}
MANAGER = frozenset(ALL)
ROLES = {"viewer": VIEWER, "editor": EDITOR, "manager": MANAGER}


def from_names(names: Iterable[str]) -> ResourcePermissions:
    return ResourcePermissions(**{name: True for name in names if name in ALL})


def names_of(perms: ResourcePermissions) -> frozenset[str]:
    return frozenset(name for name in ALL if getattr(perms, name))


def union(sets: Iterable[ResourcePermissions]) -> ResourcePermissions:
    names: set[str] = set()
    for perms in sets:
        names |= names_of(perms)
    return from_names(names)
