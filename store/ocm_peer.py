"""Talking to a peer institution: its OCM API over HTTP (share notifications), and its CS3 gateway
as the holder of a share's secret (reaching what it shares with us).

Reaching a remote resource, as Reva's `ocmreceived` storage driver does over WebDAV with the
shared secret as a bearer token, goes here through the peer's own gateway: `Authenticate` type
`ocmshares` with the secret gives an access token scoped to the shared resource with the share's
permissions (as Reva's `ocmshares` auth manager and ocmshare scope), and with it the peer's
Stat, InitiateFileDownload/Upload (then its HTTP data transfer) and lock RPCs. The peer enforces
the permissions; a revoked or expired share fails there.

One gRPC channel and one HTTP client per conversation (`async with PeerSession(...)`): nothing
is left open between requests.
"""

from __future__ import annotations

from typing import Self

import grpc
import httpx
from cs3.gateway.v1beta1 import gateway_api_pb2 as gw
from cs3.gateway.v1beta1.gateway_api_pb2_grpc import GatewayAPIStub
from cs3.rpc.v1beta1 import code_pb2

from .ocm_config import Peer
from .status import StoreError, not_found

AUTH_TYPE = "ocmshares"
TIMEOUT = 15.0  # seconds, for one call to a peer


def unavailable(message: str) -> StoreError:
    return StoreError(code_pb2.CODE_UNAVAILABLE, message)


def revoked(peer: Peer, detail: str) -> StoreError:
    return not_found(f"{peer.domain} no longer shares this resource (revoked or expired): {detail}")


async def notify(peer: Peer, path: str, payload: dict) -> httpx.Response:
    """POST a JSON document to the peer's OCM API (`/shares`, `/notifications`)."""
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            return await client.post(f"{peer.ocm_url}{path}", json=payload)
    except httpx.HTTPError as exc:
        raise unavailable(f"the OCM API of {peer.domain} at {peer.ocm_url} did not answer: {exc!r}") from None


class PeerSession:
    """One conversation with a peer's gateway, acting with the secret of one share."""

    def __init__(self, peer: Peer, secret: str) -> None:
        self.peer = peer
        self._secret = secret
        self._channel: grpc.aio.Channel | None = None
        self._stub: GatewayAPIStub | None = None
        self.token = ""
        self.http: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Self:
        if not self.peer.gateway:
            raise unavailable(f"no gateway is configured for the OCM peer {self.peer.domain}")
        self._channel = grpc.aio.insecure_channel(self.peer.gateway)
        self._stub = GatewayAPIStub(self._channel)
        try:
            request = gw.AuthenticateRequest(type=AUTH_TYPE, client_id=self._secret, client_secret="")
            response = await self._rpc("Authenticate", request, token="")
        except BaseException:
            await self.aclose()
            raise
        if response.status.code != code_pb2.CODE_OK:
            await self.aclose()
            raise revoked(self.peer, response.status.message)
        self.token = response.token
        self.http = httpx.AsyncClient(timeout=TIMEOUT)
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self.http is not None:
            await self.http.aclose()
            self.http = None
        if self._channel is not None:
            await self._channel.close()
            self._channel = None

    async def call(self, method: str, request):
        """Call the peer's gateway with the share's token; a non-OK answer raises it as a StoreError
        (so a viewer's upload is PERMISSION_DENIED here as there)."""
        response = await self._rpc(method, request, token=self.token)
        if response.status.code != code_pb2.CODE_OK:
            raise StoreError(response.status.code, f"{self.peer.domain}: {response.status.message}")
        return response

    async def _rpc(self, method: str, request, token: str):
        metadata = (("x-access-token", token),) if token else ()
        try:
            return await getattr(self._stub, method)(request, metadata=metadata, timeout=TIMEOUT)
        except grpc.aio.AioRpcError as exc:
            if exc.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
                # The peer's interceptor refused the token: the share is gone, or outside its scope.
                raise revoked(self.peer, exc.details() or exc.code().name) from None
            raise unavailable(
                f"the gateway of {self.peer.domain} at {self.peer.gateway} failed: "
                f"{exc.code().name} {exc.details() or ''}"
            ) from None

    def transfer_headers(self, transfer_token: str) -> dict[str, str]:
        return {"x-access-token": self.token, "X-Reva-Transfer": transfer_token}
