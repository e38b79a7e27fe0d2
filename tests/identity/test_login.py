"""Signing in on the login page (a cookie for a server-side sign-in), opening a room with it, logging
out; and the single-user mode of a personal server (the token URL)."""

from __future__ import annotations

import nbformat
import pytest
from identity_clients import Actor
from room_clients import until
from server_process import FAST, ServerProcess
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

pytestmark = pytest.mark.anyio

NOTEBOOK = nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", id="c1")])).encode()


async def test_login_page_signs_in_opens_a_room_and_logout_ends_it(multi_user_server, owner, module_folder):
    path = f"{module_folder}/login.ipynb"
    await owner.files.write(f"{await owner.home()}/{path}", NOTEBOOK)
    browser = Actor(multi_user_server.url)
    try:
        page = await browser.get("/login")
        assert page.status_code == 200 and 'name="password"' in page.text
        wrong = await browser.sign_in("einstein", "not-his-password")
        assert wrong.status_code == 401 and "Wrong user name or password" in wrong.text
        assert (await browser.get("/api/me")).status_code == 403

        signed_in = await browser.sign_in("einstein", "relativity")
        assert signed_in.status_code == 302 and signed_in.headers["location"] == "/lab"
        cookie = signed_in.headers["set-cookie"]
        assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
        me = (await browser.get("/api/me")).json()["identity"]
        assert me["username"] == "einstein" and me["display_name"] == "Albert Einstein"

        opened = await browser.open_session(path)
        assert opened.status_code == 200, opened.text
        rooms = browser.rooms()
        room = await rooms.open(path)
        async with rooms.client(room) as client:
            assert client.synced
            # Logging out ends the room connections of that sign-in too, at once, with a reason.
            logout = await browser.get("/logout")
            assert logout.status_code == 200
            await until(lambda: client.closed)
            assert client.close_code == 4401 and "signed out" in client.close_reason

        assert (await browser.get("/api/me")).status_code == 403
        # The cookie a thief kept stops working too: the sign-in ended on the server.
        stolen = Actor(multi_user_server.url, {"Cookie": browser.headers.get("Cookie", "")})
        stale = {"Cookie": cookie.split(";")[0]}
        assert (await stolen.http.get("/api/me", headers=stale)).status_code == 403
        with pytest.raises(HTTPClientError) as refused:
            await websocket_connect(HTTPRequest(rooms.url(room), headers=stale))
        assert refused.value.code == 403
        await stolen.aclose()
    finally:
        await browser.aclose()


async def test_in_single_user_mode_the_token_cookie_outlives_a_restart(store, tmp_path):
    """A personal server (`meshcollab serve` on the demo): the token URL signs the browser in as the
    server's user with a cookie that, like Jupyter's own, stays valid across restarts; the page itself
    carries no token."""
    server = ServerProcess(store.grpc_address, tmp_path / "server", *FAST)
    server.start()
    browser = Actor(server.url)
    try:
        page = await browser.http.get(f"/lab?token={server.token}")
        assert page.status_code == 200 and server.token not in page.text
        assert (await browser.get("/api/me")).json()["identity"]["username"] == "einstein"
        server.stop()
        server.start()
        assert (await browser.get("/api/me")).json()["identity"]["username"] == "einstein"
    finally:
        await browser.aclose()
        server.stop()
