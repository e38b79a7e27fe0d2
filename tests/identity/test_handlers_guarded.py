"""Every meshcollab HTTP handler method is authenticated and authorized, or says on purpose that it is
open (the login, logout and join pages, which sign people in): a guard against a new endpoint that
forgets to."""

from __future__ import annotations

import inspect

import pytest

from meshcollab.app import extension_handlers
from meshcollab.auth.login import CS3LoginHandler, CS3LogoutHandler
from meshcollab.handlers.room import CollaborationRoomHandler

METHODS = ("get", "head", "post", "put", "patch", "delete")
# Every route the extension registers, and the sign-in pages; the room websocket authenticates in
# `room_access` before the upgrade (tested in test_tokens_and_origins.py).
HANDLERS = [
    route[1] for route in extension_handlers() if route[1] is not CollaborationRoomHandler
] + [CS3LoginHandler, CS3LogoutHandler]


@pytest.mark.parametrize("handler", HANDLERS, ids=lambda handler: handler.__name__)
def test_every_method_is_authenticated_and_authorized_or_open_on_purpose(handler):
    own = [name for name in METHODS if name in vars(handler)]
    assert own, f"{handler.__name__} serves nothing"
    for name in own:
        source = inspect.getsource(vars(handler)[name])  # from its first decorator
        decorators = source.split(f"def {name}(")[0]
        if "@allow_unauthenticated" in decorators:
            continue
        assert "@web.authenticated" in decorators and "@authorized" in decorators, f"{handler.__name__}.{name}"
