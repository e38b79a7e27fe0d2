"""The long-lived parts of a running meshcollab server, owned by one task group.

The CS3 gateway connection, the document store, the room members (who is in which room as which CS3
user; their permission checks), the room files (locks and snapshots) and the room registry start in
that order and stop in reverse, so that closing rooms can still write their final snapshots and
release their locks, as a user of the room who may write.
"""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack

import anyio
from anyio.abc import TaskStatus

from meshcollab.auth.members import RoomMembers
from meshcollab.auth.recent_stats import RecentStats
from meshcollab.collab import CollabSettings, RoomFiles
from meshcollab.cs3 import CS3Gateway, CS3Session
from meshcollab.rooms import DocumentStore, RoomRegistry


class CollaborationRuntime:
    def __init__(
        self,
        gateway: CS3Gateway,
        documents: DocumentStore,
        settings: CollabSettings,
        server_user: tuple[str, str] | None,
        registry_config: dict,
        log: logging.Logger,
        permission_check_interval: float = 60.0,
    ) -> None:
        self.gateway = gateway
        self.documents = documents
        self._server_user = server_user
        self.server_session: CS3Session | None = None
        self.members = RoomMembers(
            fallback=lambda: self.server_session, check_interval=permission_check_interval, log=log
        )
        self.files = RoomFiles(
            documents,
            session=self._session_for_rooms,
            settings=settings,
            log=log,
            session_for=self.members.session_for,
        )
        self.registry = RoomRegistry(documents, self.files.hooks, log=log, **registry_config)
        self.recent_stats = RecentStats()  # the session endpoint's Stat, for the websocket that follows
        self.ready = anyio.Event()  # set once serving, or once starting failed (see `failure`)
        self.failure: BaseException | None = None
        self._stopped = anyio.Event()

    def _session_for_rooms(self) -> CS3Session:
        # Only for callers without a room: rooms act as their members (RoomMembers.session_for).
        if self.server_session is None:
            raise RuntimeError("no CS3 user to read and write room files: set MeshCollab.cs3_username")
        return self.server_session

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        async with AsyncExitStack() as stack:
            try:
                await stack.enter_async_context(self.gateway)
                if self._server_user is not None:
                    self.server_session = await self.gateway.login_basic(*self._server_user)
                await stack.enter_async_context(self.documents)
                await stack.enter_async_context(self.members)
                await stack.enter_async_context(self.files)
                await stack.enter_async_context(self.registry)
            except BaseException as error:
                self.failure = error
                raise
            finally:
                self.ready.set()
            task_status.started()
            await self._stopped.wait()

    async def started(self) -> None:
        """Wait until the runtime serves (requests can arrive before it does); raise if it cannot."""
        await self.ready.wait()
        if self.failure is not None:
            raise RuntimeError(f"meshcollab could not start: {self.failure}") from self.failure

    def stop(self) -> None:
        self._stopped.set()
