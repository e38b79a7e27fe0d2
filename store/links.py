"""Public links: a token that lets anyone who has it (and its password, if it has one) reach one
file or folder with the link's permissions. As Reva's publicshareprovider, json manager,
`publicshares` auth manager and publicshare scope:

- CreatePublicShare needs `add_grant` on the resource (as Reva's gateway) and grants no more than
  the creator has. The password is kept as a salted scrypt hash, never in clear.
- GetPublicShareByToken needs no access token: an unknown, removed or expired token is
  CODE_NOT_FOUND; a protected link without the right password (or signature) is
  CODE_PERMISSION_DENIED ("wrong password").
- `Authenticate` type `publicshares`, client id = the link token, secret `password|<pw>` (or
  `signature|<sig>|<RFC 3339 expiry>` from a signed link, or anything for an unprotected link),
  gives a token acting as the link's creator with a `Scope` on the linked resource: the guest
  reaches that resource and what is below it with the link's permissions (never the grant
  permissions), and no other resource, share or link. The scope is checked against the link on
  every call: a removed or expired link refuses the token, changed permissions apply at once.
- `/public/<token>/...` names the linked resource by path, as Reva's public storage provider.

The links live in `links_links` in the store's SQLite file; a removed link keeps its row (without
its password) so that tokens it granted are known to be revoked."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
import time
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import anyio.to_thread
from cs3.gateway.v1beta1 import gateway_api_pb2 as gw
from cs3.gateway.v1beta1 import resources_pb2 as gw_resources
from cs3.sharing.link.v1beta1 import link_api_pb2 as link_api
from cs3.sharing.link.v1beta1 import resources_pb2 as links
from cs3.storage.provider.v1beta1 import resources_pb2 as rp
from cs3.types.v1beta1 import types_pb2

from . import permissions
from .access import OutOfScope, Principal
from .rpc import ApiBase, rpc
from .sharing import (
    GRANT_PERMISSIONS,
    decode_permissions,
    encode_permissions,
    expiration_of,
    expired,
    grantable,
    match_filters,
    owner_of,
    refuse_scoped,
    require_within,
    same_resource,
    timestamp,
    user_id_of,
)
from .status import StoreError, invalid_argument, not_found, ok, permission_denied
from .tokens import Scope

SCOPE_KIND = "publicshare"
TOKEN_ALPHABET = string.ascii_letters + string.digits
TOKEN_LENGTH = 15  # as Reva's json manager
SIGNATURE_LIFETIME = 30 * 60  # seconds, as Reva's AddSignature
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
ListFilter = link_api.ListPublicSharesRequest.Filter
Update = link_api.UpdatePublicShareRequest.Update

SCHEMA = """
CREATE TABLE IF NOT EXISTS links_links (
    id TEXT PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    resource_id TEXT NOT NULL,
    space_id TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    creator_id TEXT NOT NULL,
    permissions TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    expiration_s INTEGER,
    ctime_ns INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    notify_uploads INTEGER NOT NULL DEFAULT 0,
    notify_uploads_extra_recipients TEXT NOT NULL DEFAULT '',
    removed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS links_links_by_resource ON links_links (resource_id);
"""


@dataclass(frozen=True)
class LinkRow:
    id: str
    token: str
    resource_id: str
    space_id: str
    owner_id: str
    creator_id: str
    permissions: str
    password_hash: str
    expiration_s: int | None
    ctime_ns: int
    mtime_ns: int
    display_name: str
    description: str
    notify_uploads: int
    notify_uploads_extra_recipients: str
    removed: int = 0

    @property
    def live(self) -> bool:
        return not self.removed and not expired(self.expiration_s)

    def managed_by(self, principal: Principal) -> bool:
        return principal.user.opaque_id in (self.owner_id, self.creator_id)


LINK_COLUMNS = tuple(LinkRow.__dataclass_fields__)


# -- passwords and signatures ----------------------------------------------------------------


def hash_password(password: str) -> str:
    """A salted scrypt hash, `scrypt$n$r$p$salt$hash` (hex); slow on purpose: run it off the loop."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **SCRYPT)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=len(digest) // 2
        )
    except ValueError:
        return False
    return hmac.compare_digest(computed.hex(), digest)


def signature(token: str, password_hash: str, expires: datetime) -> str:
    """As Reva's CreateSignature: HMAC-SHA512/256 of `token|expiry`, keyed by SHA-256 of the stored hash."""
    key = hashlib.sha256(password_hash.encode()).digest()
    return hmac.new(key, f"{token}|{rfc3339(expires)}".encode(), "sha512_256").hexdigest()


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def check_signature(row: LinkRow, given: links.ShareSignature) -> bool:
    expires = datetime.fromtimestamp(given.signature_expiration.seconds, UTC)
    if expires.timestamp() <= time.time():
        return False
    return hmac.compare_digest(signature(row.token, row.password_hash, expires), given.signature)


class LinksApi(ApiBase):
    async def setup(self) -> None:
        await super().setup()
        await self.store.db.executescript(SCHEMA)
        rows = await self.store.db.fetchall(f"SELECT {', '.join(LINK_COLUMNS)} FROM links_links")
        # What the scope check needs on every call, kept in memory: token -> the link as it is now.
        self._link_by_token: dict[str, LinkRow] = {r["token"]: LinkRow(*r) for r in rows}
        self.store.add_authenticator("publicshares", self._link_authenticate)
        self.store.add_scope_check(SCOPE_KIND, self._link_current_scope)
        self.store.namespace.add_path_resolver(self._link_public_path)

    # -- guests -----------------------------------------------------------------------------

    async def _link_authenticate(self, token: str, secret: str) -> Principal:
        row = await self._link_live_by_token(token)
        if secret.startswith("password|"):
            authentication = links.PublicShareAuthentication(password=secret.removeprefix("password|"))
        elif secret.startswith("signature|"):
            sig, _, expiry = secret.removeprefix("signature|").partition("|")
            try:
                expires = datetime.fromisoformat(expiry)
            except ValueError:
                raise permission_denied(
                    "malformed link signature: expected signature|<sig>|<RFC 3339 time>"
                ) from None
            authentication = links.PublicShareAuthentication(
                signature=links.ShareSignature(
                    signature=sig, signature_expiration=types_pb2.Timestamp(seconds=int(expires.timestamp()))
                )
            )
        else:
            authentication = None
        await self._link_check_authentication(row, authentication)
        creator = self.store.users.by_id(row.creator_id)
        if creator is None:
            raise not_found(f"the creator of the public link {token} no longer exists")
        return Principal(user=creator, scope=self._link_scope(row))

    def _link_scope(self, row: LinkRow) -> Scope:
        granted = permissions.names_of(decode_permissions(row.permissions)) - GRANT_PERMISSIONS
        return Scope(row.resource_id, granted, kind=SCOPE_KIND, ref=row.token)

    def _link_current_scope(self, scope: Scope) -> Scope | None:
        row = self._link_by_token.get(scope.ref)
        if row is None:
            return scope  # not granted by a link of this store: not ours to judge
        if not row.live:
            return None
        return replace(scope, permissions=self._link_scope(row).permissions)

    async def _link_public_path(self, path: str) -> str | None:
        """`/public/<token>/rest` -> the linked resource's path + `/rest`, for a live link."""
        parts = path.split("/")
        if len(parts) < 3 or parts[1] != "public":
            return None
        row = self._link_by_token.get(parts[2])
        target = await self.store.namespace.path_of(row.resource_id) if row is not None and row.live else None
        if target is None:
            raise not_found(f"no public link {parts[2]}")
        return "/".join([target, *parts[3:]])

    async def _link_check_authentication(
        self, row: LinkRow, given: links.PublicShareAuthentication | None
    ) -> None:
        if not row.password_hash:
            return
        spec = given.WhichOneof("spec") if given is not None else None
        if spec == "password" and await anyio.to_thread.run_sync(
            check_password, given.password, row.password_hash
        ):
            return
        if spec == "signature" and check_signature(row, given.signature):
            return
        raise permission_denied("wrong password")

    # -- the RPCs ---------------------------------------------------------------------------

    @rpc(link_api.CreatePublicShareResponse)
    async def CreatePublicShare(self, request: link_api.CreatePublicShareRequest, principal: Principal):
        refuse_scoped(principal, "create public links")
        grant = request.grant
        granted = grant.permissions.permissions
        if not permissions.names_of(granted):
            raise invalid_argument("a public link needs permissions (e.g. stat and initiate_file_download)")
        node = await grantable(self.store, principal, request.resource_info, granted, "give by link")
        # A past expiration is accepted, as by Reva's link managers: the link is then absent.
        expiration = expiration_of(grant.expiration if grant.HasField("expiration") else None)
        token = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))
        password_hash = (
            await anyio.to_thread.run_sync(hash_password, grant.password) if grant.password else ""
        )
        now = time.time_ns()
        row = LinkRow(
            id=str(uuid.uuid4()),
            token=token,
            resource_id=node.opaque_id,
            space_id=node.space.space_id,
            owner_id=owner_of(node, principal.user).opaque_id,
            creator_id=principal.user.opaque_id,
            permissions=encode_permissions(granted),
            password_hash=password_hash,
            expiration_s=expiration,
            ctime_ns=now,
            mtime_ns=now,
            display_name=request.resource_info.arbitrary_metadata.metadata.get("name", token),  # as Reva
            description=request.description,
            notify_uploads=int(request.notify_uploads),
            notify_uploads_extra_recipients=request.notify_uploads_extra_recipients,
        )
        await self.store.db.execute(
            f"INSERT INTO links_links ({', '.join(LINK_COLUMNS)}) VALUES "
            f"({', '.join('?' * len(LINK_COLUMNS))})",
            tuple(getattr(row, c) for c in LINK_COLUMNS),
        )
        self._link_by_token[token] = row
        return link_api.CreatePublicShareResponse(status=ok(), share=self._link_proto(row))

    @rpc(link_api.GetPublicShareResponse)
    async def GetPublicShare(self, request: link_api.GetPublicShareRequest, principal: Principal):
        row = await self._link_visible(request.ref, principal, guest_may=True)
        return link_api.GetPublicShareResponse(status=ok(), share=self._link_proto(row, request.sign))

    @rpc(link_api.GetPublicShareByTokenResponse, public=True)
    async def GetPublicShareByToken(
        self, request: link_api.GetPublicShareByTokenRequest, principal: Principal | None
    ):
        row = await self._link_live_by_token(request.token)
        await self._link_check_authentication(
            row, request.authentication if request.HasField("authentication") else None
        )
        return link_api.GetPublicShareByTokenResponse(status=ok(), share=self._link_proto(row, request.sign))

    @rpc(link_api.ListPublicSharesResponse)
    async def ListPublicShares(self, request: link_api.ListPublicSharesRequest, principal: Principal):
        rows = await self._link_listed(request, principal)
        return link_api.ListPublicSharesResponse(
            status=ok(), share=[self._link_proto(r, request.sign) for r in rows]
        )

    @rpc(gw.ListExistingPublicSharesResponse)
    async def ListExistingPublicShares(self, request: link_api.ListPublicSharesRequest, principal: Principal):
        infos = []
        for row in await self._link_listed(request, principal):
            try:
                node = await self.store.namespace.by_id(row.resource_id)
            except StoreError:
                continue  # the resource is gone
            info = await self.store.resource_info(principal, node)
            infos.append(
                gw_resources.PublicShareResourceInfo(
                    public_share=self._link_proto(row, request.sign), resource_info=info
                )
            )
        return gw.ListExistingPublicSharesResponse(status=ok(), share_infos=infos)

    @rpc(link_api.UpdatePublicShareResponse)
    async def UpdatePublicShare(self, request: link_api.UpdatePublicShareRequest, principal: Principal):
        refuse_scoped(principal, "update public links")
        row = await self._link_visible(request.ref, principal)
        held = await self._link_manage(row, principal, "update_grant")
        update = request.update
        changes: dict[str, object] = {}
        match update.type:
            case Update.TYPE_PERMISSIONS:
                granted = update.grant.permissions.permissions
                if not permissions.names_of(granted):
                    raise invalid_argument("a public link needs permissions; remove the link instead")
                require_within(granted, held, "give by link")
                changes["permissions"] = encode_permissions(granted)
            case Update.TYPE_PASSWORD:  # an empty password removes it, as Reva
                password = update.grant.password
                changes["password_hash"] = (
                    await anyio.to_thread.run_sync(hash_password, password) if password else ""
                )
            case Update.TYPE_EXPIRATION:  # no (or a zero) expiration removes it
                changes["expiration_s"] = expiration_of(
                    update.grant.expiration if update.grant.HasField("expiration") else None
                )
            case Update.TYPE_DISPLAYNAME:
                changes["display_name"] = update.display_name
            case Update.TYPE_DESCRIPTION:
                changes["description"] = update.description
            case Update.TYPE_NOTIFYUPLOADS:
                changes["notify_uploads"] = int(update.notify_uploads)
            case Update.TYPE_NOTIFYUPLOADSEXTRARECIPIENTS:
                changes["notify_uploads_extra_recipients"] = update.notify_uploads_extra_recipients
            case _:
                raise invalid_argument(f"invalid update type {update.type}")
        changes["mtime_ns"] = time.time_ns()
        row = await self._link_write(row, changes)
        return link_api.UpdatePublicShareResponse(status=ok(), share=self._link_proto(row))

    @rpc(link_api.RemovePublicShareResponse)
    async def RemovePublicShare(self, request: link_api.RemovePublicShareRequest, principal: Principal):
        refuse_scoped(principal, "remove public links")
        row = await self._link_visible(request.ref, principal)
        await self._link_manage(row, principal, "remove_grant")
        await self._link_write(row, {"removed": 1, "password_hash": "", "mtime_ns": time.time_ns()})
        return link_api.RemovePublicShareResponse(status=ok())

    # -- lookups ----------------------------------------------------------------------------

    async def _link_live_by_token(self, token: str) -> LinkRow:
        row = self._link_by_token.get(token)
        if row is None or not row.live or not token:
            raise not_found(f"unknown token {token!r}: no such public link, or it was removed or has expired")
        return row

    async def _link_visible(
        self, ref: links.PublicShareReference, principal: Principal, guest_may: bool = False
    ) -> LinkRow:
        """A live link its owner or creator asks for; a guest may read the link that let them in."""
        spec = ref.WhichOneof("spec")
        if spec == "token":
            row = self._link_by_token.get(ref.token)
        elif spec == "id":
            row = next((r for r in self._link_by_token.values() if r.id == ref.id.opaque_id), None)
        else:
            raise invalid_argument("a public link reference needs an id or a token")
        if principal.scope is not None:
            if not (guest_may and row is not None and principal.scope.ref == row.token):
                raise OutOfScope(f"a {principal.scope.kind} token reaches its own link only")
        elif row is not None and not row.managed_by(principal):
            row = None
        if row is None or not row.live:
            raise not_found(f"no public link {ref.token or ref.id.opaque_id}")
        return row

    async def _link_manage(
        self, row: LinkRow, principal: Principal, permission: str
    ) -> rp.ResourcePermissions:
        try:
            node = await self.store.namespace.by_id(row.resource_id)
        except StoreError:  # the resource is gone: its owner and creator may still clean up
            return permissions.from_names(permissions.ALL)
        held = await self.store.access.permissions(principal, node)
        if not (row.managed_by(principal) or getattr(held, permission)):
            raise permission_denied(
                f"{principal.user.username} may not change the public link of {node.path}"
            )
        return held

    async def _link_listed(
        self, request: link_api.ListPublicSharesRequest, principal: Principal
    ) -> list[LinkRow]:
        refuse_scoped(principal, "list public links")
        rows = [r for r in self._link_by_token.values() if r.live and r.managed_by(principal)]
        rows.sort(key=lambda r: r.ctime_ns)
        return [r for r in rows if match_filters(request.filters, lambda f, r=r: self._link_matches(r, f))]

    @staticmethod
    def _link_matches(row: LinkRow, f) -> bool:
        match f.type:
            case ListFilter.TYPE_RESOURCE_ID:
                return same_resource(f.resource_id, row.resource_id, row.space_id)
            case ListFilter.TYPE_OWNER:
                return f.owner.opaque_id == row.owner_id
            case ListFilter.TYPE_CREATOR:
                return f.creator.opaque_id == row.creator_id
            case _:
                raise invalid_argument(f"unknown public link filter type {f.type}")

    async def _link_write(self, row: LinkRow, changes: dict[str, object]) -> LinkRow:
        assignments = ", ".join(f"{name} = ?" for name in changes)
        await self.store.db.execute(
            f"UPDATE links_links SET {assignments} WHERE id = ?", (*changes.values(), row.id)
        )
        updated = replace(row, **changes)
        self._link_by_token[row.token] = updated
        return updated

    def _link_proto(self, row: LinkRow, sign: bool = False) -> links.PublicShare:
        ns = self.store.namespace
        share = links.PublicShare(
            id=links.PublicShareId(opaque_id=row.id),
            token=row.token,
            resource_id=rp.ResourceId(
                storage_id=ns.storage_id, space_id=row.space_id, opaque_id=row.resource_id
            ),
            permissions=links.PublicSharePermissions(permissions=decode_permissions(row.permissions)),
            owner=user_id_of(self.store, row.owner_id),
            creator=user_id_of(self.store, row.creator_id),
            ctime=timestamp(row.ctime_ns),
            mtime=timestamp(row.mtime_ns),
            password_protected=bool(row.password_hash),
            display_name=row.display_name,
            description=row.description,
            notify_uploads=bool(row.notify_uploads),
            notify_uploads_extra_recipients=row.notify_uploads_extra_recipients,
        )
        if row.expiration_s is not None:
            share.expiration.CopyFrom(types_pb2.Timestamp(seconds=row.expiration_s))
        if sign and row.password_hash:
            expires = datetime.fromtimestamp(int(time.time()) + SIGNATURE_LIFETIME, UTC)
            share.signature.CopyFrom(
                links.ShareSignature(
                    signature=signature(row.token, row.password_hash, expires),
                    signature_expiration=types_pb2.Timestamp(seconds=int(expires.timestamp())),
                )
            )
        return share
