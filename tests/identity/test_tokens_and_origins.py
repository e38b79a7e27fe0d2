"""Refusals at the door: forged and expired tokens, a websocket from a foreign origin, a cookie POST
without Jupyter's XSRF token; Bearer tokens that are valid; code execution only for the users the
operator allows; the names a room shows come from CS3; and a share removed outside meshcollab ends
its recipient's connection at the next periodic check."""

from __future__ import annotations

import base64
import json
import time
import uuid

import anyio
import jwt
import nbformat
import pytest
from identity_clients import Actor, basic_actor
from room_clients import until
from server_process import FAST, ServerProcess
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from meshcollab.auth.members import ACCESS_REVOKED
from meshcollab.cs3 import EDITOR, VIEWER, CS3Config, CS3Gateway
from meshcollab.embedded_store import StoreProcess

pytestmark = pytest.mark.anyio

NOTEBOOK = nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", id="c1")])).encode()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def notebook_room(owner, folder: str, actor: Actor):
    """A new notebook of einstein's: its path, the actor's rooms and the room id."""
    name = f"door-{uuid.uuid4().hex[:6]}.ipynb"
    await owner.files.write(f"{await owner.home()}/{folder}/{name}", NOTEBOOK)
    rooms = actor.rooms()
    return f"{folder}/{name}", rooms, await rooms.open(f"{folder}/{name}")


async def test_bearer_cs3_tokens_work_and_forged_ones_are_refused(multi_user_server, owner, gateway, module_folder):
    server = multi_user_server
    marie = await gateway.login_basic("marie", "radioactivity")
    good = Actor(server.url, bearer(marie.token))
    me = await good.get("/api/me")
    assert me.status_code == 200 and me.json()["identity"]["username"] == "marie"

    forged_claims = {**jwt.decode(marie.token, options={"verify_signature": False}), "exp": time.time() + 3600}
    forgeries = {
        "garbage": "not-a-token",
        "wrong signature": jwt.encode(forged_claims, "not-the-store-secret-but-long-enough-for-hs256", algorithm="HS256"),
        "altered payload": marie.token.rsplit(".", 2)[0]
        + "."
        + base64.urlsafe_b64encode(json.dumps({**forged_claims, "sub": "einstein"}).encode()).decode().rstrip("=")
        + "."
        + marie.token.rsplit(".", 1)[1],
    }
    einstein = basic_actor(server.url, "einstein", "relativity")
    path, _, room = await notebook_room(owner, module_folder, einstein)
    for what, token in forgeries.items():
        forged = Actor(server.url, bearer(token))
        assert (await forged.get("/api/me")).status_code == 403, what
        assert (await forged.open_session(path)).status_code == 403, what
        with pytest.raises(HTTPClientError) as refused:
            await websocket_connect(HTTPRequest(forged.rooms().url(room), headers=forged.headers))
        assert refused.value.code == 403, what
        await forged.aclose()
    assert (await Actor(server.url, {"Authorization": "Basic !!!"}).get("/api/me")).status_code == 400
    await good.aclose()
    await einstein.aclose()


async def test_a_websocket_from_a_foreign_origin_is_refused(multi_user_server, owner, module_folder):
    browser = Actor(multi_user_server.url)
    try:
        assert (await browser.sign_in("einstein", "relativity")).status_code == 302
        path, rooms, room = await notebook_room(owner, module_folder, browser)
        url = rooms.url(room) + "?sessionId=" + rooms._sessions[room]
        with pytest.raises(HTTPClientError) as refused:
            await websocket_connect(HTTPRequest(url, headers={**browser.headers, "Origin": "http://evil.example"}))
        assert refused.value.code == 403
        same_origin = {**browser.headers, "Origin": multi_user_server.url}
        connection = await websocket_connect(HTTPRequest(url, headers=same_origin))
        connection.close()
    finally:
        await browser.aclose()


async def test_a_cookie_authenticated_post_needs_the_xsrf_token(multi_user_server, owner, module_folder):
    browser = Actor(multi_user_server.url)
    try:
        assert (await browser.sign_in("einstein", "relativity")).status_code == 302
        name = f"xsrf-{uuid.uuid4().hex[:6]}.ipynb"
        await owner.files.write(f"{await owner.home()}/{module_folder}/{name}", NOTEBOOK)
        share = {"path": f"{module_folder}/{name}", "username": "richard", "role": "viewer"}
        without = await browser.post("/api/meshcollab/shares", json=share, xsrf=False)
        assert without.status_code == 403 and "_xsrf" in without.text
        session = await browser.request(
            "PUT", f"/api/collaboration/session/{module_folder}/{name}", xsrf=False,
            json={"format": "json", "type": "notebook"},
        )
        assert session.status_code == 403
        assert (await browser.post("/api/meshcollab/shares", json=share)).status_code == 201
        # A join request must be JSON: a cross-site form cannot send that.
        form = await browser.http.post("/api/meshcollab/join", data={"token": "x"})
        assert form.status_code == 415
    finally:
        await browser.aclose()


async def test_only_allowed_users_may_run_code(multi_user_server, owner, gateway, module_folder):
    richard = basic_actor(multi_user_server.url, "richard", "superfluidity")  # code_execution_users
    einstein = basic_actor(multi_user_server.url, "einstein", "relativity")
    name = f"viewed-{uuid.uuid4().hex[:6]}.ipynb"
    resource = await owner.files.write(f"{await owner.home()}/{module_folder}/{name}", NOTEBOOK)
    richard_cs3 = await gateway.login_basic("richard", "superfluidity")
    await richard_cs3.shares.accept((await owner.shares.create(resource.id, richard_cs3.user, VIEWER)).id)
    try:
        # Even a user who may run code gets no kernel on a notebook they may only view.
        kernel_on_viewed = await richard.post(
            "/api/sessions", json={"path": f"MyShares/{name}", "type": "notebook", "kernel": {"name": "python3"}}
        )
        assert kernel_on_viewed.status_code == 403, kernel_on_viewed.text
        answer = await richard.get("/api/kernels")
        assert answer.status_code == 200, answer.text
        assert (await richard.get("/api/sessions")).status_code == 200
        assert "python3" in (await richard.get("/api/kernelspecs")).json()["kernelspecs"]
        for request in (
            einstein.get("/api/kernels"),
            einstein.get("/api/kernelspecs"),  # JupyterLab would offer them, and starting one would fail
            einstein.post("/api/kernels", json={"name": "python3"}),
            einstein.get("/api/sessions"),
            einstein.post("/api/terminals"),
            einstein.post("/api/shutdown"),
        ):
            assert (await request).status_code == 403
        assert (await einstein.get("/api/contents")).status_code == 200
    finally:
        await richard.aclose()
        await einstein.aclose()


async def test_the_room_shows_the_cs3_names_not_what_a_client_claims(multi_user_server, owner, module_folder):
    einstein = basic_actor(multi_user_server.url, "einstein", "relativity")
    try:
        path, rooms, room = await notebook_room(owner, module_folder, einstein)
        async with rooms.client(room) as honest, rooms.client(room) as claimer:
            claimer.set_awareness(
                claimer.doc.client_id, 1, json.dumps({"user": {"name": "Marie Curie", "username": "marie", "color": "#f00"}, "cursor": 3})
            )
            await until(lambda: claimer.doc.client_id in honest.awareness)
            state = json.loads(honest.awareness[claimer.doc.client_id])
            assert state["user"]["username"] == "einstein" and state["user"]["name"] == "Albert Einstein"
            assert state["user"]["color"] == "#f00" and state["cursor"] == 3
    finally:
        await einstein.aclose()


@pytest.fixture(scope="module")
def short_token_store(tmp_path_factory):
    """A store whose access tokens live 3 seconds."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MESHCOLLAB_STORE_TOKEN_LIFETIME", "3")
        process = StoreProcess(root=tmp_path_factory.mktemp("short-tokens"))
        process.start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def short_token_server(short_token_store, tmp_path_factory):
    process = ServerProcess(
        short_token_store.grpc_address,
        tmp_path_factory.mktemp("short-token-server") / "server",
        *FAST,
        "--CS3Config.token_renewal_margin=1",
        "--MeshCollab.permission_check_interval=0.3",
        user=None,
    )
    process.start()
    yield process
    process.stop()


async def test_an_expired_token_is_refused_and_sessions_renew_their_own(short_token_server, short_token_store):
    async with CS3Gateway(CS3Config(gateway=short_token_store.grpc_address)) as gateway:
        marie = await gateway.login_basic("marie", "radioactivity")
        token, expires = marie.token, marie.token_expires_at
        einstein = basic_actor(short_token_server.url, "einstein", "relativity")
        holder = Actor(short_token_server.url, bearer(token))
        try:
            assert (await holder.get("/api/me")).status_code == 200
            assert (await einstein.get("/api/contents")).status_code == 200
            with anyio.fail_after(15):
                while time.time() <= expires + 0.5:
                    await anyio.sleep(0.2)
            assert (await holder.get("/api/me")).status_code == 403
            # The server's own sessions renewed their tokens meanwhile: Basic goes on working.
            assert (await einstein.get("/api/contents")).status_code == 200
        finally:
            await holder.aclose()
            await einstein.aclose()


async def test_a_share_removed_outside_meshcollab_ends_the_connection_at_the_next_check(
    short_token_server, short_token_store
):
    async with CS3Gateway(CS3Config(gateway=short_token_store.grpc_address)) as gateway:
        owner = await gateway.login_basic("einstein", "relativity")
        name = f"outside-{uuid.uuid4().hex[:6]}.ipynb"
        resource = await owner.files.write(f"{await owner.home()}/{name}", NOTEBOOK)
        marie_session = await gateway.login_basic("marie", "radioactivity")
        share = await owner.shares.create(resource.id, marie_session.user, EDITOR)
        received = await marie_session.shares.accept(share.id)
        marie = basic_actor(short_token_server.url, "marie", "radioactivity")
        try:
            rooms = marie.rooms()
            room = await rooms.open(f"MyShares/{received.mount_point}")
            async with rooms.client(room) as client:
                await owner.shares.remove(share.id)  # through CS3 directly, not our API
                await until(lambda: client.closed, timeout=20)
                assert client.close_code == ACCESS_REVOKED
        finally:
            await marie.aclose()
