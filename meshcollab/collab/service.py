"""The two ways to run a long-lived object (pycrdt-websocket style): `await tg.start(obj.run)` then
`await obj.stop()`, or `async with obj:` (which does both in a task group of its own)."""

from __future__ import annotations

import anyio
from anyio.abc import TaskStatus


class Service:
    """Subclasses define `run(task_status=...)` (calls `task_status.started()` once usable) and `stop()`."""

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def __aenter__(self):
        self._own_task_group = anyio.create_task_group()
        await self._own_task_group.__aenter__()
        try:
            await self._own_task_group.start(self.run)
        except BaseException:
            # `run` failed before it started: nothing runs; leave the task group before raising.
            await self._own_task_group.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(self, *exc_info) -> None:
        try:
            await self.stop()
        finally:
            # The body's exception propagates as it is, not wrapped in an exception group.
            await self._own_task_group.__aexit__(None, None, None)
