"""The values the adapter hands out: small immutable dataclasses read from CS3 protobufs.

Only what meshcollab uses is kept; timestamps become timezone-aware datetimes (None when unset),
enums become Python enums, permissions a set of granted CS3 permission names.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timezone

from cs3.identity.user.v1beta1 import resources_pb2 as identity
from cs3.ocm.invite.v1beta1 import resources_pb2 as ocm_invite
from cs3.ocm.provider.v1beta1 import resources_pb2 as ocm_provider
from cs3.sharing.collaboration.v1beta1 import resources_pb2 as collaboration
from cs3.sharing.link.v1beta1 import resources_pb2 as link
from cs3.sharing.ocm.v1beta1 import resources_pb2 as ocm
from cs3.storage.provider.v1beta1 import resources_pb2 as storage
from cs3.types.v1beta1 import types_pb2 as types

from meshcollab.cs3.references import ResourceId

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def to_datetime(timestamp: types.Timestamp) -> datetime | None:
    if not (timestamp.seconds or timestamp.nanos):
        return None
    return datetime.fromtimestamp(timestamp.seconds + timestamp.nanos / 1e9, tz=timezone.utc)


def to_timestamp(moment: datetime) -> types.Timestamp:
    if moment.tzinfo is None:
        raise ValueError(f"a timestamp for CS3 needs a timezone, got the naive datetime {moment}")
    since_epoch = moment - _EPOCH  # exact, unlike the float of moment.timestamp()
    return types.Timestamp(
        seconds=since_epoch.days * 86400 + since_epoch.seconds, nanos=since_epoch.microseconds * 1000
    )


def plain_opaque(entries: dict[str, str]) -> types.Opaque:
    """An Opaque of plain-text entries, the way Reva passes extra arguments (e.g. `version_key`)."""
    return types.Opaque(
        map={key: types.OpaqueEntry(decoder="plain", value=value.encode()) for key, value in entries.items()}
    )


class ResourceType(enum.Enum):
    INVALID = storage.RESOURCE_TYPE_INVALID
    FILE = storage.RESOURCE_TYPE_FILE
    CONTAINER = storage.RESOURCE_TYPE_CONTAINER
    REFERENCE = storage.RESOURCE_TYPE_REFERENCE
    SYMLINK = storage.RESOURCE_TYPE_SYMLINK
    INTERNAL = storage.RESOURCE_TYPE_INTERNAL


class LockType(enum.Enum):
    SHARED = storage.LOCK_TYPE_SHARED
    WRITE = storage.LOCK_TYPE_WRITE
    EXCLUSIVE = storage.LOCK_TYPE_EXCL


class ShareState(enum.Enum):
    PENDING = collaboration.SHARE_STATE_PENDING
    ACCEPTED = collaboration.SHARE_STATE_ACCEPTED
    REJECTED = collaboration.SHARE_STATE_REJECTED


_PERMISSION_NAMES = frozenset(f.name for f in storage.ResourcePermissions.DESCRIPTOR.fields)


@dataclass(frozen=True)
class Permissions:
    """The CS3 permissions granted on a resource, by their ResourcePermissions field names."""

    granted: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = self.granted - _PERMISSION_NAMES
        if unknown:
            raise ValueError(f"unknown CS3 permissions: {sorted(unknown)}")

    @classmethod
    def of(cls, *names: str) -> Permissions:
        return cls(frozenset(names))

    @property
    def can_read(self) -> bool:
        return "initiate_file_download" in self.granted

    @property
    def can_write(self) -> bool:
        return "initiate_file_upload" in self.granted

    def __contains__(self, name: str) -> bool:
        return name in self.granted

    @classmethod
    def from_proto(cls, message: storage.ResourcePermissions) -> Permissions:
        return cls(frozenset(f.name for f, value in message.ListFields() if value))

    def to_proto(self) -> storage.ResourcePermissions:
        return storage.ResourcePermissions(**{name: True for name in self.granted})


# The roles Reva grants through shares and links (Reva's pkg/permissions/role.go).
VIEWER = Permissions.of(
    "get_path", "initiate_file_download", "list_container", "list_file_versions", "list_recycle", "stat"
)
EDITOR = Permissions(
    VIEWER.granted
    | {
        "initiate_file_upload",
        "restore_file_version",
        "restore_recycle_item",
        "create_container",
        "delete",
        "move",
        "purge_recycle",
    }
)


@dataclass(frozen=True)
class UserId:
    """A user's identity: the identity provider, the opaque id, and the user type (e.g. "primary")."""

    idp: str
    opaque_id: str
    type: str = "primary"

    @classmethod
    def from_proto(cls, message: identity.UserId) -> UserId | None:
        if not (message.idp or message.opaque_id):
            return None
        type_name = identity.UserType.Name(message.type).removeprefix("USER_TYPE_").lower()
        return cls(idp=message.idp, opaque_id=message.opaque_id, type=type_name)

    def to_proto(self) -> identity.UserId:
        return identity.UserId(
            idp=self.idp,
            opaque_id=self.opaque_id,
            type=identity.UserType.Value(f"USER_TYPE_{self.type.upper()}"),
        )


@dataclass(frozen=True)
class User:
    id: UserId | None
    username: str
    display_name: str = ""
    mail: str = ""
    groups: tuple[str, ...] = ()

    @classmethod
    def from_proto(cls, message: identity.User) -> User:
        return cls(
            id=UserId.from_proto(message.id),
            username=message.username,
            display_name=message.display_name,
            mail=message.mail,
            groups=tuple(message.groups),
        )


@dataclass(frozen=True)
class Lock:
    """A lock on a file; `expiration` None means it does not expire by itself."""

    lock_id: str
    type: LockType = LockType.WRITE
    app_name: str = ""
    user: UserId | None = None
    expiration: datetime | None = None
    created: datetime | None = None

    @classmethod
    def from_proto(cls, message: storage.Lock) -> Lock | None:
        if not message.lock_id:
            return None
        return cls(
            lock_id=message.lock_id,
            type=LockType(message.type) if message.type else LockType.WRITE,
            app_name=message.app_name,
            user=UserId.from_proto(message.user),
            expiration=to_datetime(message.expiration),
            created=to_datetime(message.creation_time),
        )

    def to_proto(self) -> storage.Lock:
        message = storage.Lock(lock_id=self.lock_id, type=self.type.value, app_name=self.app_name)
        if self.user is not None:
            message.user.CopyFrom(self.user.to_proto())
        if self.expiration is not None:
            message.expiration.CopyFrom(to_timestamp(self.expiration))
        return message


@dataclass(frozen=True)
class Resource:
    """What Stat and ListContainer tell about a file or folder."""

    id: ResourceId
    path: str
    name: str
    type: ResourceType
    size: int = 0
    mtime: datetime | None = None
    etag: str = ""
    mime_type: str = ""
    parent_id: ResourceId | None = None
    permissions: Permissions = Permissions()
    owner: UserId | None = None
    lock: Lock | None = None
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def is_file(self) -> bool:
        return self.type is ResourceType.FILE

    @property
    def is_container(self) -> bool:
        return self.type is ResourceType.CONTAINER

    @classmethod
    def from_proto(cls, message: storage.ResourceInfo) -> Resource:
        return cls(
            id=ResourceId.from_proto(message.id),
            path=message.path,
            name=message.name or message.path.rstrip("/").rsplit("/", 1)[-1],
            type=ResourceType(message.type),
            size=message.size,
            mtime=to_datetime(message.mtime),
            etag=message.etag,
            mime_type=message.mime_type,
            parent_id=ResourceId.from_proto(message.parent_id),
            permissions=Permissions.from_proto(message.permission_set),
            owner=UserId.from_proto(message.owner),
            lock=Lock.from_proto(message.lock),
            metadata=dict(message.arbitrary_metadata.metadata),
        )


@dataclass(frozen=True)
class FileVersion:
    """An earlier content of a file, named by `key`."""

    key: str
    size: int
    mtime: datetime | None
    etag: str = ""

    @classmethod
    def from_proto(cls, message: storage.FileVersion) -> FileVersion:
        mtime = datetime.fromtimestamp(message.mtime, tz=timezone.utc) if message.mtime else None
        return cls(key=message.key, size=message.size, mtime=mtime, etag=message.etag)


@dataclass(frozen=True)
class Quota:
    total_bytes: int
    used_bytes: int

    @property
    def free_bytes(self) -> int:
        return max(self.total_bytes - self.used_bytes, 0)


@dataclass(frozen=True)
class Share:
    """A share of a resource with a user, as its creator sees it."""

    id: str
    resource_id: ResourceId | None
    grantee: UserId | None
    permissions: Permissions
    owner: UserId | None = None
    creator: UserId | None = None
    created: datetime | None = None
    modified: datetime | None = None
    expiration: datetime | None = None

    @classmethod
    def from_proto(cls, message: collaboration.Share) -> Share:
        return cls(
            id=message.id.opaque_id,
            resource_id=ResourceId.from_proto(message.resource_id),
            grantee=UserId.from_proto(message.grantee.user_id),
            permissions=Permissions.from_proto(message.permissions.permissions),
            owner=UserId.from_proto(message.owner),
            creator=UserId.from_proto(message.creator),
            created=to_datetime(message.ctime),
            modified=to_datetime(message.mtime),
            expiration=to_datetime(message.expiration),
        )


@dataclass(frozen=True)
class ReceivedShare:
    """A share as its recipient sees it: its state and where it is mounted once accepted."""

    share: Share
    state: ShareState
    mount_point: str = ""
    hidden: bool = False

    @classmethod
    def from_proto(cls, message: collaboration.ReceivedShare) -> ReceivedShare:
        return cls(
            share=Share.from_proto(message.share),
            state=ShareState(message.state),
            mount_point=message.mount_point.path,
            hidden=message.hidden,
        )


@dataclass(frozen=True)
class PublicLink:
    """A public (link) share; `token` is what the link's URL carries."""

    id: str
    token: str
    resource_id: ResourceId | None
    permissions: Permissions
    password_protected: bool = False
    expiration: datetime | None = None
    display_name: str = ""
    description: str = ""
    owner: UserId | None = None
    creator: UserId | None = None
    created: datetime | None = None
    modified: datetime | None = None

    @classmethod
    def from_proto(cls, message: link.PublicShare) -> PublicLink:
        return cls(
            id=message.id.opaque_id,
            token=message.token,
            resource_id=ResourceId.from_proto(message.resource_id),
            permissions=Permissions.from_proto(message.permissions.permissions),
            password_protected=message.password_protected,
            expiration=to_datetime(message.expiration),
            display_name=message.display_name,
            description=message.description,
            owner=UserId.from_proto(message.owner),
            creator=UserId.from_proto(message.creator),
            created=to_datetime(message.ctime),
            modified=to_datetime(message.mtime),
        )


@dataclass(frozen=True)
class Space:
    """A storage space: a user's personal space or a project space. `root_path` and `root_permissions`
    are what the gateway says of the space's root (its `root_info`), when it says it: the path the
    root has in the gateway's namespace, and what the caller may do there."""

    id: str
    name: str
    space_type: str
    root: ResourceId | None
    owner: UserId | None = None
    quota_max_bytes: int = 0
    mtime: datetime | None = None
    root_path: str = ""
    root_permissions: Permissions = Permissions()

    @classmethod
    def from_proto(cls, message: storage.StorageSpace) -> Space:
        return cls(
            id=message.id.opaque_id,
            name=message.name,
            space_type=message.space_type,
            root=ResourceId.from_proto(message.root),
            owner=UserId.from_proto(message.owner.id),
            quota_max_bytes=message.quota.quota_max_bytes,
            mtime=to_datetime(message.mtime),
            root_path=message.root_info.path,
            root_permissions=Permissions.from_proto(message.root_info.permission_set),
        )


# -- federated (OCM) shares --------------------------------------------------------------------


def _ocm_state(value: int) -> ShareState:
    # OCM's TRANSFERRING (a data transfer under way) is still waiting for the recipient: PENDING.
    name = ocm.ShareState.Name(value).removeprefix("SHARE_STATE_")
    return ShareState[name] if name in ShareState.__members__ else ShareState.PENDING


@dataclass(frozen=True)
class OCMProvider:
    """An institution of the mesh, as the gateway's provider authorizer lists it; `services` maps a
    service kind (e.g. "OCM") to its endpoint."""

    domain: str
    name: str = ""
    services: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_proto(cls, message: ocm_provider.ProviderInfo) -> OCMProvider:
        services = {s.endpoint.type.name: s.endpoint.path or s.host for s in message.services}
        return cls(domain=message.domain, name=message.full_name or message.name, services=services)


@dataclass(frozen=True)
class OCMShare:
    """A federated share as its creator sees it; `grantee` is the remote user (idp = their
    institution's domain)."""

    id: str
    resource_id: ResourceId | None
    name: str
    grantee: UserId | None
    permissions: Permissions
    owner: UserId | None = None
    creator: UserId | None = None
    created: datetime | None = None
    modified: datetime | None = None
    expiration: datetime | None = None

    @classmethod
    def from_proto(cls, message: ocm.Share) -> OCMShare:
        granted = Permissions()
        for method in message.access_methods:
            if method.WhichOneof("term") == "webdav_options":
                granted = Permissions.from_proto(method.webdav_options.permissions)
        return cls(
            id=message.id.opaque_id,
            resource_id=ResourceId.from_proto(message.resource_id),
            name=message.name,
            grantee=UserId.from_proto(message.grantee.user_id),
            permissions=granted,
            owner=UserId.from_proto(message.owner),
            creator=UserId.from_proto(message.creator),
            created=to_datetime(message.ctime),
            modified=to_datetime(message.mtime),
            expiration=to_datetime(message.expiration),
        )


@dataclass(frozen=True)
class ReceivedOCMShare:
    """A federated share as its recipient sees it: who shared it from which institution (`owner`,
    `creator`: idp = their domain), its state, and what it grants."""

    id: str
    name: str
    state: ShareState
    owner: UserId | None
    creator: UserId | None = None
    remote_share_id: str = ""
    is_folder: bool = False
    permissions: Permissions = Permissions()
    created: datetime | None = None
    modified: datetime | None = None
    expiration: datetime | None = None
    hidden: bool = False
    mount_point: str = ""  # relative to the home, e.g. "OCM/nb.ipynb" (the embedded store; Reva: "")

    @property
    def provider(self) -> str:
        """The domain of the institution that shared it."""
        return self.owner.idp if self.owner else ""

    @classmethod
    def from_proto(cls, message: ocm.ReceivedShare) -> ReceivedOCMShare:
        return cls(
            id=message.id.opaque_id,
            name=message.name,
            state=_ocm_state(message.state),
            owner=UserId.from_proto(message.owner),
            creator=UserId.from_proto(message.creator),
            remote_share_id=message.remote_share_id,
            is_folder=message.resource_type == storage.RESOURCE_TYPE_CONTAINER,
            permissions=_received_permissions(message.protocols),
            created=to_datetime(message.ctime),
            modified=to_datetime(message.mtime),
            expiration=to_datetime(message.expiration),
            hidden=message.hidden,
            mount_point=message.opaque.map["mount_point"].value.decode()
            if "mount_point" in message.opaque.map
            else "",
        )


def _received_permissions(protocols) -> Permissions:
    """Reva puts them in the WebDAV protocol; the embedded store in a generic `cs3` protocol."""
    for protocol in protocols:
        term = protocol.WhichOneof("term")
        if term == "webdav_options" and protocol.webdav_options.HasField("permissions"):
            return Permissions.from_proto(protocol.webdav_options.permissions.permissions)
        if term == "generic_options" and "permissions" in protocol.generic_options.map:
            names = protocol.generic_options.map["permissions"].value.decode()
            return Permissions(frozenset(n for n in names.split(",") if n in _PERMISSION_NAMES))
    return Permissions()


@dataclass(frozen=True)
class OCMInvite:
    """An invitation to connect, made by `inviter` at this institution, to hand to someone at
    another institution (who forwards it from theirs)."""

    token: str
    inviter: UserId | None = None
    expiration: datetime | None = None
    description: str = ""

    @classmethod
    def from_proto(cls, message: ocm_invite.InviteToken) -> OCMInvite:
        return cls(
            token=message.token,
            inviter=UserId.from_proto(message.user_id),
            expiration=to_datetime(message.expiration),
            description=message.description,
        )
