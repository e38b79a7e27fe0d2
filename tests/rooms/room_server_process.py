"""A room server in its own process, so that a test can kill it (SIGKILL) and start it again.

Usage: python room_server_process.py DATA_DIR PORT; prints "ready <port> <sessionId of ROOM>" once
it listens.
"""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
from room_clients import ROOM, serve


async def main(data: Path, port: int) -> None:
    async with serve(data, port=port) as server:
        print(f"ready {server.port} {await server.session_id(ROOM)}", flush=True)
        await anyio.sleep_forever()


if __name__ == "__main__":
    anyio.run(main, Path(sys.argv[1]), int(sys.argv[2]))
