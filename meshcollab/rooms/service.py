"""`async with` for the long-lived objects that otherwise run as `await tg.start(obj.start)`."""

from __future__ import annotations

import anyio
from anyio.abc import TaskStatus


class Service:
    """Subclasses define `start(task_status=...)`, running until `stop()`, and `stop()`."""

    async def start(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def __aenter__(self):
        self._own_task_group = anyio.create_task_group()
        await (await self._own_task_group.__aenter__()).start(self.start)
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.stop()
        # The body's exception propagates as it is, not wrapped in an exception group.
        await self._own_task_group.__aexit__(None, None, None)
