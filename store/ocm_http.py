"""The OCM API over HTTP, on the data server: what peer institutions call.

- `POST /ocm/shares`: a Share Creation Notification (the OCM spec's JSON); 201 with
  `{"recipientDisplayName": ...}`, or 400/403/404 with `{"message": ...}` (ocm_received.py says
  when). As Reva's ocmd `/shares`.
- `POST /ocm/notifications`: notifications about shares (SHARE_UNSHARED is acted on); 201.
- `POST /ocm/invite-accepted`: an invitation taken at another institution (ocm_invites.py); 200
  with `{"userID", "email", "name"}` of who invited, or 400/403/404/409 with `{"message"}`.
- `GET /ocm-provider` and `GET /.well-known/ocm`: OCM API discovery (enabled, apiVersion,
  endPoint, provider, resourceTypes with the protocols offered), as Reva's ocmprovider service.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

import tornado.web

from .context import StoreContext
from .ocm_config import API_VERSION, load_async

log = logging.getLogger("meshcollab_store")
MAX_BODY = 1 << 20  # a notification is a small JSON document


class Refusal(Exception):
    """What the OCM API answers a peer: an HTTP status and why."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


Receive = Callable[[dict], Awaitable[dict]]
Notified = Callable[[dict], Awaitable[None]]


def discovery_routes(receive: Receive, notified: Notified) -> list[tuple[str, type, dict]]:
    return [
        (r"/ocm/shares", SharesEndpoint, {"receive": receive}),
        (r"/ocm/notifications", NotificationsEndpoint, {"notified": notified}),
        (r"/ocm-provider/?", DiscoveryEndpoint, {}),
        (r"/\.well-known/ocm", DiscoveryEndpoint, {}),
    ]


class _JsonEndpoint(tornado.web.RequestHandler):
    def answer(self, code: int, body: dict) -> None:
        self.set_status(code)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    def body_json(self) -> dict:
        if len(self.request.body) > MAX_BODY:
            raise Refusal(413, "the request body is too large for an OCM notification")
        content_type = self.request.headers.get("Content-Type", "").split(";")[0].strip()
        if content_type != "application/json":
            raise Refusal(400, "the OCM API takes application/json")
        try:
            body = json.loads(self.request.body)
        except ValueError:
            raise Refusal(400, "the body is not valid JSON") from None
        if not isinstance(body, dict):
            raise Refusal(400, "the body must be a JSON object")
        return body


class SharesEndpoint(_JsonEndpoint):
    def initialize(self, store: StoreContext, receive: Receive) -> None:
        self.receive = receive

    async def post(self) -> None:
        try:
            answer = await self.receive(self.body_json())
        except Refusal as refusal:
            log.info("OCM share refused (%s): %s", refusal.code, refusal.message)
            return self.answer(refusal.code, {"message": refusal.message})
        self.answer(201, answer)


class NotificationsEndpoint(_JsonEndpoint):
    def initialize(self, store: StoreContext, notified: Notified) -> None:
        self.notified = notified

    async def post(self) -> None:
        try:
            await self.notified(self.body_json())
        except Refusal as refusal:
            return self.answer(refusal.code, {"message": refusal.message})
        self.answer(201, {})


def invite_accepted_route(take: Receive) -> tuple[str, type, dict]:
    return (r"/ocm/invite-accepted", InviteAcceptedEndpoint, {"take": take})


class InviteAcceptedEndpoint(_JsonEndpoint):
    def initialize(self, store: StoreContext, take: Receive) -> None:
        self.take = take

    async def post(self) -> None:
        try:
            answer = await self.take(self.body_json())
        except Refusal as refusal:
            return self.answer(refusal.code, {"message": refusal.message})
        self.answer(200, answer)


class DiscoveryEndpoint(_JsonEndpoint):
    def initialize(self, store: StoreContext) -> None:
        self.store = store

    async def get(self) -> None:
        config = await load_async(self.store.root)
        self.answer(
            200,
            {
                "enabled": config is not None,
                "apiVersion": API_VERSION,
                "endPoint": f"{self.store.data_url}/ocm",
                "provider": (config.name or config.domain) if config else "",
                "resourceTypes": [
                    {"name": "file", "shareTypes": ["user"], "protocols": {"cs3": "/ocm/data/"}},
                    {"name": "folder", "shareTypes": ["user"], "protocols": {"cs3": "/ocm/data/"}},
                ],
                "capabilities": ["/notifications", "/invite-accepted"],
            },
        )
