"""The meshcollab Jupyter Server extension: collaboration rooms on CS3 storage.

It serves jupyter-collaboration's endpoints (the session endpoint and the room websocket), so stock
JupyterLab with jupyter-collaboration's frontend collaborates through it unchanged; the stock server
side (`jupyter_server_ydoc`) is disabled where meshcollab is enabled. Every setting is a trait:
`c.MeshCollab.save_delay = 2` in a config file, `--MeshCollab.save_delay=2` on the command line.
"""

from __future__ import annotations

import asyncio
import gc
import os
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir
from jupyter_server.extension.application import ExtensionApp
from traitlets import Float, List, Unicode, default, validate
from traitlets.config import TraitError

from meshcollab.auth.page_config import page_config_hook
from meshcollab.collab import CollabSettings
from meshcollab.cs3 import CS3Config, CS3Gateway, CS3Session, Unauthenticated
from meshcollab.files import files_handlers
from meshcollab.handlers.merge import merge_handlers
from meshcollab.handlers.room import CollaborationRoomHandler
from meshcollab.handlers.session import CollaborationSessionHandler
from meshcollab.identity_provider import CS3IdentityProvider
from meshcollab.rooms import DocumentStore
from meshcollab.sharing import sharing_handlers
from meshcollab.sharing.federated import federated_handlers
from meshcollab.runtime import CollaborationRuntime


def extension_handlers() -> list[tuple]:
    """Every route the extension serves (a test checks that each one is authenticated and authorized)."""
    return [
        (r"/api/collaboration/session/(.*)", CollaborationSessionHandler),
        (r"/api/collaboration/room/(.+)", CollaborationRoomHandler),
        *sharing_handlers(),
        *federated_handlers(),  # OCM shares with other institutions
        *merge_handlers(),  # recover and merge API (meshcollab/recovery/README.md)
        *files_handlers(),  # spaces, quota, file information, version restore (meshcollab/files/README.md)
    ]


class MeshCollab(ExtensionApp):
    name = "meshcollab"
    app_name = "meshcollab"
    description = "Real-time collaborative notebooks on CS3 storage"
    load_other_extensions = True

    save_delay = Float(
        1.0, config=True, help="Seconds after the last change before a room's document is saved to CS3."
    )
    save_max_delay = Float(
        10.0,
        config=True,
        help="Longest time changes wait for a save under continuous typing, in seconds: a room saves "
        "at least this often while it changes.",
    )
    room_close_delay = Float(
        60.0,
        config=True,
        help="Seconds a room stays open after its last client leaves; then it writes its final "
        "snapshot, releases its lock and unloads.",
    )
    lock_ttl = Float(
        300.0,
        config=True,
        help="Lifetime of the CS3 lock a room holds, in seconds; the room refreshes it well before it "
        "expires, so it only runs out when the server is gone.",
    )
    data_dir = Unicode(
        config=True, help="Folder of the server's own state: the document store (SQLite) of every room."
    )
    cs3_username = Unicode(
        "",
        config=True,
        help="Single-user mode (a personal server): the CS3 user that requests authenticated with "
        "Jupyter's own token act as. Empty: every user signs in as themselves (login page, Basic, "
        "Bearer, share links).",
    )
    code_execution_users = List(
        Unicode(),
        config=True,
        help="CS3 user names allowed to start and use kernels, terminals and language servers (they "
        "run as the server's operating-system user); '*' allows every signed-in CS3 user. The server's "
        "own user (cs3_username) always may. Link guests never may.",
    )
    permission_check_interval = Float(
        60.0,
        config=True,
        help="Seconds between re-checks of every room member's CS3 permissions, for shares changed "
        "outside meshcollab's sharing API (which re-checks at once); 0 disables the periodic check.",
    )
    cs3_password = Unicode(
        config=True,
        help="Password of `cs3_username`; default: the environment variable MESHCOLLAB_CS3_PASSWORD.",
    )

    @default("data_dir")
    def _default_data_dir(self) -> str:
        return os.path.join(jupyter_data_dir(), "meshcollab")

    @default("cs3_password")
    def _default_cs3_password(self) -> str:
        return os.environ.get("MESHCOLLAB_CS3_PASSWORD", "")

    @validate("save_delay", "save_max_delay", "room_close_delay", "lock_ttl", "permission_check_interval")
    def _non_negative(self, proposal):
        if proposal["value"] < 0:
            raise TraitError(f"{proposal['trait'].name} must not be negative, got {proposal['value']}")
        return proposal["value"]

    def initialize_settings(self) -> None:
        Path(self.data_dir).mkdir(parents=True, exist_ok=True)
        self.runtime = CollaborationRuntime(
            gateway=CS3Gateway(CS3Config(config=self.config)),
            documents=DocumentStore(path=str(Path(self.data_dir) / "documents.sqlite"), config=self.config),
            settings=CollabSettings.from_traits(self),
            server_user=(self.cs3_username, self.cs3_password) if self.cs3_username else None,
            registry_config={"room_close_delay": self.room_close_delay, "config": self.config},
            log=self.log,
            permission_check_interval=self.permission_check_interval,
        )
        self.settings["meshcollab"] = self
        identity_provider = self.serverapp.identity_provider
        if isinstance(identity_provider, CS3IdentityProvider):
            identity_provider.signed_out = self.runtime.members.signed_out
        page_config = self.serverapp.web_app.settings.setdefault("page_config_data", {})
        page_config.setdefault("disableRTC", False)
        page_config.setdefault("serverSideExecution", False)
        # JupyterLab would hand Jupyter's token to every page it serves, and so to every signed-in
        # user (in single-user mode: the server's CS3 user's powers). Pages use their cookie instead.
        page_config["token"] = ""
        self.settings["page_config_hook"] = page_config_hook(
            self.serverapp.web_app.settings.get("page_config_hook")
        )

    def initialize_handlers(self) -> None:
        self.handlers.extend(extension_handlers())

    def server_session(self) -> CS3Session:
        """The session of the server's own CS3 user, for requests that carry no CS3 credentials."""
        if self.runtime.server_session is None:
            raise Unauthenticated("no CS3 credentials: set MeshCollab.cs3_username, or sign in with Basic")
        return self.runtime.server_session

    async def _start_jupyter_server_extension(self, serverapp) -> None:
        # Jupyter Server gives extensions no task group of their own: this one task owns the runtime's,
        # and stop_extension ends it (closing rooms: final snapshots, unlocks).
        self._runtime_task = asyncio.get_running_loop().create_task(self.runtime.run())
        self._runtime_task.add_done_callback(self._runtime_ended)
        await self.runtime.started()
        # What the server holds once it has started (modules, classes, configuration: ~230k objects)
        # lives as long as the process: frozen, the full collection that follows a room's unload
        # (registry) and Python's own look only at what came later. bench/ W1: each unload blocked
        # the event loop, and every other room, for ~170 ms; now < 1 ms.
        gc.freeze()

    def _runtime_ended(self, task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.log.critical("meshcollab stopped working", exc_info=task.exception())

    async def stop_extension(self) -> None:
        self.runtime.stop()
        await self._runtime_task
