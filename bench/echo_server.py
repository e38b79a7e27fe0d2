"""A websocket server that echoes every binary message: the floor of a loopback websocket round trip
(tornado, as both servers use). `python -m bench.echo_server` prints `echo ready port=N`."""

from __future__ import annotations

import asyncio
import re
import sys

from meshcollab.processes import ServiceProcess

READY = re.compile(r"echo ready port=(?P<port>\d+)")


class EchoProcess(ServiceProcess):
    def start(self) -> int:
        return int(self.launch([sys.executable, "-m", "bench.echo_server"], READY)["port"])


async def _serve() -> None:
    from tornado.web import Application
    from tornado.websocket import WebSocketHandler

    class Echo(WebSocketHandler):
        def on_message(self, message) -> None:
            self.write_message(message, binary=True)

    server = Application([(r"/echo", Echo)]).listen(0, "127.0.0.1")
    port = next(iter(server._sockets.values())).getsockname()[1]
    print(f"echo ready port={port}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(_serve())
