"""The extension seam that shares and public links build on, used in-process through
`EmbeddedStore` (still real gRPC and HTTP on loopback): grant sources, scoped tokens and
pluggable authenticators behave as store/README.md promises."""

from __future__ import annotations

import grpc
import httpx
import pytest
from cs3.auth.registry.v1beta1.registry_api_pb2 import ListAuthProvidersRequest
from cs3.gateway.v1beta1 import gateway_api_pb2 as gw
from cs3.gateway.v1beta1.gateway_api_pb2_grpc import GatewayAPIStub
from cs3.rpc.v1beta1 import code_pb2
from cs3.storage.provider.v1beta1 import provider_api_pb2 as sp
from meshcollab_store import permissions
from meshcollab_store.access import Principal
from meshcollab_store.service import EmbeddedStore
from meshcollab_store.status import unauthenticated
from meshcollab_store.tokens import Scope
from storeclient import path_ref


@pytest.fixture
async def embedded(tmp_path):
    async with (
        EmbeddedStore(tmp_path / "store") as store,
        grpc.aio.insecure_channel(store.grpc_address) as channel,
    ):
        yield store, GatewayAPIStub(channel)


async def login(stub, username, password):
    response = await stub.Authenticate(
        gw.AuthenticateRequest(type="basic", client_id=username, client_secret=password)
    )
    return [("x-access-token", response.token)]


async def upload(store, stub, md, path, data: bytes) -> int:
    initiated = await stub.InitiateFileUpload(sp.InitiateFileUploadRequest(ref=path_ref(path)), metadata=md)
    if initiated.status.code != code_pb2.CODE_OK:
        return initiated.status.code
    protocol = initiated.protocols[0]
    async with httpx.AsyncClient() as http:
        response = await http.put(
            protocol.upload_endpoint,
            content=data,
            headers={"X-Reva-Transfer": protocol.token, "x-access-token": md[0][1]},
        )
    assert response.status_code == 200
    return code_pb2.CODE_OK


@pytest.mark.anyio
async def test_a_grant_source_gives_a_user_access_below_a_folder(embedded):
    store, stub = embedded
    einstein = await login(stub, "einstein", "relativity")
    marie = await login(stub, "marie", "radioactivity")
    await stub.CreateContainer(
        sp.CreateContainerRequest(ref=path_ref("/home/einstein/shared")), metadata=einstein
    )
    assert await upload(store, stub, einstein, "/home/einstein/shared/nb.ipynb", b"{}") == code_pb2.CODE_OK
    folder = (await stub.Stat(sp.StatRequest(ref=path_ref("/home/einstein/shared")), metadata=einstein)).info

    async def viewer_of_shared(user, ids):
        if user.username == "marie" and folder.id.opaque_id in ids:
            return permissions.from_names(permissions.VIEWER)
        return None

    store.context.access.add_grant_source(viewer_of_shared)
    seen = await stub.Stat(sp.StatRequest(ref=path_ref("/home/einstein/shared/nb.ipynb")), metadata=marie)
    assert seen.status.code == code_pb2.CODE_OK
    assert (
        seen.info.permission_set.initiate_file_download and not seen.info.permission_set.initiate_file_upload
    )
    refused = await upload(store, stub, marie, "/home/einstein/shared/nb.ipynb", b"viewer write")
    assert refused == code_pb2.CODE_PERMISSION_DENIED
    outside = await stub.Stat(sp.StatRequest(ref=path_ref("/home/einstein")), metadata=marie)
    assert outside.status.code == code_pb2.CODE_NOT_FOUND


@pytest.mark.anyio
async def test_a_scoped_token_reaches_its_resource_and_nothing_else(embedded):
    store, stub = embedded
    einstein = await login(stub, "einstein", "relativity")
    await upload(store, stub, einstein, "/home/einstein/linked.ipynb", b"linked")
    await upload(store, stub, einstein, "/home/einstein/private.txt", b"private")
    linked = (
        await stub.Stat(sp.StatRequest(ref=path_ref("/home/einstein/linked.ipynb")), metadata=einstein)
    ).info
    owner = store.context.users.by_username("einstein")
    scope = Scope(linked.id.opaque_id, frozenset({"stat", "initiate_file_download"}), ref="link-token")
    guest = [("x-access-token", store.context.issue_token(Principal(owner, scope)))]

    info = (await stub.Stat(sp.StatRequest(ref=path_ref("/home/einstein/linked.ipynb")), metadata=guest)).info
    assert info.id == linked.id and not info.permission_set.initiate_file_upload
    assert (
        await upload(store, stub, guest, "/home/einstein/linked.ipynb", b"x")
        == code_pb2.CODE_PERMISSION_DENIED
    )
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await stub.Stat(sp.StatRequest(ref=path_ref("/home/einstein/private.txt")), metadata=guest)
    assert failure.value.code() == grpc.StatusCode.PERMISSION_DENIED


@pytest.mark.anyio
async def test_authenticate_dispatches_to_a_registered_authenticator(embedded):
    store, stub = embedded
    marie = store.context.users.by_username("marie")

    async def publicshares(client_id, client_secret):
        if (client_id, client_secret) != ("token-123", "password|secret"):
            raise unauthenticated("wrong link password")
        return Principal(marie, Scope("nothing-yet", frozenset({"stat"}), ref=client_id))

    store.context.add_authenticator("publicshares", publicshares)
    assert set((await stub.ListAuthProviders(ListAuthProvidersRequest())).types) == {
        "basic",
        "publicshares",
        "ocmshares",  # registered by the OCM module (store/ocm.py)
    }
    good = await stub.Authenticate(
        gw.AuthenticateRequest(type="publicshares", client_id="token-123", client_secret="password|secret")
    )
    assert good.status.code == code_pb2.CODE_OK and good.user.username == "marie"
    bad = await stub.Authenticate(
        gw.AuthenticateRequest(type="publicshares", client_id="token-123", client_secret="password|no")
    )
    assert bad.status.code == code_pb2.CODE_UNAUTHENTICATED
    unknown = await stub.Authenticate(gw.AuthenticateRequest(type="oidc", client_id="x", client_secret="y"))
    assert unknown.status.code == code_pb2.CODE_INVALID_ARGUMENT
