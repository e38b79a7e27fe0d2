"""A real Jupyter server, in-process on a loopback port, whose contents manager is the CS3 one, on
the embedded store; tests speak HTTP to `/api/contents` as JupyterLab does.

Until meshcollab's identity provider lands, the server here signs requests in with HTTP Basic
(CS3 username and password, verified by logging in to the gateway) and sets the request's CS3
session, as the real one will.
"""

from __future__ import annotations

import base64
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from jupyter_server.auth import IdentityProvider, User
from jupyter_server.serverapp import ServerApp
from tornado.httpserver import HTTPServer
from traitlets import Any
from traitlets.config import Config

from meshcollab.cs3 import CS3Config, CS3Error, CS3Gateway, CS3Session
from meshcollab.identity import set_current_session

PASSWORDS = {"einstein": "relativity", "marie": "radioactivity", "richard": "superfluidity"}


class BasicCS3IdentityProvider(IdentityProvider):
    """Signs a request in with HTTP Basic against the CS3 gateway and makes it act as that user."""

    gateway = Any(help="the CS3Gateway to log users in with")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._sessions: dict[tuple[str, str], CS3Session] = {}

    async def get_user(self, handler):
        header = handler.request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        username, _, password = base64.b64decode(header[6:]).decode().partition(":")
        session = self._sessions.get((username, password))
        if session is None:
            try:
                session = await self.gateway.login_basic(username, password)
            except CS3Error:
                return None
            self._sessions[(username, password)] = session
        set_current_session(session)
        return User(username=username)


def _loopback_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.setblocking(False)
    return sock


@dataclass
class ContentsServer:
    """The running server, a client per user, and the users' own CS3 sessions to arrange and check
    things behind the API's back."""

    app: ServerApp
    base_url: str
    gateway: CS3Gateway
    workdir: str  # Jupyter path of this test's own folder in einstein's home
    sessions: dict[str, CS3Session] = field(default_factory=dict)
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)

    def client(self, user: str = "einstein") -> httpx.AsyncClient:
        if user not in self.clients:
            self.clients[user] = httpx.AsyncClient(
                base_url=self.base_url, auth=(user, PASSWORDS[user]), timeout=60
            )
        return self.clients[user]

    async def session(self, user: str = "einstein") -> CS3Session:
        if user not in self.sessions:
            self.sessions[user] = await self.gateway.login_basic(user, PASSWORDS[user])
        return self.sessions[user]

    async def request(self, method: str, path: str, *, user: str = "einstein", **kwargs) -> httpx.Response:
        """`path` is a Jupyter path under /api/contents/ (or a whole /api/... or /files/... URL)."""
        url = path if path.startswith("/") else "/api/contents/" + path
        return await self.client(user).request(method, url, **kwargs)

    async def cs3_path(self, path: str, user: str = "einstein") -> str:
        home = await (await self.session(user)).home()
        return f"{home}/{path}" if path else home


@pytest.fixture
async def contents_server(store, tmp_path, monkeypatch) -> AsyncIterator[ContentsServer]:
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    (tmp_path / "kernels").mkdir()
    config = Config()
    config.ServerApp.contents_manager_class = "meshcollab.contents.CS3ContentsManager"
    config.ServerApp.identity_provider_class = BasicCS3IdentityProvider
    config.ServerApp.root_dir = str(tmp_path / "kernels")
    config.ServerApp.disable_check_xsrf = True
    config.ServerApp.open_browser = False
    config.CS3ContentsManager.upload_staging_dir = str(tmp_path / "uploads")
    app = ServerApp(config=config)
    app.initialize(argv=[], find_extensions=False, new_httpserver=False)

    cs3_config = CS3Config(
        gateway=store.grpc_address,
        deadline=15,
        retries=2,
        retry_backoff=0.05,
        chunk_size=64 * 1024,
        version_download="resource_id",  # how the embedded store addresses versions
    )
    async with CS3Gateway(cs3_config) as gateway:
        app.identity_provider.gateway = gateway
        sock = _loopback_socket()
        http_server = HTTPServer(app.web_app)
        http_server.add_sockets([sock])
        port = sock.getsockname()[1]
        server = ContentsServer(app=app, base_url=f"http://127.0.0.1:{port}", gateway=gateway, workdir="")
        einstein = await server.session("einstein")
        server.workdir = f"contents-test-{uuid.uuid4().hex[:10]}"
        await einstein.files.mkdir(f"{await einstein.home()}/{server.workdir}")
        try:
            yield server
        finally:
            for client in server.clients.values():
                await client.aclose()
            http_server.stop()
            await http_server.close_all_connections()
            app.session_manager.close()
