"""Federated (OCM) shares, the sending side: a user shares a file or folder with a user of another
institution. As Reva's ocmshareprovider with the ocmproviderauthorizer and the `ocmshares` auth
manager:

- CreateOCMShare takes `resource_id`, a grantee user whose `idp` is the recipient's institution
  (a peer of ROOT/ocm.json, see ocm_config.py; else CODE_PERMISSION_DENIED), and the permissions
  in `access_methods` (the WebDAV access method's, as Reva; none means viewer). It needs
  `add_grant` on the resource and grants no more than the sharer holds. The share gets a random
  shared secret, kept here only as its SHA-256; then the recipient's institution is told with the
  OCM API's `POST /shares` (JSON as the OCM spec: shareWith `<user>@<domain>`, owner, sender,
  providerId = the share id, resourceType, expiration, and a protocol carrying the secret). If the
  peer refuses or cannot be reached, the share is dropped and the call fails.
- Whoever holds the secret authenticates with `Authenticate` type `ocmshares` (client id = the
  secret) and gets a token scoped to the shared resource (and below) with the share's
  permissions, as Reva's ocmshare scope; the scope is checked against the share on every call,
  so removing (or expiring, or downgrading) the share takes effect at once.
  `GetOCMShareByToken` (unprotected, as Reva) answers the share to the holder of the secret.
- GetOCMShare, ListOCMShares (filters resource id, owner, creator, provider), UpdateOCMShare
  (expiration, access_methods permissions) and RemoveOCMShare are for the share's owner and
  creator (anyone else: CODE_NOT_FOUND).
  Removing also tells the recipient's institution (`POST /notifications`, SHARE_UNSHARED), best
  effort: revocation does not depend on it.
- ListAllProviders / IsProviderAllowed answer from the peers of ocm.json.

Table `ocm_shares` in the store's SQLite file. The receiving side is ocm_received.py.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import sqlite3
import time
import uuid
from dataclasses import dataclass, replace

from cs3.identity.user.v1beta1 import resources_pb2 as user_pb2
from cs3.ocm.provider.v1beta1 import provider_api_pb2 as provider_api
from cs3.rpc.v1beta1 import code_pb2
from cs3.sharing.ocm.v1beta1 import ocm_api_pb2 as ocm_api
from cs3.sharing.ocm.v1beta1 import resources_pb2 as ocm
from cs3.storage.provider.v1beta1 import resources_pb2 as rp
from cs3.types.v1beta1 import types_pb2

from . import permissions
from .access import Principal
from .ocm_config import OcmConfig, load_async, provider_info
from .ocm_peer import notify
from .rpc import ApiBase, rpc
from .sharing import (
    GRANT_PERMISSIONS,
    decode_permissions,
    encode_permissions,
    expiration_of,
    expired,
    owner_of,
    refuse_scoped,
    require_within,
    timestamp,
    user_id_of,
)
from .status import (
    StoreError,
    already_exists,
    failed_precondition,
    invalid_argument,
    not_found,
    ok,
    permission_denied,
)
from .tokens import Scope

log = logging.getLogger("meshcollab_store")

SCOPE_KIND = "ocmshare"
AUTH_TYPE = "ocmshares"
ListFilter = ocm_api.ListOCMSharesRequest.Filter

SCHEMA = """
CREATE TABLE IF NOT EXISTS ocm_shares (
    id TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    resource_id TEXT NOT NULL,
    space_id TEXT NOT NULL,
    name TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    creator_id TEXT NOT NULL,
    grantee_idp TEXT NOT NULL,
    grantee_id TEXT NOT NULL,
    permissions TEXT NOT NULL,
    ctime_ns INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    expiration_s INTEGER,
    UNIQUE (resource_id, grantee_idp, grantee_id)
);
"""

# OCM's permission words and the CS3 permissions they stand for (as Reva's ocmd maps them).
READ = frozenset({"get_path", "initiate_file_download", "list_container", "stat"})
WRITE = frozenset({"initiate_file_upload"})


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def ocm_words(perms: rp.ResourcePermissions) -> list[str]:
    names = permissions.names_of(perms)
    return [word for word, needed in (("read", READ), ("write", WRITE)) if needed <= names]


def storagespace_id(storage_id: str, space_id: str, opaque_id: str) -> str:
    """Reva's `<storage>$<space>!<opaque>` form of a resource id."""
    return f"{storage_id}${space_id}!{opaque_id}"


@dataclass(frozen=True)
class OcmShareRow:
    id: str
    secret_hash: str
    resource_id: str
    space_id: str
    name: str
    owner_id: str
    creator_id: str
    grantee_idp: str
    grantee_id: str
    permissions: str
    ctime_ns: int
    mtime_ns: int
    expiration_s: int | None

    @property
    def live(self) -> bool:
        return not expired(self.expiration_s)

    def managed_by(self, principal: Principal) -> bool:
        return principal.user.opaque_id in (self.owner_id, self.creator_id)


COLUMNS = tuple(OcmShareRow.__dataclass_fields__)


class OcmSharesApi(ApiBase):
    async def setup(self) -> None:
        await super().setup()
        await self.store.db.executescript(SCHEMA)
        rows = await self.store.db.fetchall(f"SELECT {', '.join(COLUMNS)} FROM ocm_shares")
        # What the scope check needs on every call, in memory: share id -> the share as it is now.
        self._ocm_by_id: dict[str, OcmShareRow] = {r["id"]: OcmShareRow(*r) for r in rows}
        self.store.add_authenticator(AUTH_TYPE, self._ocm_authenticate)
        self.store.add_scope_check(SCOPE_KIND, self._ocm_current_scope)

    async def _ocm_config(self) -> OcmConfig:
        try:
            config = await load_async(self.store.root)
        except ValueError as exc:
            raise StoreError(code_pb2.CODE_INTERNAL, str(exc)) from None  # the operator's file is broken
        if config is None:
            raise permission_denied(
                "federated sharing is off on this store: it has no ocm.json (see the store's README)"
            )
        return config

    # -- whoever holds a share's secret -------------------------------------------------------

    def _ocm_by_secret(self, secret: str) -> OcmShareRow | None:
        wanted = secret_hash(secret)
        for row in self._ocm_by_id.values():
            if hmac.compare_digest(row.secret_hash, wanted):
                return row if row.live else None
        return None

    async def _ocm_authenticate(self, secret: str, _unused: str) -> Principal:
        row = self._ocm_by_secret(secret)
        if row is None:
            raise not_found("no federated share with this secret (removed or expired)")
        creator = self.store.users.by_id(row.creator_id)
        if creator is None:
            raise not_found("the user who made this federated share no longer exists")
        return Principal(user=creator, scope=self._ocm_scope(row))

    def _ocm_scope(self, row: OcmShareRow) -> Scope:
        granted = permissions.names_of(decode_permissions(row.permissions)) - GRANT_PERMISSIONS
        return Scope(row.resource_id, granted, kind=SCOPE_KIND, ref=row.id)

    def _ocm_current_scope(self, scope: Scope) -> Scope | None:
        row = self._ocm_by_id.get(scope.ref)
        if row is None or not row.live:
            return None
        return replace(scope, permissions=self._ocm_scope(row).permissions)

    @rpc(ocm_api.GetOCMShareByTokenResponse, public=True)
    async def GetOCMShareByToken(self, request: ocm_api.GetOCMShareByTokenRequest, principal):
        row = self._ocm_by_secret(request.token)
        if row is None:
            raise not_found("no federated share with this token")
        return ocm_api.GetOCMShareByTokenResponse(status=ok(), share=await self._ocm_proto(row))

    # -- the sharer -----------------------------------------------------------------------------

    @rpc(ocm_api.CreateOCMShareResponse)
    async def CreateOCMShare(self, request: ocm_api.CreateOCMShareRequest, principal: Principal):
        refuse_scoped(principal, "create federated shares")
        config = await self._ocm_config()
        grantee = request.grantee
        if grantee.type != rp.GRANTEE_TYPE_USER or not grantee.user_id.opaque_id:
            raise invalid_argument("a federated share needs a grantee user (groups are not supported)")
        domain = grantee.user_id.idp or request.recipient_mesh_provider.domain
        if not domain:
            raise invalid_argument("the grantee's idp must be the domain of the recipient's institution")
        peer = config.peer(domain)
        if peer is None:
            raise permission_denied(
                f"{domain} is not an institution this store shares with (add it to ocm.json's peers)"
            )
        granted = self._ocm_requested_permissions(request)
        if not request.HasField("resource_id") or not request.resource_id.opaque_id:
            raise invalid_argument("CreateOCMShare needs the resource_id of what to share")
        node, held = await self.store.authorized(
            principal, rp.Reference(resource_id=request.resource_id), "add_grant"
        )
        require_within(granted, held, "share")
        owner = owner_of(node, principal.user)
        secret = secrets.token_urlsafe(32)
        now = time.time_ns()
        row = OcmShareRow(
            id=str(uuid.uuid4()),
            secret_hash=secret_hash(secret),
            resource_id=node.opaque_id,
            space_id=node.space.space_id,
            name=node.name,
            owner_id=owner.opaque_id,
            creator_id=principal.user.opaque_id,
            grantee_idp=peer.domain,
            grantee_id=grantee.user_id.opaque_id,
            permissions=encode_permissions(granted),
            ctime_ns=now,
            mtime_ns=now,
            expiration_s=expiration_of(request.expiration if request.HasField("expiration") else None),
        )
        await self._ocm_insert(row, node.path)
        # The peer checks the secret against us before it answers: the row must exist by then.
        payload = {
            "shareWith": f"{row.grantee_id}@{peer.domain}",
            "name": node.name,
            "description": "",
            "providerId": row.id,
            "owner": f"{owner.opaque_id}@{config.domain}",
            "sender": f"{principal.user.opaque_id}@{config.domain}",
            "ownerDisplayName": owner.display_name,
            "senderDisplayName": principal.user.display_name,
            "shareType": "user",
            "resourceType": "folder" if node.is_dir else "file",
            "protocol": {
                "name": "multi",
                "cs3": {"sharedSecret": secret, "permissions": ocm_words(granted)},
            },
        }
        if row.expiration_s is not None:
            payload["expiration"] = row.expiration_s
        try:
            answer = await notify(peer, "/shares", payload)
            if answer.status_code not in (200, 201):
                refusal = {404: not_found, 403: permission_denied}.get(
                    answer.status_code, failed_precondition
                )
                raise refusal(
                    f"{peer.domain} refused the share (HTTP {answer.status_code}): {answer.text.strip()[:300]}"
                )
        except BaseException:
            await self._ocm_delete(row.id)
            raise
        try:
            recipient = str(answer.json().get("recipientDisplayName", ""))
        except (ValueError, AttributeError):  # the spec makes the answer's body optional
            recipient = ""
        return ocm_api.CreateOCMShareResponse(
            status=ok(), share=await self._ocm_proto(row), recipient_display_name=recipient
        )

    def _ocm_requested_permissions(self, request: ocm_api.CreateOCMShareRequest) -> rp.ResourcePermissions:
        for method in request.access_methods:
            if method.WhichOneof("term") == "webdav_options":
                granted = method.webdav_options.permissions
                if not permissions.names_of(granted):
                    raise invalid_argument("the share's permissions are empty")
                return granted
        return permissions.from_names(permissions.VIEWER)

    async def _ocm_insert(self, row: OcmShareRow, path: str) -> None:
        def insert(conn: sqlite3.Connection) -> None:
            # An expired share no longer counts: a new one replaces it.
            conn.execute(
                "DELETE FROM ocm_shares WHERE resource_id = ? AND grantee_idp = ? AND grantee_id = ? "
                "AND expiration_s <= ?",
                (row.resource_id, row.grantee_idp, row.grantee_id, int(time.time())),
            )
            try:
                conn.execute(
                    f"INSERT INTO ocm_shares ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                    tuple(getattr(row, c) for c in COLUMNS),
                )
            except sqlite3.IntegrityError:
                raise already_exists(
                    f"{path} is already shared with {row.grantee_id}@{row.grantee_idp}"
                ) from None

        await self.store.db.run(insert)
        self._ocm_by_id = {
            i: r
            for i, r in self._ocm_by_id.items()
            if (r.resource_id, r.grantee_idp, r.grantee_id)
            != (row.resource_id, row.grantee_idp, row.grantee_id)
        }
        self._ocm_by_id[row.id] = row

    async def _ocm_delete(self, share_id: str) -> None:
        self._ocm_by_id.pop(share_id, None)
        await self.store.db.execute("DELETE FROM ocm_shares WHERE id = ?", (share_id,))

    @rpc(ocm_api.GetOCMShareResponse)
    async def GetOCMShare(self, request: ocm_api.GetOCMShareRequest, principal: Principal):
        refuse_scoped(principal, "read federated shares")
        row = self._ocm_find(request.ref, principal)
        return ocm_api.GetOCMShareResponse(status=ok(), share=await self._ocm_proto(row))

    @rpc(ocm_api.ListOCMSharesResponse)
    async def ListOCMShares(self, request: ocm_api.ListOCMSharesRequest, principal: Principal):
        refuse_scoped(principal, "list federated shares")
        me = principal.user.opaque_id
        rows = sorted(
            (r for r in self._ocm_by_id.values() if r.live and me in (r.owner_id, r.creator_id)),
            key=lambda r: r.ctime_ns,
        )
        by_type: dict[int, list] = {}
        for f in request.filters:
            by_type.setdefault(f.type, []).append(f)
        chosen = [r for r in rows if all(any(self._ocm_matches(r, f) for f in fs) for fs in by_type.values())]
        return ocm_api.ListOCMSharesResponse(status=ok(), shares=[await self._ocm_proto(r) for r in chosen])

    def _ocm_matches(self, row: OcmShareRow, f) -> bool:
        match f.type:
            case ListFilter.TYPE_RESOURCE_ID:
                return f.resource_id.opaque_id == row.resource_id
            case ListFilter.TYPE_OWNER:
                return f.owner.opaque_id == row.owner_id
            case ListFilter.TYPE_CREATOR:
                return f.creator.opaque_id == row.creator_id
            case ListFilter.TYPE_OWNER_PROVIDER | ListFilter.TYPE_CREATOR_PROVIDER:
                return True  # everything listed here is owned and created at this provider
            case _:
                raise invalid_argument(f"unknown federated share filter type {f.type}")

    @rpc(ocm_api.UpdateOCMShareResponse)
    async def UpdateOCMShare(self, request: ocm_api.UpdateOCMShareRequest, principal: Principal):
        refuse_scoped(principal, "update federated shares")
        row = self._ocm_find(request.ref, principal)
        held = await self._ocm_held(row, principal)
        changes: dict[str, object] = {}
        for field in request.field:
            match field.WhichOneof("field"):
                case "expiration":
                    changes["expiration_s"] = expiration_of(field.expiration)
                case "access_methods" if field.access_methods.WhichOneof("term") == "webdav_options":
                    granted = field.access_methods.webdav_options.permissions
                    if not permissions.names_of(granted):
                        raise invalid_argument("the share's permissions must not be empty")
                    require_within(granted, held, "share")
                    changes["permissions"] = encode_permissions(granted)
                case other:
                    raise invalid_argument(f"UpdateOCMShare cannot change {other or 'nothing'}")
        if not changes:
            raise invalid_argument("UpdateOCMShare needs a field: expiration or access_methods")
        updated = replace(row, mtime_ns=time.time_ns(), **changes)
        await self.store.db.execute(
            "UPDATE ocm_shares SET permissions = ?, expiration_s = ?, mtime_ns = ? WHERE id = ?",
            (updated.permissions, updated.expiration_s, updated.mtime_ns, row.id),
        )
        self._ocm_by_id[row.id] = updated
        return ocm_api.UpdateOCMShareResponse(status=ok())

    @rpc(ocm_api.RemoveOCMShareResponse)
    async def RemoveOCMShare(self, request: ocm_api.RemoveOCMShareRequest, principal: Principal):
        refuse_scoped(principal, "remove federated shares")
        row = self._ocm_find(request.ref, principal)
        await self._ocm_delete(row.id)
        await self._ocm_tell_unshared(row)
        return ocm_api.RemoveOCMShareResponse(status=ok())

    async def _ocm_tell_unshared(self, row: OcmShareRow) -> None:
        """Best effort: the share stops working here whatever the peer answers."""
        try:
            peer = (await self._ocm_config()).peer(row.grantee_idp)
            if peer is not None:
                await notify(
                    peer,
                    "/notifications",
                    {"notificationType": "SHARE_UNSHARED", "providerId": row.id},
                )
        except StoreError as exc:
            log.warning(
                "could not tell %s that share %s was removed: %s", row.grantee_idp, row.id, exc.message
            )

    # -- lookups and messages -------------------------------------------------------------------

    def _ocm_find(self, ref: ocm.ShareReference, principal: Principal) -> OcmShareRow:
        spec = ref.WhichOneof("spec")
        row = None
        if spec == "id":
            row = self._ocm_by_id.get(ref.id.opaque_id)
        elif spec == "token":
            row = self._ocm_by_secret(ref.token)
        elif spec == "key":
            key = ref.key
            row = next(
                (
                    r
                    for r in self._ocm_by_id.values()
                    if r.resource_id == key.resource_id.opaque_id
                    and r.grantee_id == key.grantee.user_id.opaque_id
                    and r.grantee_idp.lower() == key.grantee.user_id.idp.lower()
                    and key.owner.opaque_id in (r.owner_id, r.creator_id)
                ),
                None,
            )
        else:
            raise invalid_argument("a federated share reference needs an id, a key or a token")
        if row is None or not row.live or not row.managed_by(principal):
            raise not_found("no such federated share of yours")
        return row

    async def _ocm_held(self, row: OcmShareRow, principal: Principal) -> rp.ResourcePermissions:
        """What the share's owner or creator holds on its resource (the most a share may grant)."""
        try:
            node = await self.store.namespace.by_id(row.resource_id)
        except StoreError:  # the resource is gone: its owner and creator may still clean up
            return permissions.from_names(permissions.ALL)
        return await self.store.access.permissions(principal, node)

    async def _ocm_proto(self, row: OcmShareRow) -> ocm.Share:
        ns = self.store.namespace
        share = ocm.Share(
            id=ocm.ShareId(opaque_id=row.id),
            resource_id=rp.ResourceId(
                storage_id=ns.storage_id, space_id=row.space_id, opaque_id=row.resource_id
            ),
            name=row.name,
            grantee=rp.Grantee(
                type=rp.GRANTEE_TYPE_USER,
                user_id=user_pb2.UserId(
                    idp=row.grantee_idp, opaque_id=row.grantee_id, type=user_pb2.USER_TYPE_FEDERATED
                ),
            ),
            owner=user_id_of(self.store, row.owner_id),
            creator=user_id_of(self.store, row.creator_id),
            ctime=timestamp(row.ctime_ns),
            mtime=timestamp(row.mtime_ns),
            share_type=ocm.SHARE_TYPE_USER,
            recipient_type=ocm.RECIPIENT_TYPE_USER,
            access_methods=[
                ocm.AccessMethod(
                    webdav_options=ocm.WebDAVAccessMethod(permissions=decode_permissions(row.permissions))
                )
            ],
        )
        if row.expiration_s is not None:
            share.expiration.CopyFrom(types_pb2.Timestamp(seconds=row.expiration_s))
        return share

    # -- the mesh -------------------------------------------------------------------------------

    @rpc(provider_api.ListAllProvidersResponse)
    async def ListAllProviders(self, request, principal: Principal):
        config = await load_async(self.store.root)
        providers = []
        if config is not None:
            providers.append(provider_info(config.domain, config.name, f"{self.store.data_url}/ocm", ""))
            providers += [peer.provider_info() for peer in config.peers.values()]
        return provider_api.ListAllProvidersResponse(status=ok(), providers=providers)

    @rpc(provider_api.IsProviderAllowedResponse)
    async def IsProviderAllowed(self, request: provider_api.IsProviderAllowedRequest, principal: Principal):
        config = await load_async(self.store.root)
        domain = request.provider.domain
        if config is None or not (config.peer(domain) or config.is_local(domain)):
            raise permission_denied(f"{domain or 'this provider'} is not in this store's mesh")
        return provider_api.IsProviderAllowedResponse(status=ok())
