"""User shares: what an owner grants another user on a file or folder, and what the recipient
accepts, rejects or renames. As Reva's usershareprovider with its json/sql share managers, behind
the gateway's permission checks:

- CreateShare needs `add_grant` on the resource; the grant may be any ResourcePermissions (the
  viewer and editor roles are conventions), but no more than the sharer has. One share per
  resource and grantee (CODE_ALREADY_EXISTS); sharing with yourself or with the owner is refused.
- The share's owner is the owner of the resource's space, its creator the caller.
- A recipient reaches the resource (and what is below a folder) by id with exactly the granted
  permissions, whatever the state of the share, as Reva writes the grant to the storage at
  creation; a removed or downgraded share counts from the next call.
- A received share starts PENDING. Accepting mounts it in the recipient's share folder,
  `/home/<user>/MyShares/<mount point>` (Reva's gateway `share_folder`), under the resource's
  name, or `name (1).ext` if that is taken, as Reva's usershareprovider picks mount points.

Tables `shares_shares` (one row a share) and `shares_received` (a recipient's state and mount
point) live in the store's SQLite file, so shares survive a restart."""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from cs3.gateway.v1beta1 import gateway_api_pb2 as gw
from cs3.gateway.v1beta1 import resources_pb2 as gw_resources
from cs3.identity.user.v1beta1 import resources_pb2 as user_pb2
from cs3.sharing.collaboration.v1beta1 import collaboration_api_pb2 as collab
from cs3.sharing.collaboration.v1beta1 import resources_pb2 as sharing
from cs3.storage.provider.v1beta1 import resources_pb2 as rp
from cs3.types.v1beta1 import types_pb2

from . import permissions
from .access import OutOfScope, Principal
from .namespace import Node
from .rpc import ApiBase, rpc
from .status import (
    StoreError,
    already_exists,
    invalid_argument,
    not_found,
    ok,
    permission_denied,
    unimplemented,
)
from .users import UserRecord

SHARE_FOLDER = "MyShares"  # as Reva's gateway `share_folder` default
Filter = sharing.Filter
PENDING, ACCEPTED, REJECTED = (
    sharing.SHARE_STATE_PENDING,
    sharing.SHARE_STATE_ACCEPTED,
    sharing.SHARE_STATE_REJECTED,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS shares_shares (
    id TEXT PRIMARY KEY,
    resource_id TEXT NOT NULL,
    space_id TEXT NOT NULL,
    grantee_type INTEGER NOT NULL,
    grantee_id TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    creator_id TEXT NOT NULL,
    permissions TEXT NOT NULL,
    ctime_ns INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    expiration_s INTEGER,
    description TEXT NOT NULL DEFAULT '',
    UNIQUE (resource_id, grantee_type, grantee_id)
);
CREATE INDEX IF NOT EXISTS shares_shares_by_grantee ON shares_shares (grantee_id, resource_id);
CREATE TABLE IF NOT EXISTS shares_received (
    share_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    state INTEGER NOT NULL,
    mount_point TEXT NOT NULL DEFAULT '',
    hidden INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (share_id, user_id)
);
"""

GRANT_PERMISSIONS = frozenset({"add_grant", "update_grant", "remove_grant", "deny_grant", "list_grants"})


# -- small conversions, also used by links.py ------------------------------------------------


def timestamp(ns: int) -> types_pb2.Timestamp:
    return types_pb2.Timestamp(seconds=ns // 1_000_000_000, nanos=ns % 1_000_000_000)


def expiration_of(ts: types_pb2.Timestamp | None) -> int | None:
    """Seconds since the epoch, or None for a Timestamp that is absent or zero (no expiration)."""
    return ts.seconds if ts is not None and (ts.seconds or ts.nanos) else None


def expired(expiration_s: int | None) -> bool:
    return expiration_s is not None and expiration_s <= time.time()


def encode_permissions(perms: rp.ResourcePermissions) -> str:
    return ",".join(sorted(permissions.names_of(perms)))


def decode_permissions(names: str) -> rp.ResourcePermissions:
    return permissions.from_names(n for n in names.split(",") if n)


def user_id_of(store, opaque_id: str) -> user_pb2.UserId:
    user = store.users.by_id(opaque_id)
    return user.user_id() if user else user_pb2.UserId(opaque_id=opaque_id, type=user_pb2.USER_TYPE_PRIMARY)


def resource_reference(info: rp.ResourceInfo) -> rp.Reference:
    """What the resource_info of a create request names: its id, else its path."""
    if info.HasField("id") and info.id.opaque_id:
        return rp.Reference(resource_id=info.id)
    if info.path:
        return rp.Reference(path=info.path)
    raise invalid_argument("the request's resource_info needs the id (or the path) of the resource to share")


def owner_of(node: Node, creator: UserRecord) -> UserRecord:
    """A share or link is owned by the owner of the resource's space (a project's first manager)."""
    return node.space.owner or creator


async def grantable(
    store, principal: Principal, info: rp.ResourceInfo, granted: rp.ResourcePermissions, what: str
) -> Node:
    """The resource a create request names, if the caller may `what` it with `granted`: they need
    `add_grant` on it (as Reva's gateway), and grant no more than they hold."""
    node, held = await store.authorized(principal, resource_reference(info), "add_grant")
    require_within(granted, held, what)
    return node


def require_within(granted: rp.ResourcePermissions, held: rp.ResourcePermissions, what: str) -> None:
    extra = permissions.names_of(granted) - permissions.names_of(held)
    if extra:
        raise permission_denied(f"cannot {what} more than you may do yourself: {', '.join(sorted(extra))}")


def refuse_scoped(principal: Principal, what: str) -> None:
    """A public-link token reaches one resource; Reva's scope check refuses every sharing call."""
    if principal.scope is not None:
        raise OutOfScope(f"a {principal.scope.kind} token cannot {what}")


def match_filters(filters: Iterable, matches) -> bool:
    """Filters of one type are alternatives (OR), filters of different types all apply (AND), as Reva."""
    by_type: dict[int, list] = {}
    for f in filters:
        by_type.setdefault(f.type, []).append(f)
    return all(any(matches(f) for f in group) for group in by_type.values())


def same_resource(rid: rp.ResourceId, resource_id: str, space_id: str) -> bool:
    return rid.opaque_id == resource_id and (not rid.space_id or rid.space_id == space_id)


# -- the rows --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShareRow:
    id: str
    resource_id: str
    space_id: str
    grantee_type: int
    grantee_id: str
    owner_id: str
    creator_id: str
    permissions: str
    ctime_ns: int
    mtime_ns: int
    expiration_s: int | None
    description: str
    state: int = PENDING
    mount_point: str = ""
    hidden: bool = False

    @classmethod
    def of(cls, row: sqlite3.Row) -> ShareRow:
        keys = row.keys()
        extra = {k: row[k] for k in ("state", "mount_point") if k in keys and row[k] is not None}
        if "hidden" in keys and row["hidden"] is not None:
            extra["hidden"] = bool(row["hidden"])
        return cls(*(row[k] for k in SHARE_COLUMNS), **extra)

    def involves(self, user: UserRecord) -> bool:
        return user.opaque_id in (self.owner_id, self.creator_id, self.grantee_id)

    def managed_by(self, user: UserRecord) -> bool:
        return user.opaque_id in (self.owner_id, self.creator_id)


SHARE_COLUMNS = (
    "id",
    "resource_id",
    "space_id",
    "grantee_type",
    "grantee_id",
    "owner_id",
    "creator_id",
    "permissions",
    "ctime_ns",
    "mtime_ns",
    "expiration_s",
    "description",
)
SELECT_SHARES = f"SELECT {', '.join('s.' + c for c in SHARE_COLUMNS)} FROM shares_shares s"
SELECT_RECEIVED = (
    f"SELECT {', '.join('s.' + c for c in SHARE_COLUMNS)}, r.state, r.mount_point, r.hidden "
    "FROM shares_shares s LEFT JOIN shares_received r ON r.share_id = s.id AND r.user_id = ?"
)
NOT_EXPIRED = "(s.expiration_s IS NULL OR s.expiration_s > ?)"


class SharesApi(ApiBase):
    async def setup(self) -> None:
        await super().setup()
        await self.store.db.executescript(SCHEMA)
        self.store.access.add_grant_source(self._share_grants)
        self.store.namespace.add_path_resolver(self._share_mounted_path)

    # -- what recipients get ----------------------------------------------------------------

    async def _share_grants(self, user: UserRecord, ids: list[str]) -> rp.ResourcePermissions | None:
        rows = await self.store.db.fetchall(
            f"SELECT s.permissions FROM shares_shares s WHERE s.grantee_type = ? AND s.grantee_id = ? "
            f"AND s.resource_id IN ({','.join('?' * len(ids))}) AND {NOT_EXPIRED}",
            (rp.GRANTEE_TYPE_USER, user.opaque_id, *ids, int(time.time())),
        )
        return permissions.union(decode_permissions(r["permissions"]) for r in rows) if rows else None

    async def _share_mounted_path(self, path: str) -> str | None:
        """`/home/<user>/MyShares/<mount point>/rest` -> the shared resource's path + `/rest`, for
        a share that user accepted; what the caller may do there is then checked as usual."""
        parts = path.split("/")
        if len(parts) < 5 or parts[1] != "home" or parts[3] != SHARE_FOLDER:
            return None
        user = self.store.users.by_username(parts[2])
        if user is None:
            return None
        row = await self.store.db.fetchone(
            "SELECT s.resource_id FROM shares_shares s JOIN shares_received r ON r.share_id = s.id "
            f"WHERE r.user_id = ? AND r.state = ? AND r.mount_point = ? AND {NOT_EXPIRED}",
            (user.opaque_id, ACCEPTED, parts[4], int(time.time())),
        )
        target = await self.store.namespace.path_of(row["resource_id"]) if row else None
        if target is None:
            return None
        return "/".join([target, *parts[5:]])

    # -- shares as their owner sees them ----------------------------------------------------

    @rpc(collab.CreateShareResponse)
    async def CreateShare(self, request: collab.CreateShareRequest, principal: Principal):
        refuse_scoped(principal, "create shares")
        grant = request.grant
        granted = grant.permissions.permissions
        if not permissions.names_of(granted):
            raise unimplemented(
                "a share without permissions (a denial) is not supported by the embedded store"
            )
        node = await grantable(self.store, principal, request.resource_info, granted, "share")
        grantee = self._share_grantee(grant.grantee)
        owner = owner_of(node, principal.user)
        if grantee in (principal.user, owner):
            raise invalid_argument(
                f"{grantee.username} owns or is sharing {node.path}: a share needs another user"
            )
        # A past expiration is accepted, as by Reva's share managers: the share is then absent.
        expiration = expiration_of(grant.expiration if grant.HasField("expiration") else None)
        now = time.time_ns()
        row = ShareRow(
            str(uuid.uuid4()),
            node.opaque_id,
            node.space.space_id,
            rp.GRANTEE_TYPE_USER,
            grantee.opaque_id,
            owner.opaque_id,
            principal.user.opaque_id,
            encode_permissions(granted),
            now,
            now,
            expiration,
            "",  # a description comes with UpdateShare (mask `description`): CreateShare has none
        )

        def insert(conn: sqlite3.Connection) -> None:
            # A share that has expired no longer counts: a new one replaces it.
            conn.execute(
                "DELETE FROM shares_received WHERE share_id IN (SELECT id FROM shares_shares WHERE "
                "resource_id = ? AND grantee_type = ? AND grantee_id = ? AND expiration_s <= ?)",
                (row.resource_id, row.grantee_type, row.grantee_id, int(time.time())),
            )
            conn.execute(
                "DELETE FROM shares_shares WHERE resource_id = ? AND grantee_type = ? AND grantee_id = ? "
                "AND expiration_s <= ?",
                (row.resource_id, row.grantee_type, row.grantee_id, int(time.time())),
            )
            try:
                conn.execute(
                    f"INSERT INTO shares_shares ({', '.join(SHARE_COLUMNS)}) VALUES "
                    f"({', '.join('?' * len(SHARE_COLUMNS))})",
                    tuple(getattr(row, c) for c in SHARE_COLUMNS),
                )
            except sqlite3.IntegrityError:
                raise already_exists(f"{node.path} is already shared with {grantee.username}") from None

        await self.store.db.run(insert)
        return collab.CreateShareResponse(status=ok(), share=self._share_proto(row))

    @rpc(collab.GetShareResponse)
    async def GetShare(self, request: collab.GetShareRequest, principal: Principal):
        refuse_scoped(principal, "read shares")
        row = await self._share_visible(request.ref, principal)
        return collab.GetShareResponse(status=ok(), share=self._share_proto(row))

    @rpc(collab.UpdateShareResponse)
    async def UpdateShare(self, request: collab.UpdateShareRequest, principal: Principal):
        refuse_scoped(principal, "update shares")
        ref = request.ref if request.HasField("ref") else sharing.ShareReference(id=request.share.id)
        row = await self._share_visible(ref, principal)
        held = await self._share_manage(row, principal, "update_grant")
        paths = set(request.update_mask.paths)
        field = request.field.WhichOneof("field") if request.HasField("field") else None
        changes: dict[str, object] = {}
        if "permissions" in paths or field == "permissions":
            granted = (
                request.share.permissions if "permissions" in paths else request.field.permissions
            ).permissions
            if not permissions.names_of(granted):
                raise unimplemented(
                    "a share without permissions (a denial) is not supported by the embedded store"
                )
            require_within(granted, held, "share")
            changes["permissions"] = encode_permissions(granted)
        if "expiration" in paths or field == "expiration":
            given = request.share.expiration if "expiration" in paths else request.field.expiration
            changes["expiration_s"] = expiration_of(given)
        if "description" in paths:
            changes["description"] = request.share.description
        if (
            not changes and field != "display_name"
        ):  # shares have no display name: accepted, ignored (as Reva's sql)
            raise invalid_argument(
                "UpdateShare needs a field (permissions, expiration) or an update_mask naming one"
            )
        changes["mtime_ns"] = time.time_ns()
        assignments = ", ".join(f"{name} = ?" for name in changes)
        await self.store.db.execute(
            f"UPDATE shares_shares SET {assignments} WHERE id = ?", (*changes.values(), row.id)
        )
        updated = await self._share_by_id(row.id)
        return collab.UpdateShareResponse(status=ok(), share=self._share_proto(updated))

    @rpc(collab.RemoveShareResponse)
    async def RemoveShare(self, request: collab.RemoveShareRequest, principal: Principal):
        refuse_scoped(principal, "remove shares")
        row = await self._share_visible(request.ref, principal)
        await self._share_manage(row, principal, "remove_grant")

        def remove(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM shares_received WHERE share_id = ?", (row.id,))
            conn.execute("DELETE FROM shares_shares WHERE id = ?", (row.id,))

        await self.store.db.run(remove)
        return collab.RemoveShareResponse(status=ok())

    @rpc(collab.ListSharesResponse)
    async def ListShares(self, request: collab.ListSharesRequest, principal: Principal):
        refuse_scoped(principal, "list shares")
        return collab.ListSharesResponse(
            status=ok(), shares=[self._share_proto(r) for r in await self._share_owned(request, principal)]
        )

    @rpc(gw.ListExistingSharesResponse)
    async def ListExistingShares(self, request: collab.ListSharesRequest, principal: Principal):
        refuse_scoped(principal, "list shares")
        infos = []
        for row in await self._share_owned(request, principal):
            if (info := await self._share_resource_info(principal, row)) is not None:
                infos.append(gw_resources.ShareResourceInfo(share=self._share_proto(row), resource_info=info))
        return gw.ListExistingSharesResponse(status=ok(), share_infos=infos)

    # -- shares as their recipient sees them ------------------------------------------------

    @rpc(collab.ListReceivedSharesResponse)
    async def ListReceivedShares(self, request: collab.ListReceivedSharesRequest, principal: Principal):
        refuse_scoped(principal, "list received shares")
        rows = await self._share_received(request.filters, principal)
        return collab.ListReceivedSharesResponse(
            status=ok(), shares=[self._share_received_proto(r) for r in rows]
        )

    @rpc(gw.ListExistingReceivedSharesResponse)
    async def ListExistingReceivedShares(
        self, request: collab.ListReceivedSharesRequest, principal: Principal
    ):
        refuse_scoped(principal, "list received shares")
        infos = []
        for row in await self._share_received(request.filters, principal):
            if (info := await self._share_resource_info(principal, row)) is not None:
                infos.append(
                    gw_resources.ReceivedShareResourceInfo(
                        received_share=self._share_received_proto(row), resource_info=info
                    )
                )
        return gw.ListExistingReceivedSharesResponse(status=ok(), share_infos=infos)

    @rpc(collab.GetReceivedShareResponse)
    async def GetReceivedShare(self, request: collab.GetReceivedShareRequest, principal: Principal):
        refuse_scoped(principal, "read received shares")
        row = await self._share_received_one(request.ref, principal)
        return collab.GetReceivedShareResponse(status=ok(), share=self._share_received_proto(row))

    @rpc(collab.UpdateReceivedShareResponse)
    async def UpdateReceivedShare(self, request: collab.UpdateReceivedShareRequest, principal: Principal):
        refuse_scoped(principal, "update received shares")
        wanted = request.share
        if not wanted.share.id.opaque_id:
            raise invalid_argument("UpdateReceivedShare needs share.share.id")
        paths = list(request.update_mask.paths)
        unknown = set(paths) - {"state", "mount_point", "hidden"}
        if not paths or unknown:
            raise invalid_argument(
                f"update_mask must name state, mount_point or hidden, not {sorted(unknown) or 'nothing'}"
            )
        if "state" in paths and wanted.state not in (PENDING, ACCEPTED, REJECTED):
            raise invalid_argument(f"{sharing.ShareState.Name(wanted.state)} is not a state to set")
        row = await self._share_received_one(sharing.ShareReference(id=wanted.share.id), principal)
        name = (
            self._share_mount_name(wanted.mount_point.path, principal.user) if "mount_point" in paths else ""
        )
        node = (
            await self.store.namespace.by_id(row.resource_id)
            if "state" in paths and wanted.state == ACCEPTED
            else None
        )
        user_id = principal.user.opaque_id

        def update(conn: sqlite3.Connection) -> ShareRow:
            state, mount_point, hidden = row.state, row.mount_point, row.hidden
            if "state" in paths:
                state = wanted.state
                hidden = state == REJECTED
                if state != ACCEPTED:
                    mount_point = ""  # unmounted: its name is free again
                elif not mount_point and not name:
                    mount_point = _free_mount_point(conn, user_id, row, node.name)
            if "hidden" in paths:
                hidden = wanted.hidden
            if name:
                taken = conn.execute(
                    "SELECT 1 FROM shares_received WHERE user_id = ? AND state = ? AND mount_point = ? AND share_id != ?",
                    (user_id, ACCEPTED, name, row.id),
                ).fetchone()
                if taken:
                    raise already_exists(f"another share is mounted at {SHARE_FOLDER}/{name}")
                mount_point = name
            conn.execute(
                "INSERT INTO shares_received (share_id, user_id, state, mount_point, hidden) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (share_id, user_id) DO UPDATE SET state = excluded.state, "
                "mount_point = excluded.mount_point, hidden = excluded.hidden",
                (row.id, user_id, state, mount_point, int(hidden)),
            )
            return ShareRow(
                *(getattr(row, c) for c in SHARE_COLUMNS), state=state, mount_point=mount_point, hidden=hidden
            )

        updated = await self.store.db.run(update)
        return collab.UpdateReceivedShareResponse(status=ok(), share=self._share_received_proto(updated))

    # -- lookups ----------------------------------------------------------------------------

    def _share_grantee(self, grantee: rp.Grantee) -> UserRecord:
        if grantee.type == rp.GRANTEE_TYPE_GROUP:
            raise unimplemented(
                "shares with groups are not supported by the embedded store; share with users"
            )
        if grantee.type != rp.GRANTEE_TYPE_USER or not grantee.user_id.opaque_id:
            raise invalid_argument("the grantee must be a user, with its user id")
        user = self.store.users.by_id(grantee.user_id.opaque_id)
        if user is None or (grantee.user_id.idp and grantee.user_id.idp != user.idp):
            raise not_found(
                f"no user with id {grantee.user_id.opaque_id} at {grantee.user_id.idp or 'this provider'}"
            )
        return user

    async def _share_by_id(self, share_id: str) -> ShareRow | None:
        row = await self.store.db.fetchone(
            f"{SELECT_SHARES} WHERE s.id = ? AND {NOT_EXPIRED}", (share_id, int(time.time()))
        )
        return ShareRow.of(row) if row else None

    async def _share_find(self, ref: sharing.ShareReference) -> ShareRow | None:
        spec = ref.WhichOneof("spec")
        if spec == "id":
            return await self._share_by_id(ref.id.opaque_id)
        if spec == "key":
            key = ref.key
            if key.grantee.type != rp.GRANTEE_TYPE_USER:
                return None
            row = await self.store.db.fetchone(
                f"{SELECT_SHARES} WHERE s.resource_id = ? AND s.grantee_type = ? AND s.grantee_id = ? "
                f"AND (s.owner_id = ? OR s.creator_id = ?) AND {NOT_EXPIRED}",
                (
                    key.resource_id.opaque_id,
                    rp.GRANTEE_TYPE_USER,
                    key.grantee.user_id.opaque_id,
                    key.owner.opaque_id,
                    key.owner.opaque_id,
                    int(time.time()),
                ),
            )
            return ShareRow.of(row) if row else None
        raise invalid_argument("a share reference needs an id or a key")

    async def _share_visible(self, ref: sharing.ShareReference, principal: Principal) -> ShareRow:
        """The share if the caller owns, created or received it; as Reva, NOT_FOUND for anyone else."""
        row = await self._share_find(ref)
        if row is None or not row.involves(principal.user):
            raise not_found(f"no share {_describe(ref)}")
        return row

    async def _share_manage(
        self, row: ShareRow, principal: Principal, permission: str
    ) -> rp.ResourcePermissions:
        """The caller's permissions on the shared resource, if they may change the share: its owner,
        its creator, or someone with `permission` on the resource (as Reva's usershareprovider)."""
        try:
            node = await self.store.namespace.by_id(row.resource_id)
        except StoreError:  # the resource is gone: its owner and creator may still clean up
            if row.managed_by(principal.user):
                return permissions.from_names(permissions.ALL)
            raise
        held = await self.store.access.permissions(principal, node)
        if not (row.managed_by(principal.user) or getattr(held, permission)):
            raise permission_denied(f"{principal.user.username} may not change the share of {node.path}")
        return held

    async def _share_owned(self, request: collab.ListSharesRequest, principal: Principal) -> list[ShareRow]:
        me = principal.user.opaque_id
        rows = await self.store.db.fetchall(
            f"{SELECT_SHARES} WHERE (s.owner_id = ? OR s.creator_id = ?) AND {NOT_EXPIRED} "
            "ORDER BY s.ctime_ns",
            (me, me, int(time.time())),
        )
        shares = [ShareRow.of(r) for r in rows]
        return [s for s in shares if match_filters(request.filters, lambda f, s=s: self._share_matches(s, f))]

    async def _share_received(self, filters, principal: Principal) -> list[ShareRow]:
        me = principal.user.opaque_id
        rows = await self.store.db.fetchall(
            f"{SELECT_RECEIVED} WHERE s.grantee_type = ? AND s.grantee_id = ? AND s.creator_id != ? AND {NOT_EXPIRED} "
            "ORDER BY s.ctime_ns",
            (me, rp.GRANTEE_TYPE_USER, me, me, int(time.time())),
        )
        shares = [ShareRow.of(r) for r in rows]
        return [s for s in shares if match_filters(filters, lambda f, s=s: self._share_matches(s, f))]

    async def _share_received_one(self, ref: sharing.ShareReference, principal: Principal) -> ShareRow:
        found = await self._share_find(ref)
        if found is None or found.grantee_id != principal.user.opaque_id:
            raise not_found(f"no share {_describe(ref)} received by {principal.user.username}")
        row = await self.store.db.fetchone(
            f"{SELECT_RECEIVED} WHERE s.id = ?", (principal.user.opaque_id, found.id)
        )
        return ShareRow.of(row)

    def _share_matches(self, share: ShareRow, f: sharing.Filter) -> bool:
        match f.type:
            case Filter.TYPE_RESOURCE_ID:
                return same_resource(f.resource_id, share.resource_id, share.space_id)
            case Filter.TYPE_OWNER:
                return f.owner.opaque_id == share.owner_id
            case Filter.TYPE_CREATOR:
                return f.creator.opaque_id == share.creator_id
            case Filter.TYPE_GRANTEE_TYPE:
                return f.grantee_type == share.grantee_type
            case Filter.TYPE_GRANTEE:
                return (
                    f.grantee.type == share.grantee_type and f.grantee.user_id.opaque_id == share.grantee_id
                )
            case Filter.TYPE_SPACE_ID:
                return f.space_id.rsplit("$", 1)[-1] == share.space_id
            case Filter.TYPE_STATE:
                return f.state == share.state
            case Filter.TYPE_EXCLUDE_DENIALS:
                return bool(share.permissions)  # there are no denials here
            case Filter.TYPE_SPACE_ROOT:
                return (share.resource_id == share.space_id) == f.space_root
            case _:
                raise invalid_argument(f"unknown share filter type {f.type}")

    def _share_mount_name(self, given: str, user: UserRecord) -> str:
        """A mount point as a plain name; `MyShares/name` and the full path are accepted too."""
        for prefix in (f"/home/{user.username}/{SHARE_FOLDER}/", f"{SHARE_FOLDER}/", "/"):
            if given.startswith(prefix):
                given = given[len(prefix) :]
                break
        if not given or "/" in given or given in (".", "..") or "\x00" in given:
            raise invalid_argument(f"mount point {given!r} must be a plain name in {SHARE_FOLDER}")
        return given

    # -- messages ---------------------------------------------------------------------------

    def _share_proto(self, row: ShareRow) -> sharing.Share:
        ns = self.store.namespace
        grantee_user = user_id_of(self.store, row.grantee_id)
        share = sharing.Share(
            id=sharing.ShareId(opaque_id=row.id),
            resource_id=rp.ResourceId(
                storage_id=ns.storage_id, space_id=row.space_id, opaque_id=row.resource_id
            ),
            permissions=sharing.SharePermissions(permissions=decode_permissions(row.permissions)),
            grantee=rp.Grantee(type=row.grantee_type, user_id=grantee_user),
            owner=user_id_of(self.store, row.owner_id),
            creator=user_id_of(self.store, row.creator_id),
            ctime=timestamp(row.ctime_ns),
            mtime=timestamp(row.mtime_ns),
            description=row.description,
        )
        if row.expiration_s is not None:
            share.expiration.CopyFrom(types_pb2.Timestamp(seconds=row.expiration_s))
        return share

    def _share_received_proto(self, row: ShareRow) -> sharing.ReceivedShare:
        received = sharing.ReceivedShare(share=self._share_proto(row), state=row.state, hidden=row.hidden)
        if row.mount_point:
            received.mount_point.CopyFrom(rp.Reference(path=row.mount_point))
        return received

    async def _share_resource_info(self, principal: Principal, row: ShareRow) -> rp.ResourceInfo | None:
        """The shared resource as the caller sees it; None once it is gone (an orphaned share)."""
        try:
            node = await self.store.namespace.by_id(row.resource_id)
        except StoreError:
            return None
        perms = await self.store.access.permissions(principal, node)
        return await self.store.resource_info(principal, node, perms=perms) if perms.stat else None


def _free_mount_point(conn: sqlite3.Connection, user_id: str, row: ShareRow, name: str) -> str:
    """Where an accepted share goes: beside another accepted share of the same resource, else the
    resource's name, else `name (1).ext`, `name (2).ext`, ... (as Reva's usershareprovider)."""
    mounted = conn.execute(
        "SELECT r.mount_point, s.resource_id FROM shares_received r JOIN shares_shares s ON s.id = r.share_id "
        "WHERE r.user_id = ? AND r.state = ? AND r.mount_point != ''",
        (user_id, ACCEPTED),
    ).fetchall()
    for m in mounted:
        if m["resource_id"] == row.resource_id:
            return m["mount_point"]
    taken = {m["mount_point"] for m in mounted}
    if name not in taken:
        return name
    stem, dot, ext = name.rpartition(".") if "." in name.lstrip(".") else (name, "", "")
    for i in range(1, len(taken) + 2):
        candidate = f"{stem} ({i}){dot}{ext}"
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable: one of len(taken) + 1 names is free")


def _describe(ref: sharing.ShareReference) -> str:
    if ref.WhichOneof("spec") == "id":
        return ref.id.opaque_id
    return f"of {ref.key.resource_id.opaque_id} with {ref.key.grantee.user_id.opaque_id}"
