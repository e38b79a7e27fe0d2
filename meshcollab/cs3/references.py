"""Resource ids and references: how a caller names a resource.

A resource is named by an absolute path, by its ResourceId, or by a ResourceId plus a path relative to
it ("./name"), as CS3 references allow. The ResourceId is the stable identity of a file (it survives
overwrites and moves), so meshcollab keys its rooms on it; `ResourceId.encode()` gives a compact,
URL-safe string of it for the room's `fileId` and `ResourceId.decode()` reads it back.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Protocol

from cs3.storage.provider.v1beta1 import resources_pb2 as storage

from meshcollab.cs3.errors import InvalidArgument

# "." is outside the base64url alphabet, so it separates the three parts without any escaping.
_SEPARATOR = "."
_BASE64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _b64encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def _b64decode(part: str) -> str:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode("utf-8")


@dataclass(frozen=True)
class ResourceId:
    """The identity of a resource: the storage provider, the space within it, and the opaque node id."""

    storage_id: str
    opaque_id: str
    space_id: str = ""

    def encode(self) -> str:
        """A compact URL-safe string (letters, digits, "-", "_", ".") that `decode` turns back into it."""
        return _SEPARATOR.join(_b64encode(part) for part in (self.storage_id, self.space_id, self.opaque_id))

    @classmethod
    def decode(cls, encoded: str) -> ResourceId:
        """The id that `encode` turned into `encoded`; InvalidArgument for anything else."""
        parts = encoded.split(_SEPARATOR)
        if len(parts) != 3 or not all(set(part) <= _BASE64URL for part in parts):
            raise InvalidArgument(
                f"{encoded!r} is not an encoded resource id", operation="decode resource id"
            )
        try:
            storage_id, space_id, opaque_id = (_b64decode(part) for part in parts)
        except (binascii.Error, UnicodeDecodeError, ValueError) as error:
            raise InvalidArgument(
                f"{encoded!r} is not an encoded resource id: {error}", operation="decode resource id"
            ) from error
        resource_id = cls(storage_id=storage_id, opaque_id=opaque_id, space_id=space_id)
        # Base64 has more than one spelling of some strings; only the canonical one names this id.
        if resource_id.encode() != encoded:
            raise InvalidArgument(
                f"{encoded!r} is not a canonical resource id", operation="decode resource id"
            )
        return resource_id

    def to_proto(self) -> storage.ResourceId:
        return storage.ResourceId(
            storage_id=self.storage_id, space_id=self.space_id, opaque_id=self.opaque_id
        )

    @classmethod
    def from_proto(cls, message: storage.ResourceId) -> ResourceId | None:
        """None for an unset id (all fields empty)."""
        if not (message.storage_id or message.space_id or message.opaque_id):
            return None
        return cls(storage_id=message.storage_id, opaque_id=message.opaque_id, space_id=message.space_id)

    def __str__(self) -> str:
        # Reva's own spelling, for messages and logs.
        return f"{self.storage_id}${self.space_id}!{self.opaque_id}"


@dataclass(frozen=True)
class Reference:
    """A CS3 reference: an absolute path, a resource id, or a resource id and a path relative to it."""

    resource_id: ResourceId | None = None
    path: str = ""

    def __post_init__(self) -> None:
        if self.resource_id is None:
            if not self.path.startswith("/"):
                raise InvalidArgument(
                    f"a path reference must be absolute, got {self.path!r}", operation="reference"
                )
        elif self.path and not (self.path == "." or self.path.startswith("./")):
            raise InvalidArgument(
                f"a path next to a resource id must be relative ('./name'), got {self.path!r}",
                operation="reference",
            )

    @classmethod
    def child(cls, parent: ResourceId, name: str) -> Reference:
        """The entry `name` inside the container `parent`."""
        return cls(resource_id=parent, path=f"./{name}")

    def to_proto(self) -> storage.Reference:
        if self.resource_id is None:
            return storage.Reference(path=self.path)
        return storage.Reference(resource_id=self.resource_id.to_proto(), path=self.path)

    def __str__(self) -> str:
        if self.resource_id is None:
            return self.path
        return f"{self.resource_id}{self.path[1:] if self.path else ''}"


class HasResourceId(Protocol):
    """Anything that carries a resource id, such as a stat result."""

    @property
    def id(self) -> ResourceId: ...


# What the API accepts wherever it needs a resource.
Target = str | ResourceId | Reference | HasResourceId


def to_reference(target: Target) -> Reference:
    """The Reference a target names: a path string, an id, a Reference, or a resource (by its id)."""
    if isinstance(target, Reference):
        return target
    if isinstance(target, ResourceId):
        return Reference(resource_id=target)
    if isinstance(target, str):
        return Reference(path=target)
    return Reference(resource_id=target.id)
