"""The federated sharing API (OCM): share with a user at another institution, and list, accept or
decline what users of other institutions shared with me. `/api/meshcollab/ocm/...` (README.md).

A recipient is written `user@institution-domain`, as Reva's OCM does.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from meshcollab.cs3 import OCMShare, ReceivedOCMShare

from .handlers import STATES, SharingHandler, _expiration, _role
from .models import federated_name, federated_share_json, role_of


class FederatedSharesHandler(SharingHandler):
    async def share_json(self, share: OCMShare) -> dict:
        return federated_share_json(share, await self.path_of(share.resource_id))

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The federated shares I made, of `?path=` only if given."""
        path = self.get_query_argument("path", None)
        target = await self.target(path) if path is not None else None
        shares = await self.cs3(self.session.ocm.list(target), action="list the federated shares of", path=path)
        self.answer({"shares": [await self.share_json(share) for share in shares]})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Share `path` with `{"recipient": "user@institution", "role", "expiration"?}`."""
        body = self.body()
        permissions, expiration = _role(body), _expiration(body)
        recipient = body.get("recipient")
        if not isinstance(recipient, str) or recipient.count("@") != 1 or not all(recipient.split("@")):
            raise web.HTTPError(400, '"recipient" must be user@institution')
        target = await self.target(body.get("path"))
        share = await self.cs3(
            self.session.ocm.create(target, recipient, permissions, expiration=expiration),
            action="share",
            path=body["path"],
            already=f"{body['path']!r} is already shared with {recipient}",
        )
        self.answer(await self.share_json(share), 201)


class FederatedShareHandler(FederatedSharesHandler):
    @web.authenticated
    @authorized
    async def delete(self, share_id: str) -> None:
        await self.cs3(self.session.ocm.remove(share_id), action="revoke federated share", path=share_id)
        self.set_status(204)
        self.finish()


class ReceivedFederatedSharesHandler(SharingHandler):
    async def received_json(self, share: ReceivedOCMShare) -> dict:
        path = None
        if share.mount_point:  # where the store mounts an accepted share (Reva says nothing)
            path = await self.contents_manager.api_path(f"{await self.session.home()}/{share.mount_point}")
        return {
            "id": share.id,
            "name": share.name,
            "state": share.state.name.lower(),
            "owner": federated_name(share.owner),
            "role": role_of(share.permissions),
            "path": path,
        }

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Federated shares made to me, in `?state=pending|accepted|rejected` only if given."""
        state = self.get_query_argument("state", None)
        if state is not None and state not in STATES:
            raise web.HTTPError(400, "state must be pending, accepted or rejected")
        received = await self.cs3(self.session.ocm.list_received(STATES.get(state)), action="list shares received")
        self.answer({"shares": [await self.received_json(share) for share in received]})


class ReceivedFederatedShareHandler(ReceivedFederatedSharesHandler):
    @web.authenticated
    @authorized
    async def post(self, share_id: str, decision: str) -> None:
        """Accept (it opens from `OCM/` in my files) or decline a federated share."""
        ocm = self.session.ocm
        operation = ocm.accept(share_id) if decision == "accept" else ocm.reject(share_id)
        received = await self.cs3(operation, action=f"{decision} federated share", path=share_id)
        self.answer(await self.received_json(received))


def federated_handlers() -> list[tuple]:
    return [
        (r"/api/meshcollab/ocm/shares", FederatedSharesHandler),
        (r"/api/meshcollab/ocm/shares/([^/]+)", FederatedShareHandler),
        (r"/api/meshcollab/ocm/received", ReceivedFederatedSharesHandler),
        (r"/api/meshcollab/ocm/received/([^/]+)/(accept|decline)", ReceivedFederatedShareHandler),
    ]
