"""Clients of a multi-user meshcollab server as its users reach it: a browser that signs in on the
login page (cookies, XSRF), API clients with Basic or Bearer, link guests who join with a token; and
their rooms (session endpoint + room websocket, as JupyterLab's provider)."""

from __future__ import annotations

import json
from urllib.parse import quote

import httpx
from jupyter_rooms import JupyterRooms
from server_process import basic

XSRF = "_xsrf"


class Actor:
    """One user's HTTP client: `headers` authenticate it (Basic, Bearer, or cookies + XSRF token)."""

    def __init__(self, base_url: str, headers: dict[str, str] | None = None, name: str = "") -> None:
        self.base_url = base_url
        self.name = name
        self.http = httpx.AsyncClient(base_url=base_url, timeout=30, follow_redirects=False)
        self._headers = dict(headers or {})

    async def aclose(self) -> None:
        await self.http.aclose()

    @property
    def headers(self) -> dict[str, str]:
        """What a request of this actor carries: its own headers, and its cookies with the XSRF
        token as a header (as JupyterLab sends them)."""
        headers = dict(self._headers)
        cookies = {cookie.name: cookie.value for cookie in self.http.cookies.jar}
        if cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
            if XSRF in cookies:
                headers["X-XSRFToken"] = cookies[XSRF]
        return headers

    def rooms(self) -> JupyterRooms:
        return JupyterRooms(self.base_url, self.headers)

    async def request(self, method: str, url: str, *, xsrf: bool = True, **kwargs) -> httpx.Response:
        headers = self.headers
        if not xsrf:
            headers.pop("X-XSRFToken", None)
        headers.update(kwargs.pop("headers", {}))
        return await self.http.request(method, url, headers=headers, **kwargs)

    async def get(self, url: str, **kwargs) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def open_session(self, path: str) -> httpx.Response:
        return await self.request(
            "PUT", f"/api/collaboration/session/{quote(path)}", json={"format": "json", "type": "notebook"}
        )

    async def contents(self, path: str, content: bool = True) -> httpx.Response:
        return await self.get(f"/api/contents/{quote(path)}", params={"content": int(content)})

    async def fetch_xsrf(self) -> str:
        """Jupyter sets its XSRF cookie with any page that has a form (the login page does)."""
        await self.http.get("/login")
        return self.http.cookies.get(XSRF)

    async def sign_in(self, username: str, password: str) -> httpx.Response:
        """What a browser does on the login page."""
        xsrf = await self.fetch_xsrf()
        return await self.http.post(
            "/login", data={"username": username, "password": password, XSRF: xsrf, "next": "/lab"}
        )

    async def join(self, token: str, password: str | None = None) -> httpx.Response:
        await self.fetch_xsrf()
        return await self.http.post(
            "/api/meshcollab/join",
            content=json.dumps({"token": token, "password": password}),
            headers={"Content-Type": "application/json"},
        )


def basic_actor(base_url: str, username: str, password: str) -> Actor:
    return Actor(base_url, basic(username, password), name=username)


DEMO = {"einstein": "relativity", "marie": "radioactivity", "richard": "superfluidity"}
