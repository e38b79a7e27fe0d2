"""What the embedded store cannot show: the retry policy under failures, OIDC bearer logins, and TLS.

The store neither fails on demand nor speaks OIDC, so these tests serve the CS3 gateway API from a
small fault-injecting gRPC server: the adapter under test is the real one, over real gRPC and HTTP.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import grpc
import jwt
import pytest
from cs3.gateway.v1beta1 import gateway_api_pb2 as gateway
from cs3.gateway.v1beta1 import gateway_api_pb2_grpc
from cs3.gateway.v1beta1 import resources_pb2 as gateway_resources
from cs3.identity.user.v1beta1 import resources_pb2 as identity
from cs3.rpc.v1beta1 import code_pb2
from cs3.rpc.v1beta1.status_pb2 import Status
from cs3.storage.provider.v1beta1 import provider_api_pb2 as provider
from cs3.storage.provider.v1beta1 import resources_pb2 as storage

from meshcollab.cs3 import CS3Config, CS3Gateway, TokenExpired, Unavailable

pytestmark = pytest.mark.anyio

OK = Status(code=code_pb2.CODE_OK)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FaultyGateway(gateway_api_pb2_grpc.GatewayAPIServicer):
    """Answers a few calls; `failures[method]` of them first fail with gRPC UNAVAILABLE."""

    def __init__(self) -> None:
        self.failures: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.tokens_issued = 0
        self.logins: list[tuple[str, str, str]] = []
        self.token_lifetime = 3600
        self.rejected_tokens: set[str] = set()
        self.dead_endpoint = f"http://127.0.0.1:{closed_port()}/data/nowhere"

    async def _enter(self, method: str, context: grpc.aio.ServicerContext) -> None:
        self.calls[method] += 1
        if dict(context.invocation_metadata()).get("x-access-token") in self.rejected_tokens:
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, "auth: core access token is invalid")
        if self.failures[method] > 0:
            self.failures[method] -= 1
            await context.abort(grpc.StatusCode.UNAVAILABLE, "injected failure")

    async def Authenticate(self, request, context):
        await self._enter("Authenticate", context)
        self.logins.append((request.type, request.client_id, request.client_secret))
        self.tokens_issued += 1
        token = jwt.encode(
            {
                "sub": request.client_id,
                "n": self.tokens_issued,
                "exp": int(time.time()) + self.token_lifetime,
            },
            "a fault-injecting gateway's secret key",
            algorithm="HS256",
        )
        user = identity.User(username=request.client_id, id=identity.UserId(idp="test", opaque_id="u1"))
        return gateway.AuthenticateResponse(status=OK, token=token, user=user)

    async def GetHome(self, request, context):
        await self._enter("GetHome", context)
        return provider.GetHomeResponse(status=OK, path="/home/einstein")

    async def Stat(self, request, context):
        await self._enter("Stat", context)
        info = storage.ResourceInfo(
            type=storage.RESOURCE_TYPE_FILE,
            id=storage.ResourceId(storage_id="s", opaque_id="o"),
            path=request.ref.path,
        )
        return provider.StatResponse(status=OK, info=info)

    async def CreateContainer(self, request, context):
        await self._enter("CreateContainer", context)
        return provider.CreateContainerResponse(status=OK)

    async def InitiateFileUpload(self, request, context):
        await self._enter("InitiateFileUpload", context)
        protocol = gateway_resources.FileUploadProtocol(
            protocol="simple", upload_endpoint=self.dead_endpoint, token="t"
        )
        return gateway.InitiateFileUploadResponse(status=OK, protocols=[protocol])

    async def InitiateFileDownload(self, request, context):
        await self._enter("InitiateFileDownload", context)
        protocol = gateway_resources.FileDownloadProtocol(
            protocol="simple", download_endpoint=self.dead_endpoint, token="t"
        )
        return gateway.InitiateFileDownloadResponse(status=OK, protocols=[protocol])


async def serve(
    credentials: grpc.ServerCredentials | None = None,
) -> tuple[grpc.aio.Server, FaultyGateway, str]:
    servicer = FaultyGateway()
    server = grpc.aio.server()
    gateway_api_pb2_grpc.add_GatewayAPIServicer_to_server(servicer, server)
    if credentials is None:
        port = server.add_insecure_port("127.0.0.1:0")
    else:
        port = server.add_secure_port("127.0.0.1:0", credentials)
    await server.start()
    return server, servicer, f"localhost:{port}"


@pytest.fixture
async def faulty() -> AsyncIterator[tuple[FaultyGateway, str]]:
    server, servicer, address = await serve()
    yield servicer, address
    await server.stop(None)


def config(address: str) -> CS3Config:
    return CS3Config(gateway=address, retries=3, retry_backoff=0.01, deadline=10)


async def test_reads_are_retried_through_transient_failures(faulty) -> None:
    servicer, address = faulty
    async with CS3Gateway(config(address)) as gw:
        session = await gw.login_basic("einstein", "relativity")
        servicer.failures["Stat"] = 3
        assert (await session.files.stat("/home/einstein/nb.ipynb")).path == "/home/einstein/nb.ipynb"
        assert servicer.calls["Stat"] == 4


async def test_retries_are_bounded(faulty) -> None:
    servicer, address = faulty
    async with CS3Gateway(config(address)) as gw:
        session = await gw.login_basic("einstein", "relativity")
        servicer.failures["Stat"] = 10
        with pytest.raises(Unavailable) as caught:
            await session.files.stat("/home/einstein/nb.ipynb")
        assert servicer.calls["Stat"] == 4
        assert "injected failure" in str(caught.value) and "/home/einstein/nb.ipynb" in str(caught.value)


async def test_writes_that_may_have_reached_the_server_are_not_retried(faulty) -> None:
    servicer, address = faulty
    async with CS3Gateway(config(address)) as gw:
        session = await gw.login_basic("einstein", "relativity")
        servicer.failures["CreateContainer"] = 1
        with pytest.raises(Unavailable):
            await session.files.mkdir("/home/einstein/folder")
        assert servicer.calls["CreateContainer"] == 1


async def test_a_rejected_token_is_renewed_and_the_call_sent_once_more(faulty) -> None:
    servicer, address = faulty
    async with CS3Gateway(config(address)) as gw:
        session = await gw.login_basic("einstein", "relativity")
        servicer.rejected_tokens.add(session.token)  # as after the gateway changed its signing key
        await session.files.mkdir("/home/einstein/folder")
        assert session.token_renewals == 1 and servicer.tokens_issued == 2
        assert servicer.calls["CreateContainer"] == 2  # the first never ran: the interceptor refused it


async def test_an_upload_that_never_reached_the_data_server_is_retried_then_reported(faulty) -> None:
    servicer, address = faulty
    started = []

    async def body() -> AsyncIterator[bytes]:
        started.append(True)
        yield b"content"

    async with CS3Gateway(config(address)) as gw:
        session = await gw.login_basic("einstein", "relativity")
        with pytest.raises(Unavailable) as caught:
            await session.files.write("/home/einstein/nb.ipynb", body())
        assert caught.value.source == "connection" and servicer.dead_endpoint in str(caught.value)
        assert started == [] and servicer.calls["InitiateFileUpload"] == 1


async def test_a_download_failing_before_its_first_byte_starts_over(faulty) -> None:
    servicer, address = faulty
    async with CS3Gateway(config(address)) as gw:
        session = await gw.login_basic("einstein", "relativity")
        with pytest.raises(Unavailable):
            await session.files.read_bytes("/home/einstein/nb.ipynb")
        assert servicer.calls["InitiateFileDownload"] == 4  # a fresh transfer token for each attempt


async def test_an_unreachable_gateway_is_unavailable() -> None:
    unreachable = CS3Config(gateway=f"127.0.0.1:{closed_port()}", retries=1, retry_backoff=0.01, deadline=1)
    async with CS3Gateway(unreachable) as gw:
        with pytest.raises(Unavailable):
            await gw.login_basic("einstein", "relativity")


def oidc_token(lifetime: float) -> str:
    claims = {"iss": "https://idp.example.org", "sub": "einstein", "exp": int(time.time() + lifetime)}
    return jwt.encode(claims, "the identity provider's key, unknown to us", algorithm="HS256")


async def test_a_bearer_login_exchanges_the_oidc_token_and_renews_with_it(faulty) -> None:
    servicer, address = faulty
    oidc = oidc_token(3600)
    renewing = config(address)
    renewing.token_renewal_margin = 10 * 365 * 24 * 3600.0  # every call falls in the renewal window
    async with CS3Gateway(renewing) as gw:
        session = await gw.login_bearer(oidc)
        await session.home()
        assert servicer.logins == [("bearer", "", oidc)] * 2 and session.token_renewals == 1


async def test_a_session_from_an_expired_oidc_token_says_to_log_in_again(faulty) -> None:
    servicer, address = faulty
    servicer.token_lifetime = 1
    async with CS3Gateway(config(address)) as gw:
        session = await gw.login_bearer(oidc_token(1))
        await anyio.sleep(2.5)  # both the CS3 token and the OIDC token it came from are past their `exp`
        with pytest.raises(TokenExpired, match="bearer token it was issued for expired"):
            await session.home()
        assert servicer.logins == [("bearer", "", servicer.logins[0][2])]  # no renewal was attempted


def issue_certificate(folder: Path, name: str, ca: str | None = None) -> None:
    """`name`.pem and `name`.key: a self-signed CA if `ca` is None, else a localhost certificate it signs."""
    key, cert = folder / f"{name}.key", folder / f"{name}.pem"
    if ca is None:
        command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        command += ["-keyout", key, "-out", cert, "-subj", f"/CN={name}"]
        subprocess.run(command, check=True, capture_output=True)
        return
    request, extensions = folder / f"{name}.csr", folder / f"{name}.ext"
    extensions.write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    command = ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", request]
    subprocess.run([*command, "-subj", "/CN=localhost"], check=True, capture_output=True)
    command = [
        "openssl",
        "x509",
        "-req",
        "-in",
        request,
        "-CA",
        folder / f"{ca}.pem",
        "-CAkey",
        folder / f"{ca}.key",
    ]
    command += ["-CAcreateserial", "-days", "1", "-out", cert, "-extfile", extensions]
    subprocess.run(command, check=True, capture_output=True)


@pytest.fixture
def certificates(tmp_path: Path) -> Path:
    issue_certificate(tmp_path, "ca")
    issue_certificate(tmp_path, "server", ca="ca")
    issue_certificate(tmp_path, "client", ca="ca")
    return tmp_path


def server_pair(folder: Path) -> tuple[bytes, bytes]:
    return (folder / "server.key").read_bytes(), (folder / "server.pem").read_bytes()


@pytest.mark.parametrize("mutual", [False, True])
async def test_tls_with_our_ca_and_optionally_a_client_certificate(certificates: Path, mutual: bool) -> None:
    read = lambda name: (certificates / name).read_bytes()  # noqa: E731
    credentials = grpc.ssl_server_credentials(
        [(read("server.key"), read("server.pem"))],
        root_certificates=read("ca.pem"),
        require_client_auth=mutual,
    )
    server, _, address = await serve(credentials)
    try:
        settings = CS3Config(gateway=address, tls=True, tls_ca_file=str(certificates / "ca.pem"), deadline=5)
        if mutual:
            settings.tls_cert_file = str(certificates / "client.pem")
            settings.tls_key_file = str(certificates / "client.key")
        async with CS3Gateway(settings) as gw:
            session = await gw.login_basic("einstein", "relativity")
            assert await session.home() == "/home/einstein"
    finally:
        await server.stop(None)


async def test_tls_refuses_a_gateway_signed_by_an_unknown_ca(certificates: Path, tmp_path: Path) -> None:
    server, _, address = await serve(grpc.ssl_server_credentials([server_pair(certificates)]))
    issue_certificate(tmp_path, "other-ca")
    try:
        settings = CS3Config(
            gateway=address, tls=True, tls_ca_file=str(tmp_path / "other-ca.pem"), deadline=2, retries=0
        )
        async with CS3Gateway(settings) as gw:
            with pytest.raises(Unavailable):
                await gw.login_basic("einstein", "relativity")
    finally:
        await server.stop(None)
