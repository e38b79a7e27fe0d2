"""A real gRPC gateway in front of the embedded store that answers the lock RPCs as Reva's local
storage driver does (CODE_UNIMPLEMENTED in the response status) and forwards every other call, as
bytes, to the store. The data transfer goes straight to the store's data server."""

from __future__ import annotations

from contextlib import asynccontextmanager

import grpc
from cs3.rpc.v1beta1 import code_pb2, status_pb2
from cs3.storage.provider.v1beta1 import provider_api_pb2 as provider

SERVICE = "/cs3.gateway.v1beta1.GatewayAPI/"
LOCK_RESPONSES = {
    "SetLock": provider.SetLockResponse,
    "GetLock": provider.GetLockResponse,
    "RefreshLock": provider.RefreshLockResponse,
    "Unlock": provider.UnlockResponse,
}


class _Forwarder(grpc.GenericRpcHandler):
    def __init__(self, upstream: grpc.aio.Channel) -> None:
        self._upstream = upstream

    def service(self, details: grpc.HandlerCallDetails):
        name = details.method.removeprefix(SERVICE)
        if name in LOCK_RESPONSES:
            response = LOCK_RESPONSES[name](
                status=status_pb2.Status(code=code_pb2.CODE_UNIMPLEMENTED, message=f"{name} is not supported")
            )

            async def unsupported(request: bytes, context) -> bytes:
                return response.SerializeToString()

            return grpc.unary_unary_rpc_method_handler(unsupported)
        call = self._upstream.unary_unary(details.method)

        async def forward(request: bytes, context) -> bytes:
            metadata = [
                (k, v)
                for k, v in context.invocation_metadata()
                if not k.startswith(":") and k != "user-agent"
            ]
            return await call(request, metadata=metadata)

        return grpc.unary_unary_rpc_method_handler(forward)


@asynccontextmanager
async def lockless_gateway(store_address: str):
    """The address of a gateway without locks in front of the store at `store_address`."""
    async with grpc.aio.insecure_channel(store_address) as upstream:
        server = grpc.aio.server()
        server.add_generic_rpc_handlers([_Forwarder(upstream)])
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        try:
            yield f"127.0.0.1:{port}"
        finally:
            await server.stop(None)
