"""Run the embedded store as its own process: for `meshcollab serve`, tests and benchmarks.

`meshcollab store` starts in a subprocess on loopback ports and speaks gRPC and HTTP, exactly as in
a deployment: nothing about CS3 is mocked.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

READY_LINE = re.compile(r"meshcollab-store ready grpc=(?P<grpc>\S+) data=(?P<data>\S+)")
STARTUP_TIMEOUT = 30.0


@dataclass
class StoreProcess:
    """One running `meshcollab store`; restartable on the same root folder."""

    root: Path
    users_file: Path | None = None
    cpus: set[int] | None = None  # pin the store to these cores (benchmarks)
    grpc_address: str = ""
    data_url: str = ""
    process: subprocess.Popen | None = None
    output: list[str] = field(default_factory=list)

    def start(self, grpc_port: int = 0, data_port: int | None = None) -> None:
        command = [sys.executable, "-m", "meshcollab", "store", "--root", str(self.root), "--port", str(grpc_port)]
        if data_port is not None:
            command += ["--data-port", str(data_port)]
        if self.users_file is not None:
            command += ["--users", str(self.users_file)]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            preexec_fn=(lambda: os.sched_setaffinity(0, self.cpus)) if self.cpus else None,
        )
        ready = threading.Event()

        def read_output() -> None:
            for line in self.process.stdout:
                self.output.append(line)
                match = READY_LINE.search(line)
                if match and not ready.is_set():
                    self.grpc_address, self.data_url = match["grpc"], match["data"]
                    ready.set()

        threading.Thread(target=read_output, daemon=True).start()
        if not ready.wait(STARTUP_TIMEOUT):
            self.stop()
            raise RuntimeError("the store did not start:\n" + "".join(self.output))

    @property
    def grpc_port(self) -> int:
        return int(self.grpc_address.rsplit(":", 1)[1])

    @property
    def data_port(self) -> int:
        return int(self.data_url.rstrip("/").rsplit(":", 1)[1].split("/")[0])

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        """Stop and start again on the same root and the same ports."""
        grpc_port, data_port = self.grpc_port, self.data_port
        self.stop()
        self.start(grpc_port, data_port)
