"""The OCM invitation workflow: how a user at one institution and a user at another come to know
each other before sharing. As Reva's ocminvitemanager and ocmd `/invite-accepted`:

- GenerateInviteToken: the caller's invite token (random, valid 24 h as Reva's default), to hand
  to someone at another institution; ListInviteTokens: the caller's live ones.
- ForwardInvite (at the invitee's institution): `invite_token.token` and the inviter's institution
  (`origin_system_provider.domain`, a peer of ocm.json; else CODE_PERMISSION_DENIED) -> `POST
  {peer ocm}/invite-accepted` with the caller as `userID`, `name`, `email`, `recipientProvider`
  = our domain. The inviter's institution answers who invited (200), or 404 (unknown token ->
  CODE_NOT_FOUND), 400 (expired -> CODE_INVALID_ARGUMENT), 409 (already known ->
  CODE_ALREADY_EXISTS). Both sides then hold each other as accepted users.
- `POST /ocm/invite-accepted` (and AcceptInvite, the RPC it stands for, unprotected as Reva's
  ocmd calls it) take an invitation: the token must be live and the remote user's institution a
  peer (else 403).
- FindAcceptedUsers (substring of name, mail, id or domain; empty: all), GetAcceptedUser,
  DeleteAcceptedUser: the caller's accepted remote users, as Users with `id.idp` = their domain
  and type FEDERATED. They are whom the caller can share with by name; sharing does not require
  them (a configured peer's users may be addressed directly, as Reva's auto-accept providers).

Tables `ocm_invites` and `ocm_accepted` in the store's SQLite file.
"""

from __future__ import annotations

import secrets
import sqlite3
import time

from cs3.identity.user.v1beta1 import resources_pb2 as user_pb2
from cs3.ocm.invite.v1beta1 import invite_api_pb2 as invite_api
from cs3.ocm.invite.v1beta1 import resources_pb2 as invite
from cs3.rpc.v1beta1 import code_pb2
from cs3.types.v1beta1 import types_pb2

from .access import Principal
from .ocm_config import OcmConfig, load_async
from .ocm_http import Refusal, invite_accepted_route
from .ocm_peer import notify
from .rpc import ApiBase, rpc
from .sharing import refuse_scoped
from .status import StoreError, already_exists, invalid_argument, not_found, ok, permission_denied
from .users import UserRecord

INVITE_LIFETIME = 24 * 3600  # seconds, as Reva's invite manager default

SCHEMA = """
CREATE TABLE IF NOT EXISTS ocm_invites (
    token TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    expiration_s INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS ocm_accepted (
    user_id TEXT NOT NULL,
    remote_idp TEXT NOT NULL,
    remote_id TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    mail TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, remote_idp, remote_id)
);
"""

HTTP_OF_STATUS = {
    code_pb2.CODE_NOT_FOUND: 404,
    code_pb2.CODE_INVALID_ARGUMENT: 400,
    code_pb2.CODE_ALREADY_EXISTS: 409,
    code_pb2.CODE_PERMISSION_DENIED: 403,
}
STATUS_OF_HTTP = {404: not_found, 400: invalid_argument, 409: already_exists, 403: permission_denied}


def federated(idp: str, opaque_id: str) -> user_pb2.UserId:
    return user_pb2.UserId(idp=idp, opaque_id=opaque_id, type=user_pb2.USER_TYPE_FEDERATED)


class OcmInvitesApi(ApiBase):
    async def setup(self) -> None:
        await super().setup()
        await self.store.db.executescript(SCHEMA)
        pattern, handler, kwargs = invite_accepted_route(self._ocm_take_invite)
        self.store.add_http_route(pattern, handler, kwargs)

    async def _ocm_peers(self) -> OcmConfig:
        config = await load_async(self.store.root)
        if config is None:
            raise permission_denied("federated sharing is off on this store: it has no ocm.json")
        return config

    # -- the inviter -----------------------------------------------------------------------------

    @rpc(invite_api.GenerateInviteTokenResponse)
    async def GenerateInviteToken(self, request: invite_api.GenerateInviteTokenRequest, principal: Principal):
        refuse_scoped(principal, "invite")
        await self._ocm_peers()
        token = secrets.token_urlsafe(24)
        expiration = int(time.time()) + INVITE_LIFETIME
        await self.store.db.execute(
            "INSERT INTO ocm_invites (token, user_id, description, expiration_s) VALUES (?, ?, ?, ?)",
            (token, principal.user.opaque_id, request.description, expiration),
        )
        return invite_api.GenerateInviteTokenResponse(
            status=ok(),
            invite_token=self._ocm_invite_proto(token, principal.user, request.description, expiration),
        )

    @rpc(invite_api.ListInviteTokensResponse)
    async def ListInviteTokens(self, request, principal: Principal):
        refuse_scoped(principal, "list invitations")
        rows = await self.store.db.fetchall(
            "SELECT token, description, expiration_s FROM ocm_invites WHERE user_id = ? AND expiration_s > ?",
            (principal.user.opaque_id, int(time.time())),
        )
        tokens = [
            self._ocm_invite_proto(r["token"], principal.user, r["description"], r["expiration_s"])
            for r in rows
        ]
        return invite_api.ListInviteTokensResponse(status=ok(), invite_tokens=tokens)

    def _ocm_invite_proto(
        self, token: str, user: UserRecord, description: str, expiration: int
    ) -> invite.InviteToken:
        return invite.InviteToken(
            token=token,
            user_id=user.user_id(),
            description=description,
            expiration=types_pb2.Timestamp(seconds=expiration),
        )

    async def _ocm_take_invite(self, body: dict) -> dict:
        """`POST /ocm/invite-accepted`: {token, userID, recipientProvider, name, email}; raises Refusal."""
        fields = {k: body.get(k) for k in ("token", "userID", "recipientProvider", "name", "email")}
        if not all(
            isinstance(fields[k], str) and fields[k] for k in ("token", "userID", "recipientProvider")
        ):
            raise Refusal(400, "token, userID and recipientProvider are needed")
        try:
            inviter = await self._ocm_accept(
                fields["token"],
                user_pb2.User(
                    id=federated(fields["recipientProvider"], fields["userID"]),
                    display_name=str(fields["name"] or ""),
                    mail=str(fields["email"] or ""),
                ),
            )
        except StoreError as exc:
            code = HTTP_OF_STATUS.get(exc.code, 500)
            raise Refusal(code, exc.message) from None
        return {"userID": inviter.opaque_id, "email": inviter.mail, "name": inviter.display_name}

    @rpc(invite_api.AcceptInviteResponse, public=True)
    async def AcceptInvite(self, request: invite_api.AcceptInviteRequest, principal):
        inviter = await self._ocm_accept(request.invite_token.token, request.remote_user)
        return invite_api.AcceptInviteResponse(
            status=ok(), user_id=inviter.user_id(), email=inviter.mail, display_name=inviter.display_name
        )

    async def _ocm_accept(self, token: str, remote: user_pb2.User) -> UserRecord:
        config = await self._ocm_peers()
        if config.peer(remote.id.idp) is None:
            raise permission_denied(f"{remote.id.idp or 'the invitee institution'} is not trusted here")
        row = await self.store.db.fetchone(
            "SELECT user_id, expiration_s FROM ocm_invites WHERE token = ?", (token,)
        )
        if row is None:
            raise not_found("no such invitation")
        if row["expiration_s"] <= time.time():
            raise invalid_argument("the invitation has expired")
        inviter = self.store.users.by_id(row["user_id"])
        if inviter is None:
            raise not_found("the user who invited no longer exists")
        await self._ocm_remember(
            inviter, remote.id.idp, remote.id.opaque_id, remote.display_name, remote.mail
        )
        return inviter

    async def _ocm_remember(self, user: UserRecord, idp: str, remote_id: str, name: str, mail: str) -> None:
        def insert(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(
                    "INSERT INTO ocm_accepted (user_id, remote_idp, remote_id, display_name, mail) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (user.opaque_id, idp.lower(), remote_id, name, mail),
                )
            except sqlite3.IntegrityError:
                raise already_exists(f"{user.username} already knows {remote_id}@{idp}") from None

        await self.store.db.run(insert)

    # -- the invitee -----------------------------------------------------------------------------

    @rpc(invite_api.ForwardInviteResponse)
    async def ForwardInvite(self, request: invite_api.ForwardInviteRequest, principal: Principal):
        refuse_scoped(principal, "accept invitations")
        config = await self._ocm_peers()
        domain = request.origin_system_provider.domain
        peer = config.peer(domain)
        if peer is None:
            raise permission_denied(f"{domain or 'the inviting institution'} is not trusted here")
        me = principal.user
        answer = await notify(
            peer,
            "/invite-accepted",
            {
                "token": request.invite_token.token,
                "userID": me.opaque_id,
                "recipientProvider": config.domain,
                "name": me.display_name,
                "email": me.mail,
            },
        )
        if answer.status_code != 200:
            refusal = STATUS_OF_HTTP.get(answer.status_code, permission_denied)
            raise refusal(f"{peer.domain} did not take the invitation: {answer.text.strip()[:300]}")
        inviter = answer.json()
        if not isinstance(inviter, dict) or not isinstance(inviter.get("userID"), str):
            raise invalid_argument(f"{peer.domain} answered the invitation without a userID")
        name, mail = str(inviter.get("name", "")), str(inviter.get("email", ""))
        try:
            await self._ocm_remember(me, peer.domain, inviter["userID"], name, mail)
        except StoreError:
            pass  # known already: the other side has just recorded it again, nothing to add
        return invite_api.ForwardInviteResponse(
            status=ok(), user_id=federated(peer.domain, inviter["userID"]), email=mail, display_name=name
        )

    # -- accepted users --------------------------------------------------------------------------

    @rpc(invite_api.FindAcceptedUsersResponse)
    async def FindAcceptedUsers(self, request: invite_api.FindAcceptedUsersRequest, principal: Principal):
        refuse_scoped(principal, "list contacts")
        needle = request.filter.lower()
        users = [
            u
            for u in await self._ocm_accepted(principal.user)
            if not needle
            or any(needle in s.lower() for s in (u.display_name, u.mail, u.id.opaque_id, u.id.idp))
        ]
        return invite_api.FindAcceptedUsersResponse(status=ok(), accepted_users=users)

    @rpc(invite_api.GetAcceptedUserResponse)
    async def GetAcceptedUser(self, request: invite_api.GetAcceptedUserRequest, principal: Principal):
        refuse_scoped(principal, "read contacts")
        wanted = request.remote_user_id
        for user in await self._ocm_accepted(principal.user):
            if user.id.opaque_id == wanted.opaque_id and user.id.idp == wanted.idp.lower():
                return invite_api.GetAcceptedUserResponse(status=ok(), remote_user=user)
        raise not_found(f"{principal.user.username} does not know {wanted.opaque_id}@{wanted.idp}")

    @rpc(invite_api.DeleteAcceptedUserResponse)
    async def DeleteAcceptedUser(self, request: invite_api.DeleteAcceptedUserRequest, principal: Principal):
        refuse_scoped(principal, "remove contacts")
        wanted = request.remote_user_id
        removed = await self.store.db.execute(
            "DELETE FROM ocm_accepted WHERE user_id = ? AND remote_idp = ? AND remote_id = ?",
            (principal.user.opaque_id, wanted.idp.lower(), wanted.opaque_id),
        )
        if not removed:
            raise not_found(f"{principal.user.username} does not know {wanted.opaque_id}@{wanted.idp}")
        return invite_api.DeleteAcceptedUserResponse(status=ok())

    async def _ocm_accepted(self, user: UserRecord) -> list[user_pb2.User]:
        rows = await self.store.db.fetchall(
            "SELECT remote_idp, remote_id, display_name, mail FROM ocm_accepted WHERE user_id = ? "
            "ORDER BY display_name, remote_id",
            (user.opaque_id,),
        )
        return [
            user_pb2.User(
                id=federated(r["remote_idp"], r["remote_id"]),
                username=r["remote_id"],
                display_name=r["display_name"],
                mail=r["mail"],
            )
            for r in rows
        ]
