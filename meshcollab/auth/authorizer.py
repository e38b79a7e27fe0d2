"""What a signed-in request may do on this server, beyond what CS3 decides about files.

    c.ServerApp.authorizer_class = "meshcollab.auth.CS3Authorizer"

Files are CS3's business: the contents manager acts as the request's CS3 user and CS3 answers.
What CS3 cannot decide is running code: kernels and terminals run as the server's operating-system
user, so only signed-in users whom the operator allows (`MeshCollab.code_execution_users`, and the
server's own user in single-user mode) may start or reach kernels, sessions, terminals or language
servers, list the kernels there are to start (kernel specs: JupyterLab offers what they list, and
starting one would only fail with an error dialog), or shut the server down; a kernel session on a document is only for those who may write
the document (never for its viewers). Link guests reach their linked resource through the contents API and
the room websocket only: never code, never the sharing API, never server-wide settings.
"""

from __future__ import annotations

import json

from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.identity import User

from tornado.web import HTTPError

from meshcollab.auth.signins import SignIn, SignInKind

# Jupyter's auth resources whose use runs code or acts on the whole server.
CODE_RESOURCES = frozenset({"kernels", "kernelspecs", "sessions", "terminals", "lsp", "server"})
# What a link guest may use at all; reads only where marked.
GUEST_RESOURCES = frozenset({"contents", "files", "api", "csp"})
GUEST_READ_ONLY_RESOURCES = frozenset({"config", "events"})
SHARING_RESOURCE = "meshcollab"


class CS3Authorizer(Authorizer):
    def is_authorized(self, handler, user: User, action: str, resource: str):
        """True or False; for starting a kernel session on a document, an awaitable (Jupyter's
        `@authorized` awaits it)."""
        from meshcollab.identity_provider import sign_in_of

        sign_in = sign_in_of(handler)
        if sign_in is None or user is None:
            return False
        if sign_in.is_guest:
            return resource in GUEST_RESOURCES or (
                action == "read" and resource in GUEST_READ_ONLY_RESOURCES
            )
        if resource in CODE_RESOURCES:
            if not self.may_run_code(handler, sign_in):
                return False
            if resource == "sessions" and handler.request.method in ("POST", "PATCH"):
                return self._may_edit_session_path(handler)
        return True

    async def _may_edit_session_path(self, handler) -> bool:
        """A kernel session for a document is for those who may write it: a viewer's outputs would
        be dropped by the room anyway, and their kernel would run what they may not change."""
        try:
            path = json.loads(handler.request.body or b"{}").get("path")
        except (ValueError, AttributeError):
            return True  # the sessions handler answers a malformed body itself
        if not isinstance(path, str) or not path:
            return True
        try:
            resource = await handler.contents_manager.resource(path)
        except HTTPError as error:
            return error.status_code == 404  # a session for a document not created yet
        granted = resource.permissions
        return granted.can_write if granted.granted else True

    def may_run_code(self, handler, sign_in: SignIn) -> bool:
        if sign_in.is_guest:
            return False
        if sign_in.kind is SignInKind.SERVER:
            return True
        meshcollab = handler.settings.get("meshcollab")
        allowed = set(meshcollab.code_execution_users) if meshcollab is not None else set()
        if meshcollab is not None and meshcollab.cs3_username:
            allowed.add(meshcollab.cs3_username)
        return sign_in.session.user.username in allowed or "*" in allowed
