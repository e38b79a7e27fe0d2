"""Joining from a share link: `POST /api/meshcollab/join` for API clients, `/meshcollab/join/<token>`
for browsers. Both sign the client in as a guest of the link (a cookie), who reaches the linked
resource alone (meshcollab.auth.guests), read-only in the room for a viewer link.

Wrong password: 403. Unknown, revoked or expired link: 404. After a few wrong passwords for one link
from one client address, each further attempt must wait (429 with Retry-After).
"""

from __future__ import annotations

import json
from urllib.parse import quote

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from tornado import web

from meshcollab.auth.guests import guest_path
from meshcollab.auth.login import message_html, page
from meshcollab.auth.signins import SignIn
from meshcollab.auth.throttle import RetryAfter, TooManyAttempts
from meshcollab.cs3 import CS3Error, Unauthenticated, Unavailable
from meshcollab.handlers.api import json_object
from meshcollab.identity_provider import client_address

from .models import role_of


class WrongPassword(web.HTTPError):
    def __init__(self) -> None:
        super().__init__(403, "wrong password for this share link")


def _kind(name: str, is_file: bool) -> tuple[str | None, str]:
    if not is_file:
        return None, "directory"
    return ("json", "notebook") if name.endswith(".ipynb") else ("text", "file")


async def join_link(handler: JupyterHandler, token: str, password: str | None) -> dict:
    """Sign the client in as a guest of the link `token`; what it opens (the join API's answer)."""
    if not token or not isinstance(token, str):
        raise web.HTTPError(400, '"token" (the share link\'s token) is required')
    provider = handler.identity_provider
    address = client_address(handler)
    wait = provider.throttle.wait_needed("join", token, address)
    if wait > 0:
        raise TooManyAttempts(wait, "wrong passwords for this link")
    gateway = handler.settings["meshcollab"].runtime.gateway
    try:
        session = await gateway.login_public_link(token, password)
    except Unavailable as error:
        raise web.HTTPError(503, f"the CS3 gateway cannot be reached: {error}") from None
    except CS3Error as error:
        # The gateway refuses a wrong password with PERMISSION_DENIED, an unknown or expired link
        # with NOT_FOUND (the adapter reports both as a failed login, with the code).
        if isinstance(error, Unauthenticated) and error.code.removeprefix("CODE_") == "PERMISSION_DENIED":
            if password is not None:
                provider.throttle.failed("join", token, address)
            raise WrongPassword() from None
        if error.code.removeprefix("CODE_") in ("NOT_FOUND", "UNAUTHENTICATED", "PERMISSION_DENIED"):
            raise web.HTTPError(404, "no such share link: it is unknown, revoked or expired") from None
        raise web.HTTPError(502, f"the share link could not be opened: {error}") from None
    provider.throttle.succeeded("join", token, address)
    try:
        path, resource = await guest_path(session)
    except CS3Error:
        raise web.HTTPError(404, "no such share link: its resource is gone") from None
    provider.start_session(handler, SignIn.of_guest(session))
    file_format, file_type = _kind(resource.name, resource.is_file)
    return {
        "path": path,
        "fileId": resource.id.encode(),
        "format": file_format,
        "type": file_type,
        "permissions": role_of(session.public_link.permissions),
        "name": resource.name,
    }


class JoinApiHandler(RetryAfter, APIHandler):
    """`POST /api/meshcollab/join` `{"token", "password"}` → `{path, fileId, format, type, permissions}`
    and the guest's cookie. Not XSRF-checked (the client has no cookie yet), but only JSON is taken,
    which a cross-site form cannot send."""

    def check_xsrf_cookie(self) -> None:
        content_type = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise web.HTTPError(415, "send the join request as application/json")

    @allow_unauthenticated
    async def post(self) -> None:
        body = json_object(self.request.body)
        password = body.get("password")
        if password is not None and not isinstance(password, str):
            raise web.HTTPError(400, '"password" must be a string')
        self.finish(json.dumps(await join_link(self, body.get("token"), password or None)))


FORM = """<p>This share link is protected by a password.</p>{message}
<form method="post">{xsrf}<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="off" required autofocus>
<button type="submit">Open</button></form>"""


class JoinPageHandler(RetryAfter, JupyterHandler):
    """`/meshcollab/join/<token>`: asks for the password if the link has one, then opens JupyterLab
    on the shared document."""

    @allow_unauthenticated
    async def get(self, token: str) -> None:
        await self._join(token, None)

    @allow_unauthenticated
    async def post(self, token: str) -> None:
        await self._join(token, self.get_body_argument("password", ""))

    async def _join(self, token: str, password: str | None) -> None:
        try:
            answer = await join_link(self, token, password)
        except WrongPassword:
            self.set_status(403 if password is not None else 200)
            self._form("Wrong password." if password is not None else "")
            return
        except web.HTTPError as error:
            self.set_status(error.status_code)
            self.write(page("Share link", message_html(error.log_message or "This link cannot be opened.")))
            return
        self.redirect(f"{self.base_url}lab/tree/{quote(answer['path'])}")

    def _form(self, message: str) -> None:
        self.write(page("Share link", FORM.format(message=message_html(message), xsrf=self.xsrf_form_html())))


__all__ = ["JoinApiHandler", "JoinPageHandler", "join_link"]
