"""Federated (OCM) shares, the receiving side: what other institutions share with our users. As
Reva's ocmd `/shares` endpoint, ocmcore and the received half of its ocmshareprovider:

- A peer announces a share with the OCM API's `POST /ocm/shares` (ocm_http.py). It is taken only
  from a peer of ROOT/ocm.json (the `sender`'s domain; else HTTP 403), for one of our users
  (`shareWith` = `<user id or username>@<our domain>`; else 404), and only once its secret works:
  we ask the peer's gateway for the share (`GetOCMShareByToken`) and Stat its resource with the
  secret's token (as the OCM spec lets a receiver discard what it cannot reach; else 400). It
  lands in the recipient's inbox as SHARE_STATE_PENDING.
- ListReceivedOCMShares / GetReceivedOCMShare: the caller's received shares (filters owner,
  creator, resource type). UpdateReceivedOCMShare: `update_mask` `state` (ACCEPTED, REJECTED,
  PENDING) and/or `hidden`; rejecting hides. Accepting mounts the share at
  `/home/<user>/OCM/<mount point>` (its name, or `name (1).ext` when taken; in the ReceivedShare's
  opaque `mount_point`, relative to the home, as `OCM/<name>`); any other state unmounts it.
- `POST /ocm/notifications` SHARE_UNSHARED: the share is dropped from the inbox once the peer
  confirms it no longer honours the secret (the notification itself is not trusted).
- An accepted share is reached through ocm_access.py.

Table `ocm_received` in the store's SQLite file, with the shared secret (our credential at the
peer, needed to reach the resource; never returned by an RPC).
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from dataclasses import dataclass

from cs3.identity.user.v1beta1 import resources_pb2 as user_pb2
from cs3.rpc.v1beta1 import code_pb2
from cs3.sharing.ocm.v1beta1 import ocm_api_pb2 as ocm_api
from cs3.sharing.ocm.v1beta1 import resources_pb2 as ocm
from cs3.storage.provider.v1beta1 import provider_api_pb2 as sp
from cs3.storage.provider.v1beta1 import resources_pb2 as rp
from cs3.types.v1beta1 import types_pb2

from . import permissions
from .access import Principal
from .ocm import READ, WRITE
from .ocm_config import load_async
from .ocm_http import Refusal, discovery_routes
from .ocm_peer import PeerSession
from .rpc import ApiBase, rpc
from .sharing import encode_permissions, expired, refuse_scoped, timestamp
from .status import StoreError, invalid_argument, not_found, ok, permission_denied
from .users import UserRecord

OCM_FOLDER = "OCM"  # /home/<user>/OCM/<mount point>: where accepted federated shares are mounted
PENDING, ACCEPTED, REJECTED = ocm.SHARE_STATE_PENDING, ocm.SHARE_STATE_ACCEPTED, ocm.SHARE_STATE_REJECTED
ReceivedFilter = ocm_api.ListReceivedOCMSharesRequest.Filter

SCHEMA = """
CREATE TABLE IF NOT EXISTS ocm_received (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    remote_share_id TEXT NOT NULL,
    remote_resource TEXT NOT NULL,
    name TEXT NOT NULL,
    is_dir INTEGER NOT NULL,
    owner TEXT NOT NULL,
    sender TEXT NOT NULL,
    owner_display_name TEXT NOT NULL DEFAULT '',
    sender_display_name TEXT NOT NULL DEFAULT '',
    permissions TEXT NOT NULL,
    secret TEXT NOT NULL,
    state INTEGER NOT NULL,
    hidden INTEGER NOT NULL DEFAULT 0,
    mount_point TEXT NOT NULL DEFAULT '',
    ctime_ns INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    expiration_s INTEGER,
    UNIQUE (provider, remote_share_id, user_id)
);
"""


@dataclass(frozen=True)
class ReceivedRow:
    id: str
    user_id: str
    provider: str
    remote_share_id: str
    remote_resource: str  # <storage>$<space>!<opaque> at the provider
    name: str
    is_dir: int
    owner: str  # the owner's user id at the provider
    sender: str
    owner_display_name: str
    sender_display_name: str
    permissions: str
    secret: str
    state: int
    hidden: int
    mount_point: str
    ctime_ns: int
    mtime_ns: int
    expiration_s: int | None

    def remote_id(self) -> rp.ResourceId:
        storage, _, rest = self.remote_resource.partition("$")
        space, _, opaque = rest.partition("!")
        return rp.ResourceId(storage_id=storage, space_id=space, opaque_id=opaque)

    def federated(self, opaque_id: str) -> user_pb2.UserId:
        return user_pb2.UserId(idp=self.provider, opaque_id=opaque_id, type=user_pb2.USER_TYPE_FEDERATED)


COLUMNS = tuple(ReceivedRow.__dataclass_fields__)


async def received_share(store, user: UserRecord, share_id: str) -> ReceivedRow:
    """The caller's received share, whatever its state (NOT_FOUND if it is not theirs)."""
    row = await store.db.fetchone(
        f"SELECT {', '.join(COLUMNS)} FROM ocm_received WHERE id = ? AND user_id = ?",
        (share_id, user.opaque_id),
    )
    if row is None or expired(row["expiration_s"]):
        raise not_found(f"no federated share {share_id} received by {user.username}")
    return ReceivedRow(*row)


async def accepted_share(store, user: UserRecord, share_id: str) -> ReceivedRow:
    row = await received_share(store, user, share_id)
    if row.state != ACCEPTED:
        raise permission_denied(
            f"the federated share {share_id} ({row.name}) is {ocm.ShareState.Name(row.state)}: accept it first"
        )
    return row


async def mounted_share(store, username: str, mount_point: str) -> str | None:
    """The id of the share the user accepted and has mounted at `/home/<user>/OCM/<mount point>`."""
    user = store.users.by_username(username)
    if user is None:
        return None
    row = await store.db.fetchone(
        "SELECT id FROM ocm_received WHERE user_id = ? AND state = ? AND mount_point = ?",
        (user.opaque_id, ACCEPTED, mount_point),
    )
    return row["id"] if row else None


def free_mount_point(taken: set[str], name: str) -> str:
    """The share's name, else `name (1).ext`, `name (2).ext`, ... (as Reva picks mount points)."""
    if name not in taken:
        return name
    stem, dot, ext = name.rpartition(".") if "." in name.lstrip(".") else (name, "", "")
    return next(
        f"{stem} ({i}){dot}{ext}" for i in range(1, len(taken) + 2) if f"{stem} ({i}){dot}{ext}" not in taken
    )


def split_address(address: str) -> tuple[str, str]:
    """`<id>@<domain>` -> (id, domain); the id may itself hold an '@'."""
    user, at, domain = address.rpartition("@")
    if not at or not user or not domain:
        raise Refusal(400, f"{address!r} is not an OCM address <user>@<domain>")
    return user, domain


def permissions_of_words(words) -> rp.ResourcePermissions:
    names = set()
    for word in words:
        names |= {"read": READ, "write": READ | WRITE}.get(word, set())
    return permissions.from_names(names)


class OcmReceivedApi(ApiBase):
    async def setup(self) -> None:
        await super().setup()
        await self.store.db.executescript(SCHEMA)
        for pattern, handler, kwargs in discovery_routes(self.ocm_receive, self.ocm_notified):
            self.store.add_http_route(pattern, handler, kwargs)

    # -- the OCM API: what peers tell us --------------------------------------------------------

    async def ocm_receive(self, body: dict) -> dict:
        """A Share Creation Notification (the body of `POST /ocm/shares`); raises Refusal."""
        config = await load_async(self.store.root)
        if config is None:
            raise Refusal(403, "federated sharing is off at this institution")
        fields = {}
        for name in ("shareWith", "name", "providerId", "owner", "sender", "shareType", "resourceType"):
            value = body.get(name)
            if not isinstance(value, str) or not value:
                raise Refusal(400, f"the share needs the field {name!r} (a string)")
            fields[name] = value
        if fields["shareType"] != "user":
            raise Refusal(400, f"shareType {fields['shareType']!r} is not supported: only 'user'")
        if fields["resourceType"] not in ("file", "folder"):
            raise Refusal(400, f"resourceType {fields['resourceType']!r} is not supported: file or folder")
        sender, sender_domain = split_address(fields["sender"])
        owner, _ = split_address(fields["owner"])
        peer = config.peer(sender_domain)
        if peer is None:
            raise Refusal(403, f"{sender_domain} is not an institution this one trusts")
        recipient_id, recipient_domain = split_address(fields["shareWith"])
        user = self.store.users.by_id(recipient_id) or self.store.users.by_username(recipient_id)
        if not config.is_local(recipient_domain) or user is None:
            raise Refusal(404, f"no user {fields['shareWith']} here")
        protocol = body.get("protocol")
        cs3 = protocol.get("cs3") if isinstance(protocol, dict) else None
        if not isinstance(cs3, dict) or not isinstance(cs3.get("sharedSecret"), str):
            raise Refusal(
                400,
                "this institution reaches shares with the 'cs3' protocol (a sharedSecret for the "
                "sender's gateway); WebDAV access is not supported",
            )
        secret = cs3["sharedSecret"]
        expiration = body.get("expiration")
        if expiration is not None and not isinstance(expiration, int):
            raise Refusal(400, "expiration must be seconds since the epoch")
        try:
            async with PeerSession(peer, secret) as remote:
                request = ocm_api.GetOCMShareByTokenRequest(token=secret)
                share = (await remote.call("GetOCMShareByToken", request)).share
                stat = sp.StatRequest(ref=rp.Reference(resource_id=share.resource_id))
                info = (await remote.call("Stat", stat)).info
        except StoreError as exc:
            raise Refusal(
                400, f"the shared resource cannot be reached at {peer.domain}: {exc.message}"
            ) from None
        if share.id.opaque_id != fields["providerId"]:
            raise Refusal(400, "the secret belongs to another share than providerId")
        rid = share.resource_id
        words = cs3.get("permissions") if isinstance(cs3.get("permissions"), list) else ["read"]
        now = time.time_ns()
        row = ReceivedRow(
            id=str(uuid.uuid4()),
            user_id=user.opaque_id,
            provider=peer.domain,
            remote_share_id=fields["providerId"],
            remote_resource=f"{rid.storage_id}${rid.space_id}!{rid.opaque_id}",
            name=fields["name"],
            is_dir=int(info.type == rp.RESOURCE_TYPE_CONTAINER),
            owner=owner,
            sender=sender,
            owner_display_name=str(body.get("ownerDisplayName", "")),
            sender_display_name=str(body.get("senderDisplayName", "")),
            permissions=encode_permissions(permissions_of_words(words)),
            secret=secret,
            state=PENDING,
            hidden=0,
            mount_point="",
            ctime_ns=now,
            mtime_ns=now,
            expiration_s=expiration,
        )
        await self.store.db.execute(
            f"INSERT INTO ocm_received ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
            "ON CONFLICT (provider, remote_share_id, user_id) DO UPDATE SET secret = excluded.secret, "
            "permissions = excluded.permissions, expiration_s = excluded.expiration_s, mtime_ns = excluded.mtime_ns",
            tuple(getattr(row, c) for c in COLUMNS),
        )
        return {"recipientDisplayName": user.display_name}

    async def ocm_notified(self, body: dict) -> None:
        """A notification from a peer. SHARE_UNSHARED drops the share from the inbox, once the
        provider confirms that its secret no longer works; other types are acknowledged."""
        if body.get("notificationType") != "SHARE_UNSHARED" or not isinstance(body.get("providerId"), str):
            return
        rows = await self.store.db.fetchall(
            f"SELECT {', '.join(COLUMNS)} FROM ocm_received WHERE remote_share_id = ?", (body["providerId"],)
        )
        config = await load_async(self.store.root)
        for row in (ReceivedRow(*r) for r in rows):
            peer = config.peer(row.provider) if config else None
            if peer is None:
                continue
            try:
                async with PeerSession(peer, row.secret):
                    continue  # still honoured: not unshared, whatever the notification says
            except StoreError as exc:
                if exc.code != code_pb2.CODE_NOT_FOUND:
                    continue  # the peer is unreachable: it cannot confirm
            await self.store.db.execute("DELETE FROM ocm_received WHERE id = ?", (row.id,))

    # -- the recipient --------------------------------------------------------------------------

    @rpc(ocm_api.ListReceivedOCMSharesResponse)
    async def ListReceivedOCMShares(
        self, request: ocm_api.ListReceivedOCMSharesRequest, principal: Principal
    ):
        refuse_scoped(principal, "list received federated shares")
        rows = await self.store.db.fetchall(
            f"SELECT {', '.join(COLUMNS)} FROM ocm_received WHERE user_id = ? ORDER BY ctime_ns",
            (principal.user.opaque_id,),
        )
        received = [ReceivedRow(*r) for r in rows if not expired(r["expiration_s"])]
        by_type: dict[int, list] = {}
        for f in request.filters:
            by_type.setdefault(f.type, []).append(f)
        chosen = [
            r
            for r in received
            if all(any(self._ocm_received_matches(r, f) for f in fs) for fs in by_type.values())
        ]
        return ocm_api.ListReceivedOCMSharesResponse(
            status=ok(), shares=[self._ocm_received_proto(r) for r in chosen]
        )

    def _ocm_received_matches(self, row: ReceivedRow, f) -> bool:
        match f.type:
            case ReceivedFilter.TYPE_OWNER:
                return f.owner.opaque_id == row.owner and f.owner.idp.lower() in ("", row.provider.lower())
            case ReceivedFilter.TYPE_CREATOR:
                return f.creator.opaque_id == row.sender and f.creator.idp.lower() in (
                    "",
                    row.provider.lower(),
                )
            case ReceivedFilter.TYPE_SHARE_TYPE:
                wanted = ocm.SHARE_RESOURCE_TYPE_CONTAINER if row.is_dir else ocm.SHARE_RESOURCE_TYPE_FILE
                return f.shared_resource_type == wanted
            case _:
                raise invalid_argument(f"unknown received share filter type {f.type}")

    @rpc(ocm_api.GetReceivedOCMShareResponse)
    async def GetReceivedOCMShare(self, request: ocm_api.GetReceivedOCMShareRequest, principal: Principal):
        refuse_scoped(principal, "read received federated shares")
        if request.ref.WhichOneof("spec") != "id":
            raise invalid_argument("a received federated share is named by its id")
        row = await received_share(self.store, principal.user, request.ref.id.opaque_id)
        return ocm_api.GetReceivedOCMShareResponse(status=ok(), share=self._ocm_received_proto(row))

    @rpc(ocm_api.UpdateReceivedOCMShareResponse)
    async def UpdateReceivedOCMShare(
        self, request: ocm_api.UpdateReceivedOCMShareRequest, principal: Principal
    ):
        refuse_scoped(principal, "update received federated shares")
        paths = set(request.update_mask.paths)
        if not paths or paths - {"state", "hidden"}:
            raise invalid_argument(
                f"update_mask must name state and/or hidden, not {sorted(paths) or 'nothing'}"
            )
        wanted = request.share
        if "state" in paths and wanted.state not in (PENDING, ACCEPTED, REJECTED):
            raise invalid_argument(f"{ocm.ShareState.Name(wanted.state)} is not a state to set")
        row = await received_share(self.store, principal.user, wanted.id.opaque_id)
        state = wanted.state if "state" in paths else row.state
        hidden = (
            wanted.hidden if "hidden" in paths else (state == REJECTED if "state" in paths else row.hidden)
        )

        def update(conn: sqlite3.Connection) -> None:
            mount_point = row.mount_point if state == ACCEPTED else ""
            if state == ACCEPTED and not mount_point:
                taken = conn.execute(
                    "SELECT mount_point FROM ocm_received WHERE user_id = ? AND state = ? AND mount_point != ''",
                    (row.user_id, ACCEPTED),
                ).fetchall()
                mount_point = free_mount_point({t["mount_point"] for t in taken}, row.name)
            conn.execute(
                "UPDATE ocm_received SET state = ?, hidden = ?, mount_point = ?, mtime_ns = ? WHERE id = ?",
                (state, int(hidden), mount_point, time.time_ns(), row.id),
            )

        await self.store.db.run(update)
        return ocm_api.UpdateReceivedOCMShareResponse(status=ok())

    def _ocm_received_proto(self, row: ReceivedRow) -> ocm.ReceivedShare:
        share = ocm.ReceivedShare(
            id=ocm.ShareId(opaque_id=row.id),
            name=row.name,
            remote_share_id=row.remote_share_id,
            grantee=rp.Grantee(
                type=rp.GRANTEE_TYPE_USER, user_id=self.store.users.by_id(row.user_id).user_id()
            ),
            owner=row.federated(row.owner),
            creator=row.federated(row.sender),
            ctime=timestamp(row.ctime_ns),
            mtime=timestamp(row.mtime_ns),
            share_type=ocm.SHARE_TYPE_USER,
            recipient_type=ocm.RECIPIENT_TYPE_USER,
            # What the share grants, without the secret; how it is reached is this store's business.
            protocols=[
                ocm.Protocol(
                    generic_options=types_pb2.Opaque(
                        map={
                            "name": types_pb2.OpaqueEntry(decoder="plain", value=b"cs3"),
                            "permissions": types_pb2.OpaqueEntry(
                                decoder="plain", value=row.permissions.encode()
                            ),
                        }
                    )
                ),
            ],
            state=row.state,
            resource_type=rp.RESOURCE_TYPE_CONTAINER if row.is_dir else rp.RESOURCE_TYPE_FILE,
            shared_resource_type=ocm.SHARE_RESOURCE_TYPE_CONTAINER
            if row.is_dir
            else ocm.SHARE_RESOURCE_TYPE_FILE,
            hidden=bool(row.hidden),
        )
        if row.mount_point:  # not a field of an OCM ReceivedShare: in its opaque, as Reva passes extras
            share.opaque.map["mount_point"].CopyFrom(
                types_pb2.OpaqueEntry(decoder="plain", value=f"{OCM_FOLDER}/{row.mount_point}".encode())
            )
        if row.expiration_s is not None:
            share.expiration.CopyFrom(types_pb2.Timestamp(seconds=row.expiration_s))
        return share
