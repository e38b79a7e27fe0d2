"""The sharing API: `/api/meshcollab/users`, `/shares`, `/shares/received`, `/links` (README.md).

Every handler is authenticated (`@web.authenticated`) and authorized (`@authorized`, resource
"meshcollab": link guests are refused), acts as the caller's CS3 user, and answers JSON; CS3's refusals
become the matching HTTP errors with a message. A change to a share or a link re-checks at once what
every member of every room may do, so a revoked or downgraded user's writes stop at once.
"""

from __future__ import annotations

from datetime import UTC, datetime

from jupyter_server.auth.decorator import authorized
from tornado import web

from meshcollab.cs3 import CS3Error, ShareState
from meshcollab.handlers.api import CS3APIHandler

from .share_folder import share_folder_path
from .models import ROLES, UserNames, link_json, received_json, share_json, user_json

STATES = {"pending": ShareState.PENDING, "accepted": ShareState.ACCEPTED, "rejected": ShareState.REJECTED}


class SharingHandler(CS3APIHandler):
    auth_resource = "meshcollab"

    async def changed(self) -> None:
        """Shares or links changed: who is in which room, with which rights, is checked again now."""
        await self.settings["meshcollab"].runtime.members.recheck()


def _role(body: dict, required: bool = True):
    role = body.get("role")
    if role is None and not required:
        return None
    if role not in ROLES:
        raise web.HTTPError(400, '"role" must be "viewer" or "editor"')
    return ROLES[role]


def _expiration(body: dict) -> datetime | None:
    value = body.get("expiration")
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise web.HTTPError(400, '"expiration" must be an ISO 8601 date and time') from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class UsersHandler(SharingHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        query = self.get_query_argument("q", "").strip()
        if not query:
            raise web.HTTPError(400, "give a search text: ?q=...")
        users = await self.cs3(self.session.users.find(query), action="search users")
        self.answer({"users": [user_json(user) for user in users]})


class SharesHandler(SharingHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The shares I made, of `?path=` only if given."""
        path = self.get_query_argument("path", None)
        target = await self.target(path) if path is not None else None
        shares = await self.cs3(self.session.shares.list(target), action="list the shares of", path=path)
        names = UserNames(self.session)
        self.answer({"shares": [await share_json(s, names, await self.path_of(s.resource_id)) for s in shares]})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Share `path` with a user: `{"path", "username", "role": "viewer"|"editor", "expiration"?}`."""
        body = self.body()
        permissions, expiration = _role(body), _expiration(body)
        username = body.get("username")
        if not isinstance(username, str) or not username:
            raise web.HTTPError(400, '"username" (the CS3 user to share with) is required')
        target = await self.target(body.get("path"))
        grantee = await self.cs3(
            self.session.users.get_by_claim("username", username), action="find", path=f"user {username}"
        )
        share = await self.cs3(
            self.session.shares.create(target, grantee, permissions, expiration=expiration),
            action="share",
            path=body["path"],
            already=f"{body['path']!r} is already shared with {username}: change the role of that share instead",
        )
        self.answer(await share_json(share, UserNames(self.session), await self.path_of(share.resource_id)), 201)


class ShareHandler(SharingHandler):
    @web.authenticated
    @authorized
    async def patch(self, share_id: str) -> None:
        """Change what the recipient may do: `{"role": "viewer"|"editor"}`."""
        permissions = _role(self.body())
        share = await self.cs3(self.session.shares.update(share_id, permissions), action="change share", path=share_id)
        await self.changed()
        self.answer(await share_json(share, UserNames(self.session), await self.path_of(share.resource_id)))

    @web.authenticated
    @authorized
    async def delete(self, share_id: str) -> None:
        await self.cs3(self.session.shares.remove(share_id), action="revoke share", path=share_id)
        await self.changed()
        self.set_status(204)
        self.finish()


class ReceivedSharesHandler(SharingHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The shares made to me, in `?state=pending|accepted|rejected` only if given."""
        state = self.get_query_argument("state", None)
        if state is not None and state not in STATES:
            raise web.HTTPError(400, "state must be pending, accepted or rejected")
        received = await self.cs3(
            self.session.shares.list_received(STATES.get(state)), action="list shares received"
        )
        names = UserNames(self.session)
        self.answer({"shares": [await self.received(share, names) for share in received]})

    async def received(self, share, names: UserNames) -> dict:
        path = None
        if share.state is ShareState.ACCEPTED and share.mount_point:
            folder = await self.cs3(share_folder_path(self.session), action="open", path="")
            path = await self.contents_manager.api_path(f"{folder}/{share.mount_point}")
        name = share.mount_point
        if share.share.resource_id is not None:
            try:
                name = (await self.session.files.stat(share.share.resource_id)).name or name
            except CS3Error:
                pass
        return await received_json(share, names, path, name)


class ReceivedShareHandler(ReceivedSharesHandler):
    @web.authenticated
    @authorized
    async def post(self, share_id: str, decision: str) -> None:
        """Accept (it appears in `MyShares/`) or decline a share made to me."""
        shares = self.session.shares
        operation = shares.accept(share_id) if decision == "accept" else shares.reject(share_id)
        received = await self.cs3(operation, action=f"{decision} share", path=share_id)
        self.answer(await self.received(received, UserNames(self.session)))


class LinksHandler(SharingHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The public links I made, of `?path=` only if given."""
        path = self.get_query_argument("path", None)
        target = await self.target(path) if path is not None else None
        links = await self.cs3(self.session.links.list(target), action="list the links of", path=path)
        self.answer({"links": [link_json(link, await self.path_of(link.resource_id), self.base_url) for link in links]})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """A link to `path`: `{"path", "role", "password"?, "expiration"?}`."""
        body = self.body()
        permissions, expiration = _role(body), _expiration(body)
        password = body.get("password") or None
        if password is not None and not isinstance(password, str):
            raise web.HTTPError(400, '"password" must be a string')
        target = await self.target(body.get("path"))
        link = await self.cs3(
            self.session.links.create(target, permissions, password=password, expiration=expiration),
            action="share",
            path=body["path"],
        )
        self.answer(link_json(link, await self.path_of(link.resource_id), self.base_url), 201)


class LinkHandler(SharingHandler):
    @web.authenticated
    @authorized
    async def patch(self, link_id: str) -> None:
        """Change a link: `{"role"?, "password"? ("" removes it), "expiration"? (null removes it)}`."""
        body = self.body()
        password = body.get("password")
        if password is not None and not isinstance(password, str):
            raise web.HTTPError(400, '"password" must be a string')
        link = await self.cs3(
            self.session.links.update(
                link_id,
                permissions=_role(body, required=False),
                password=password,
                expiration=_expiration(body),
                remove_expiration="expiration" in body and body["expiration"] is None,
            ),
            action="change link",
            path=link_id,
        )
        await self.changed()
        self.answer(link_json(link, await self.path_of(link.resource_id), self.base_url))

    @web.authenticated
    @authorized
    async def delete(self, link_id: str) -> None:
        await self.cs3(self.session.links.remove(link_id), action="revoke link", path=link_id)
        await self.changed()
        self.set_status(204)
        self.finish()


def sharing_handlers() -> list[tuple]:
    from .join import JoinApiHandler, JoinPageHandler

    return [
        (r"/api/meshcollab/users", UsersHandler),
        (r"/api/meshcollab/shares", SharesHandler),
        (r"/api/meshcollab/shares/received", ReceivedSharesHandler),
        (r"/api/meshcollab/shares/received/([^/]+)/(accept|decline)", ReceivedShareHandler),
        (r"/api/meshcollab/shares/([^/]+)", ShareHandler),
        (r"/api/meshcollab/links", LinksHandler),
        (r"/api/meshcollab/links/([^/]+)", LinkHandler),
        (r"/api/meshcollab/join", JoinApiHandler),
        (r"/meshcollab/join/([^/]+)", JoinPageHandler),
    ]
