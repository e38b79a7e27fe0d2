"""The server process is killed (SIGKILL) while clients type: every edit that any client had received
is there after a restart, and the typing client reconnects with its document without duplicates."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from pycrdt import Doc
from room_clients import ROOM, YClient, notebook, sources, type_into, until

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

HERE = Path(__file__).parent


class ServerProcess:
    """Just enough of `RoomServer` for clients: a port and the room's session id."""

    def __init__(self, data: Path, port: int = 0) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "room_server_process.py"), str(data), str(port)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(HERE.parent)},  # room_clients lives in tests/
        )
        ready = self.process.stdout.readline().split()
        assert ready[:1] == ["ready"], f"the server did not start: {ready}"
        self.port, self.session = int(ready[1]), ready[2]

    def url(self, room: str = ROOM) -> str:
        return f"ws://127.0.0.1:{self.port}/api/collaboration/room/{room}"

    def client(self, doc: Doc | None = None) -> YClient:
        return YClient(self, ROOM, doc, {"sessionId": self.session})

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.process.stdout.close()


async def test_edits_seen_by_anyone_survive_a_killed_server(tmp_path):
    server = ServerProcess(tmp_path)
    try:
        author = server.client()
        witness = server.client()
        await author.connect()
        await witness.connect()
        type_into(author.doc, 1, "\n" + "typing " * 40)
        await until(lambda: len(sources(witness.doc)[1]) > 100)  # some of it acknowledged, maybe not all
        server.kill()
        acknowledged = sources(witness.doc)[1]
        await until(lambda: author.closed and witness.closed)
    finally:
        server.kill()

    server = ServerProcess(tmp_path, server.port)
    try:
        fresh = server.client(Doc())
        await fresh.connect()
        assert sources(fresh.doc)[1].startswith(acknowledged)
        author.disconnect()
        await author.connect()  # JupyterLab reconnects with the document it has, edits and all
        await until(lambda: notebook(fresh.doc) == notebook(author.doc))
        assert sources(fresh.doc) == ["# Mesh", "x = 1\n" + "typing " * 40]
        fresh.disconnect()
        author.disconnect()
        witness.disconnect()
    finally:
        server.kill()
