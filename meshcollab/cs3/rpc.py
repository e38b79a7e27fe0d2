"""The gRPC channel to the CS3 gateway, and the one way every call goes through it.

`GatewayChannel.call` puts the access token in the `x-access-token` metadata, a deadline on the call,
turns a failed call or a non-OK response Status into a typed exception, and retries transient
failures of read-only calls with exponential backoff. Calls that change state are never retried here:
they wait for the channel to be ready (`wait_for_ready`), and gRPC itself retries them transparently
only when they never left the client.
"""

from __future__ import annotations

from typing import Any

import anyio
import grpc
from cs3.gateway.v1beta1 import gateway_api_pb2_grpc

from meshcollab.cs3.config import CS3Config
from meshcollab.cs3.errors import CS3Error, Unavailable, error_from_grpc, error_from_status

# Calls that change nothing on the server, so that repeating one is harmless. InitiateFileUpload only
# hands out a transfer token; the write happens in the HTTP PUT, which is never retried blindly.
READ_ONLY_CALLS = frozenset(
    {
        "Authenticate",
        "WhoAmI",
        "GetHome",
        "Stat",
        "ListContainer",
        "GetQuota",
        "GetLock",
        "InitiateFileDownload",
        "InitiateFileUpload",
        "ListFileVersions",
        "GetShare",
        "ListShares",
        "ListReceivedShares",
        "GetReceivedShare",
        "GetPublicShare",
        "GetPublicShareByToken",
        "ListPublicShares",
        "ListStorageSpaces",
        "GetUser",
        "GetUserByClaim",
        "FindUsers",
    }
)


async def _read_file(path: str) -> bytes | None:
    return await anyio.Path(path).read_bytes() if path else None


class GatewayChannel:
    """Owns the grpc.aio channel to the gateway; `open()` it inside the event loop, `aclose()` it after."""

    def __init__(self, config: CS3Config) -> None:
        self._config = config
        self._channel: grpc.aio.Channel | None = None
        self._stub: gateway_api_pb2_grpc.GatewayAPIStub | None = None

    async def open(self) -> None:
        if self._channel is not None:
            return
        config = self._config
        options = [
            ("grpc.max_receive_message_length", config.max_message_bytes),
            ("grpc.max_send_message_length", config.max_message_bytes),
        ]
        if config.tls:
            credentials = grpc.ssl_channel_credentials(
                root_certificates=await _read_file(config.tls_ca_file),
                private_key=await _read_file(config.tls_key_file),
                certificate_chain=await _read_file(config.tls_cert_file),
            )
            self._channel = grpc.aio.secure_channel(config.gateway, credentials, options=options)
        else:
            self._channel = grpc.aio.insecure_channel(config.gateway, options=options)
        self._stub = gateway_api_pb2_grpc.GatewayAPIStub(self._channel)

    async def aclose(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel = self._stub = None

    async def call(self, method: str, request: Any, *, token: str | None, resource: str = "") -> Any:
        """Call `method` of the gateway and return its response once its Status says OK.

        Raises the CS3Error subclass that the failure stands for; `resource` names what the call is
        about in that error.
        """
        if self._stub is None:
            raise Unavailable("the gateway channel is not open", operation=method, resource=resource)
        rpc = getattr(self._stub, method)
        metadata = (("x-access-token", token),) if token else ()
        retries = self._config.retries if method in READ_ONLY_CALLS else 0
        attempt = 0
        while True:
            try:
                response = await rpc(
                    request, metadata=metadata, timeout=self._config.deadline, wait_for_ready=True
                )
            except grpc.aio.AioRpcError as failure:
                error = error_from_grpc(failure, operation=method, resource=resource)
                error.__cause__ = failure
            else:
                error = error_from_status(response.status, operation=method, resource=resource)
                if error is None:
                    return response
            if not (isinstance(error, Unavailable) and attempt < retries):
                raise error
            await anyio.sleep(self._config.backoff(attempt))
            attempt += 1


def is_token_rejection(error: CS3Error) -> bool:
    """Whether the gateway's auth interceptor turned the call away before any service ran it.

    Reva answers a missing token with gRPC UNAUTHENTICATED and an invalid or expired one with gRPC
    PERMISSION_DENIED, in both cases before the call reaches a service; services themselves answer
    through the response Status.
    """
    return error.source == "grpc" and error.code in {"UNAUTHENTICATED", "PERMISSION_DENIED"}
