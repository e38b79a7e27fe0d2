"""How an RPC handler is written, and what answers the RPCs nobody implements.

    class FilesApi(ApiBase):
        @rpc(sp.StatResponse)
        async def Stat(self, request, principal):
            ...  # raise StoreError(...) to answer with that CS3 status

The decorator authenticates the caller from the `x-access-token` metadata, as Reva's auth
interceptor: no token aborts the call with gRPC UNAUTHENTICATED, an invalid or expired one with
PERMISSION_DENIED. Everything else is answered in the response's `Status`. `public=True` marks the
RPCs Reva leaves unprotected; they get `principal=None` unless a valid token comes along. A scoped
token used outside its scope aborts with PERMISSION_DENIED, as Reva's interceptor verifies scopes.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

import grpc
from cs3.gateway.v1beta1 import gateway_api_pb2
from cs3.gateway.v1beta1.gateway_api_pb2_grpc import GatewayAPIServicer
from cs3.rpc.v1beta1 import code_pb2
from google.protobuf import message_factory

from .access import OutOfScope, Principal
from .context import StoreContext
from .status import StoreError, unimplemented
from .tokens import InvalidToken

log = logging.getLogger("meshcollab_store")
TOKEN_HEADER = "x-access-token"


def token_of(context: grpc.aio.ServicerContext) -> str:
    return next((value for key, value in context.invocation_metadata() or () if key == TOKEN_HEADER), "")


async def principal_of(store: StoreContext, context: grpc.aio.ServicerContext, token: str = "") -> Principal:
    """The caller of a request, or abort the call as Reva's auth interceptor does."""
    token = token or token_of(context)
    if not token:
        await context.abort(grpc.StatusCode.UNAUTHENTICATED, "auth: core access token not found")
    try:
        return store.principal_from_token(token)
    except InvalidToken as exc:
        await context.abort(grpc.StatusCode.PERMISSION_DENIED, f"auth: core access token is invalid: {exc}")


async def abort_out_of_scope(context: grpc.aio.ServicerContext, exc: OutOfScope) -> None:
    await context.abort(grpc.StatusCode.PERMISSION_DENIED, f"auth: core access token is invalid: {exc}")


def optional_principal(store: StoreContext, context: grpc.aio.ServicerContext) -> Principal | None:
    """For unprotected RPCs: the caller if a valid token comes along; an invalid one is ignored, as Reva does."""
    try:
        return store.principal_from_token(token_of(context)) if token_of(context) else None
    except InvalidToken:
        return None


def rpc(response_type: type, *, public: bool = False) -> Callable:
    def decorate(handler: Callable) -> Callable:
        @functools.wraps(handler)
        async def serve(self: ApiBase, request, context: grpc.aio.ServicerContext):
            principal = (
                optional_principal(self.store, context) if public else await principal_of(self.store, context)
            )
            try:
                return await handler(self, request, principal)
            except OutOfScope as exc:
                await abort_out_of_scope(context, exc)
            except StoreError as exc:
                return response_type(status=exc.status())
            except Exception:
                # A bug, or the disk failing: say so in the Status, keep the details in the log.
                log.exception("%s failed", handler.__name__)
                failure = StoreError(
                    code_pb2.CODE_INTERNAL, f"{handler.__name__} failed inside the store; see its log"
                )
                return response_type(status=failure.status())

        return serve

    return decorate


class ApiBase:
    """Base of the gateway's mixins. A mixin that needs tables or hooks overrides `setup`
    (calling `await super().setup()` first); the service runs it once before serving."""

    store: StoreContext

    async def setup(self) -> None:
        pass


def answer_unimplemented(service_class: type) -> type:
    """Give every GatewayAPI RPC that no mixin implements an answer with CS3 status
    CODE_UNIMPLEMENTED (after authentication, as on Reva), instead of the generated servicer's
    gRPC-level UNIMPLEMENTED. Streaming RPCs send one such message."""
    base = gateway_api_pb2.DESCRIPTOR.services_by_name["GatewayAPI"]
    for method in base.methods:
        if getattr(service_class, method.name) is not getattr(GatewayAPIServicer, method.name):
            continue
        response_type = message_factory.GetMessageClass(method.output_type)
        setattr(
            service_class, method.name, _unimplemented(method.name, response_type, method.server_streaming)
        )
    return service_class


def _unimplemented(name: str, response_type: type, streaming: bool) -> Callable:
    message = f"{name} is not implemented by the embedded store"

    async def answer(self: ApiBase, request, context: grpc.aio.ServicerContext):
        await principal_of(self.store, context)
        return response_type(status=unimplemented(message).status())

    async def answer_stream(self: ApiBase, request, context: grpc.aio.ServicerContext):
        await principal_of(self.store, context)
        yield response_type(status=unimplemented(message).status())

    handler = answer_stream if streaming else answer
    handler.__name__ = name
    return handler
