"""The long-lived parts of a running meshcollab server, owned by one task group.

The CS3 gateway connection, the document store and the room registry start together and stop in
reverse order, so that closing rooms can still write their final snapshots and release their locks.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack

import anyio
from anyio.abc import TaskStatus

from meshcollab.cs3 import CS3Gateway
from meshcollab.rooms import DocumentStore, RoomRegistry


class CollaborationRuntime:
    def __init__(
        self,
        gateway: CS3Gateway,
        documents: DocumentStore,
        registry_factory: Callable[[DocumentStore], RoomRegistry],
    ) -> None:
        self.gateway = gateway
        self.documents = documents
        self.registry = registry_factory(documents)
        self.ready = anyio.Event()
        self._stopped = anyio.Event()

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(self.gateway)
            await stack.enter_async_context(self.documents)
            await stack.enter_async_context(self.registry)
            self.ready.set()
            task_status.started()
            await self._stopped.wait()

    def stop(self) -> None:
        self._stopped.set()

