"""`meshcollab serve` as a real server under test: a subprocess on a loopback port, against a store."""

from __future__ import annotations

import base64
import re
import sys
import uuid
from pathlib import Path

import httpx

from meshcollab.processes import ServiceProcess

# Jupyter's "running at" line (the embedded store's own ready line names a URL too).
RUNNING_AT = re.compile(r"http://127\.0\.0\.1:(?P<port>\d+)/lab")

# Short delays, so that tests see saves and room closes soon; never asserted as timings.
FAST = ("--MeshCollab.save_delay=0.05", "--MeshCollab.save_max_delay=0.5", "--MeshCollab.room_close_delay=0.5")


def basic(username: str, password: str) -> dict[str, str]:
    """HTTP Basic headers with CS3 credentials."""
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


class ServerProcess(ServiceProcess):
    """`gateway`: the CS3 gateway, or None for the embedded store that `meshcollab serve` starts itself
    (the quickstart). `user`: the server's own CS3 user (single-user mode, reached with Jupyter's
    token); None: every client signs in as itself (login page, Basic, Bearer, share links)."""

    def __init__(
        self,
        gateway: str | None,
        data_dir: Path,
        *settings: str,
        user: tuple[str, str] | None = ("einstein", "relativity"),
        env: dict[str, str] | None = None,
    ):
        super().__init__()
        self.gateway = gateway
        self.data_dir = data_dir
        self.settings = list(settings)  # --MeshCollab.save_delay=... and the like
        self.user = user
        self.env = env or {}
        self.token = uuid.uuid4().hex
        self.port = 0

    def start(self) -> None:
        """Start (again, on the same port and data directory) and wait until it answers."""
        command = [
            sys.executable, "-m", "meshcollab", "serve",
            *(["--gateway", self.gateway] if self.gateway else []),
            "--data-dir", str(self.data_dir),
            "--no-browser",
            "--allow-root",  # CI runs as root
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.token={self.token}",
            *([f"--MeshCollab.cs3_username={self.user[0]}"] if self.user else []),
            *self.settings,
        ]
        env = {**self.env, **({"MESHCOLLAB_CS3_PASSWORD": self.user[1]} if self.user else {})}
        ready = self.launch(command, RUNNING_AT, env=env)
        self.port = int(ready["port"])
        with httpx.Client(base_url=self.url, timeout=30) as client:
            if self.user:
                client.get("/api/status", headers=self.headers).raise_for_status()
            else:
                client.get("/login").raise_for_status()  # answers once the extension serves

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}
