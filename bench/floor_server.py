"""Websocket servers that do the least a collaboration server must, for the floors under W1:

- `/echo`: every binary message back to its sender (a loopback round trip);
- `/relay`: every binary message to every other connection (fan-out and nothing else);
- `/durable-relay`: the same, after committing the message as one row (SQLite WAL,
  synchronous=FULL) on the event loop: what "stored durably before it is fanned out" costs at the
  least (no thread hand-off, no decoding, no checks).

Tornado, as both servers use; each frame is built once and written straight into every socket.
`python -m bench.floor_server DATA_FOLDER` prints `floor ready port=N`.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import sys
from pathlib import Path

from meshcollab.processes import ServiceProcess

READY = re.compile(r"floor ready port=(?P<port>\d+)")


class FloorProcess(ServiceProcess):
    def __init__(self, data_folder: Path, cpus: set[int] | None = None) -> None:
        super().__init__(cpus)
        self.data_folder = data_folder

    def start(self) -> int:
        command = [sys.executable, "-m", "bench.floor_server", str(self.data_folder)]
        return int(self.launch(command, READY)["port"])


def _frame(message: bytes) -> bytes:
    """An unmasked binary websocket frame (server to client)."""
    length = len(message)
    if length < 126:
        header = bytes((0x82, length))
    elif length <= 0xFFFF:
        header = bytes((0x82, 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((0x82, 127)) + length.to_bytes(8, "big")
    return header + message


def _durable_log(data_folder: Path) -> sqlite3.Connection:
    data_folder.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(data_folder / "durable-relay.sqlite", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE IF NOT EXISTS updates (id INTEGER PRIMARY KEY, data BLOB)")
    return db


async def _serve(data_folder: Path) -> None:
    from tornado.web import Application
    from tornado.websocket import WebSocketHandler

    log = _durable_log(data_folder)

    class Echo(WebSocketHandler):
        def on_message(self, message) -> None:
            self.write_message(message, binary=True)

    class Relay(WebSocketHandler):
        durable = False
        members: set[WebSocketHandler] = set()  # one room per endpoint

        def open(self) -> None:
            self.set_nodelay(True)
            self.members.add(self)

        def on_close(self) -> None:
            self.members.discard(self)

        def on_message(self, message) -> None:
            if self.durable:  # autocommit: one durable commit per message
                log.execute("INSERT INTO updates(data) VALUES (?)", (message,))
            frame = _frame(message)
            for member in self.members:
                if member is not self and member.ws_connection is not None:
                    stream = member.ws_connection.stream
                    if stream.writing():
                        stream.write(frame)
                        continue
                    try:
                        sent = stream.socket.send(frame)
                    except BlockingIOError:
                        sent = 0
                    if sent < len(frame):
                        stream.write(frame[sent:])

    class DurableRelay(Relay):
        durable = True
        members: set[WebSocketHandler] = set()

    server = Application([(r"/echo", Echo), (r"/relay", Relay), (r"/durable-relay", DurableRelay)]).listen(
        0, "127.0.0.1"
    )
    port = next(iter(server._sockets.values())).getsockname()[1]
    print(f"floor ready port={port}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(_serve(Path(sys.argv[1])))
