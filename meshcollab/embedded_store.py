"""Run the embedded store as its own process: for `meshcollab serve`, tests and benchmarks.

`meshcollab store` starts in a subprocess on loopback ports and speaks gRPC and HTTP, exactly as in
a deployment: nothing about CS3 is mocked.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from meshcollab.processes import ServiceProcess

READY_LINE = re.compile(r"meshcollab-store ready grpc=(?P<grpc>\S+) data=(?P<data>\S+)")


class StoreProcess(ServiceProcess):
    """One running `meshcollab store`; restartable on the same root folder."""

    def __init__(self, root: Path, users_file: Path | None = None, cpus: set[int] | None = None) -> None:
        super().__init__(cpus)
        self.root = root
        self.users_file = users_file
        self.grpc_address = ""
        self.data_url = ""

    def start(self, grpc_port: int = 0, data_port: int | None = None) -> None:
        command = [sys.executable, "-m", "meshcollab", "store", "--root", str(self.root), "--port", str(grpc_port)]
        if data_port is not None:
            command += ["--data-port", str(data_port)]
        if self.users_file is not None:
            command += ["--users", str(self.users_file)]
        ready = self.launch(command, READY_LINE)
        self.grpc_address, self.data_url = ready["grpc"], ready["data"]

    @property
    def grpc_port(self) -> int:
        return int(self.grpc_address.rsplit(":", 1)[1])

    @property
    def data_port(self) -> int:
        return int(self.data_url.rstrip("/").rsplit(":", 1)[1].split("/")[0])

    def restart(self) -> None:
        """Stop and start again on the same root and the same ports."""
        grpc_port, data_port = self.grpc_port, self.data_port
        self.stop()
        self.start(grpc_port, data_port)
