"""Authentication and users, as a Reva gateway answers them."""

from __future__ import annotations

import time
from pathlib import Path

import grpc
import jwt
import pytest
from cs3.auth.registry.v1beta1.registry_api_pb2 import ListAuthProvidersRequest
from cs3.gateway.v1beta1 import gateway_api_pb2 as gw
from cs3.gateway.v1beta1.gateway_api_pb2_grpc import GatewayAPIStub
from cs3.identity.user.v1beta1 import resources_pb2 as user_pb2
from cs3.identity.user.v1beta1 import user_api_pb2 as ua
from cs3.rpc.v1beta1 import code_pb2
from cs3.storage.provider.v1beta1 import provider_api_pb2 as sp
from storeclient import PASSWORDS, login, path_ref

EINSTEIN_ID = "4c510ada-c86b-4815-8820-42cdf82c3d51"


def stub_for(store) -> GatewayAPIStub:
    return GatewayAPIStub(grpc.insecure_channel(store.grpc_address))


def test_demo_users_log_in_with_reva_ids(store):
    expected = {
        "einstein": ("4c510ada-c86b-4815-8820-42cdf82c3d51", "Albert Einstein"),
        "marie": ("f7fbf8c8-139b-4376-b307-cf0a8c2d0d9c", "Marie Curie"),
        "richard": ("932b4540-8d16-481e-8ef4-588e4b6b151c", "Richard Feynman"),
    }
    for username, (opaque_id, display_name) in expected.items():
        session = login(store.grpc_address, username)
        assert session.user.id.opaque_id == opaque_id
        assert session.user.display_name == display_name
        claims = jwt.decode(session.token, options={"verify_signature": False})
        assert claims["exp"] > time.time()


def test_wrong_password_is_refused_in_the_status(store):
    response = stub_for(store).Authenticate(
        gw.AuthenticateRequest(type="basic", client_id="einstein", client_secret="x")
    )
    assert response.status.code == code_pb2.CODE_UNAUTHENTICATED
    assert response.token == ""


def test_missing_token_aborts_unauthenticated(store):
    with pytest.raises(grpc.RpcError) as failure:
        stub_for(store).Stat(sp.StatRequest(ref=path_ref("/home/einstein")))
    assert failure.value.code() == grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt",
        jwt.encode(
            {"typ": "access", "sub": EINSTEIN_ID, "exp": time.time() + 60},
            "a-guessed-secret-of-32-bytes-or-more",
            algorithm="HS256",
        ),
    ],
)
def test_forged_token_aborts_permission_denied(store, token):
    with pytest.raises(grpc.RpcError) as failure:
        stub_for(store).Stat(
            sp.StatRequest(ref=path_ref("/home/einstein")), metadata=[("x-access-token", token)]
        )
    assert failure.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_expired_token_aborts_permission_denied(store):
    secret = (Path(store.root) / ".meshcollab-store" / "jwt-secret").read_bytes().strip()
    expired = jwt.encode(
        {"typ": "access", "sub": EINSTEIN_ID, "exp": time.time() - 5}, secret, algorithm="HS256"
    )
    with pytest.raises(grpc.RpcError) as failure:
        stub_for(store).Stat(
            sp.StatRequest(ref=path_ref("/home/einstein")), metadata=[("x-access-token", expired)]
        )
    assert failure.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_a_token_accepted_before_is_refused_once_it_expires(store):
    """The store keeps the claims of tokens it verified: that must not outlive the token."""
    secret = (Path(store.root) / ".meshcollab-store" / "jwt-secret").read_bytes().strip()
    short_lived = jwt.encode(
        {"typ": "access", "sub": EINSTEIN_ID, "exp": time.time() + 1.5}, secret, algorithm="HS256"
    )
    stat = sp.StatRequest(ref=path_ref("/home/einstein"))
    answer = stub_for(store).Stat(stat, metadata=[("x-access-token", short_lived)])
    assert answer.status.code == code_pb2.CODE_OK
    time.sleep(2)
    with pytest.raises(grpc.RpcError) as failure:
        stub_for(store).Stat(stat, metadata=[("x-access-token", short_lived)])
    assert failure.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_who_am_i_and_home(einstein):
    assert einstein.ok("WhoAmI", gw.WhoAmIRequest()).user.username == "einstein"
    assert einstein.stub.WhoAmI(gw.WhoAmIRequest(token=einstein.token)).user.username == "einstein"
    assert einstein.ok("GetHome", sp.GetHomeRequest()).path == "/home/einstein"


def test_unprotected_rpcs_need_no_token(store):
    stub = stub_for(store)
    assert set(stub.ListAuthProviders(ListAuthProvidersRequest()).types) >= {"basic"}
    user = stub.GetUser(ua.GetUserRequest(user_id=user_pb2.UserId(opaque_id=EINSTEIN_ID))).user
    assert user.username == "einstein" and user.mail == "einstein@example.org"
    for claim, value in [
        ("username", "marie"),
        ("mail", "marie@example.org"),
        ("userid", "f7fbf8c8-139b-4376-b307-cf0a8c2d0d9c"),
    ]:
        assert (
            stub.GetUserByClaim(ua.GetUserByClaimRequest(claim=claim, value=value)).user.username == "marie"
        )
    missing = stub.GetUserByClaim(ua.GetUserByClaimRequest(claim="username", value="nobody"))
    assert missing.status.code == code_pb2.CODE_NOT_FOUND


def test_find_users_by_substring(einstein):
    def find(query):
        request = ua.FindUsersRequest(filters=[ua.Filter(type=ua.Filter.TYPE_QUERY, query=query)])
        return sorted(u.username for u in einstein.ok("FindUsers", request).users)

    assert find("mar") == ["marie"]
    assert find("feynman") == ["richard"]
    assert find("example.org") == sorted(PASSWORDS)


def test_unimplemented_rpc_answers_in_the_status(einstein):
    response = einstein.call("ListRecycle", sp.ListRecycleRequest(ref=path_ref("/home/einstein")))
    assert response.status.code == code_pb2.CODE_UNIMPLEMENTED
    with pytest.raises(grpc.RpcError) as failure:  # still behind authentication
        einstein.stub.ListRecycle(sp.ListRecycleRequest(ref=path_ref("/home/einstein")))
    assert failure.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_token_lifetime_is_configurable(fresh_store, monkeypatch):
    fresh_store.stop()
    monkeypatch.setenv("MESHCOLLAB_STORE_TOKEN_LIFETIME", "120")
    fresh_store.start()
    claims = jwt.decode(
        login(fresh_store.grpc_address, "einstein").token, options={"verify_signature": False}
    )
    assert 100 < claims["exp"] - claims["iat"] <= 121
