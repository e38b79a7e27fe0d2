"""Helpers of the room ↔ CS3 tests: a room server whose rooms keep their files in CS3 (tests/rooms'
`serve` with the CS3 hooks, reached by real pycrdt clients over websockets), and bounded polling."""

from __future__ import annotations

import inspect
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio


from room_clients import RoomServer, serve

from meshcollab.collab import CollabSettings, RoomFiles
from meshcollab.cs3 import CS3Session, Resource

TIMEOUT = 30  # seconds: a bound on waiting for a condition, never a measurement


async def eventually(check, timeout: float = TIMEOUT):
    """Poll `check` (sync or async) until it returns something truthy (returned), within `timeout`."""
    with anyio.fail_after(timeout):
        while True:
            result = check()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return result
            await anyio.sleep(0.02)


def room_id(resource: Resource, kind: str = "notebook") -> str:
    return f"{'json' if kind == 'notebook' else 'text'}:{kind}:{resource.id.encode()}"


@dataclass
class Collab:
    server: RoomServer
    files: RoomFiles

    def hooks(self, room: str):
        return self.server.hooks[room]

    def writer(self, room: str):
        return self.hooks(room).activation.writer

    def lease(self, room: str):
        return self.hooks(room).activation.lease

    async def close_room(self, room: str) -> None:
        loaded = self.server.registry.get(room)
        if loaded is not None:
            loaded.stop()
            await loaded.closed.wait()


@asynccontextmanager
async def collab(tmp_path: Path, session: CS3Session, room_close_delay: float = 60.0, **settings):
    """A room server whose rooms keep their files in CS3 as `session`'s user."""
    settings = {"save_delay": 0.05, "save_max_delay": 0.5, "lock_ttl": 5.0, "lock_retry": 0.2, **settings}
    made: dict[str, RoomFiles] = {}
    async with (
        serve(tmp_path, lambda room: made["files"].hooks(room), room_close_delay=room_close_delay) as server,
        RoomFiles(server.registry.store, lambda: session, CollabSettings(**settings)) as files,
    ):
        made["files"] = files
        yield Collab(server, files)
        await server.registry.stop()  # rooms close (final snapshots, unlocks) while the files run


async def read_stable(session: CS3Session, path: str) -> bytes:
    """The file's content as one version: read again if its etag moved during the read (the room may
    be writing it; the store's download does not pin the version it started with)."""
    for _ in range(20):
        before = await session.files.stat(path)
        data = await session.files.read_bytes(path)
        if (await session.files.stat(path)).etag == before.etag:
            return data
    raise AssertionError(f"{path} kept changing while being read")
