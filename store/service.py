"""The store as a service: the gateway servicer composed of its API mixins, the gRPC server and
the HTTP data server on one asyncio loop, `EmbeddedStore` to run it in-process and
`run_forever` for the `meshcollab store` command."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Self

import anyio.to_thread
import grpc
import tornado.httpserver
import tornado.netutil
from cs3.gateway.v1beta1.gateway_api_pb2_grpc import GatewayAPIServicer, add_GatewayAPIServicer_to_server

from .context import StoreContext
from .data_server import make_app
from .files_api import FilesApi
from .links import LinksApi
from .locks_api import LocksApi
from .ocm import OcmSharesApi
from .ocm_access import OcmAccessApi
from .ocm_invites import OcmInvitesApi
from .ocm_received import OcmReceivedApi
from .rpc import answer_unimplemented
from .sharing import SharesApi
from .spaces_api import SpacesApi
from .tokens import DEFAULT_ACCESS_LIFETIME
from .transfer_api import TransferApi
from .users import UserDirectory
from .users_api import UsersApi
from .versions_api import VersionsApi

MAX_MESSAGE = 64 * 1024 * 1024
TOKEN_LIFETIME_ENV = "MESHCOLLAB_STORE_TOKEN_LIFETIME"
MAX_UPLOAD = 1 << 40  # bodies stream to disk; this only bounds a runaway client
BODY_CHUNK = 1 << 20  # bytes handed to the upload handler at a time (tornado's default is 64 KiB)


@answer_unimplemented
class GatewayService(
    OcmAccessApi,
    FilesApi,
    TransferApi,
    LocksApi,
    VersionsApi,
    UsersApi,
    SpacesApi,
    SharesApi,
    LinksApi,
    OcmSharesApi,
    OcmReceivedApi,
    OcmInvitesApi,
    GatewayAPIServicer,
):
    """The CS3 gateway API. Each mixin serves one group of RPCs; add a mixin here once it exists.
    OcmAccessApi comes first: it takes the file, transfer and lock RPCs that name a federated
    share and hands the others on to FilesApi, TransferApi and LocksApi."""

    def __init__(self, store: StoreContext) -> None:
        self.store = store


def _advertised(host: str) -> str:
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host


class EmbeddedStore:
    """The store serving `root`: `async with EmbeddedStore(root) as store: store.grpc_address`."""

    def __init__(
        self,
        root: Path | str,
        grpc_port: int = 0,
        data_port: int | None = None,
        users_file: Path | str | None = None,
        host: str = "127.0.0.1",
        access_token_lifetime: float = DEFAULT_ACCESS_LIFETIME,
    ) -> None:
        self.root = Path(root)
        self.host = host
        self.grpc_port = grpc_port
        self.data_port = data_port if data_port is not None else (grpc_port + 1 if grpc_port else 0)
        self.users_file = Path(users_file) if users_file else None
        self.access_token_lifetime = access_token_lifetime
        self.grpc_address = ""
        self.data_url = ""
        self.context: StoreContext | None = None
        self._grpc_server: grpc.aio.Server | None = None
        self._http_server: tornado.httpserver.HTTPServer | None = None

    async def start(self) -> None:
        users = await anyio.to_thread.run_sync(UserDirectory.load, self.users_file)
        sockets = tornado.netutil.bind_sockets(self.data_port, self.host, family=socket.AF_INET)
        self.data_url = f"http://{_advertised(self.host)}:{sockets[0].getsockname()[1]}"
        try:
            self.context = await anyio.to_thread.run_sync(
                StoreContext.create, self.root, self.data_url, users, self.access_token_lifetime
            )
            await self.context.start()
            service = GatewayService(self.context)
            await service.setup()
            self._grpc_server = grpc.aio.server(
                options=[
                    ("grpc.max_receive_message_length", MAX_MESSAGE),
                    ("grpc.max_send_message_length", MAX_MESSAGE),
                    # Without this a second store could bind the same port and share its traffic.
                    ("grpc.so_reuseport", 0),
                ]
            )
            add_GatewayAPIServicer_to_server(service, self._grpc_server)
            try:
                port = self._grpc_server.add_insecure_port(f"{self.host}:{self.grpc_port}")
            except RuntimeError as exc:  # what grpc raises when the port is taken
                raise OSError(f"cannot listen for gRPC on {self.host}:{self.grpc_port}: {exc}") from None
            await self._grpc_server.start()
            self.grpc_address = f"{_advertised(self.host)}:{port}"
            self._http_server = tornado.httpserver.HTTPServer(
                make_app(self.context), max_body_size=MAX_UPLOAD, chunk_size=BODY_CHUNK
            )
            self._http_server.add_sockets(sockets)
        except BaseException:
            for sock in sockets:
                sock.close()
            await self.stop()
            raise

    async def stop(self) -> None:
        if self._http_server is not None:
            self._http_server.stop()
            await self._http_server.close_all_connections()
            self._http_server = None
        if self._grpc_server is not None:
            await self._grpc_server.stop(grace=1.0)
            self._grpc_server = None
        if self.context is not None:
            await self.context.stop()
            self.context = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.stop()


def run_forever(
    root: Path | str,
    grpc_port: int = 0,
    data_port: int | None = None,
    users_file: Path | str | None = None,
    host: str = "127.0.0.1",
) -> int:
    """Serve until SIGTERM or SIGINT; prints one ready line once serving. Returns the exit code.
    The access-token lifetime (seconds) may be set with MESHCOLLAB_STORE_TOKEN_LIFETIME."""
    try:
        lifetime = float(os.environ.get(TOKEN_LIFETIME_ENV, DEFAULT_ACCESS_LIFETIME))
        return asyncio.run(_serve(EmbeddedStore(root, grpc_port, data_port, users_file, host, lifetime)))
    except (OSError, ValueError) as exc:
        print(f"meshcollab-store: cannot start: {exc}", file=sys.stderr, flush=True)
        return 1


async def _serve(store: EmbeddedStore) -> int:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    async with store:
        print(f"meshcollab-store ready grpc={store.grpc_address} data={store.data_url}", flush=True)
        await stopping.wait()
    return 0
