"""A child process that is ready once it prints a known line: the embedded store, a server under test."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
from collections.abc import Sequence

STARTUP_TIMEOUT = 60.0


class ServiceProcess:
    def __init__(self, cpus: set[int] | None = None) -> None:
        self.cpus = cpus  # pin the process to these cores (benchmarks)
        self.process: subprocess.Popen | None = None
        self.output: list[str] = []  # everything it printed, for failure reports

    def launch(self, command: Sequence[str], ready: re.Pattern, env: dict[str, str] | None = None) -> re.Match:
        """Start `command` and return the match of `ready` in its output once it appears."""
        self.process = subprocess.Popen(
            list(command),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            preexec_fn=(lambda: os.sched_setaffinity(0, self.cpus)) if self.cpus else None,
        )
        found: list[re.Match] = []
        appeared = threading.Event()
        process = self.process

        def read_output() -> None:
            for line in process.stdout:
                self.output.append(line)
                match = ready.search(line)
                if match and not appeared.is_set():
                    found.append(match)
                    appeared.set()
            appeared.set()  # it ended without the line: stop waiting

        threading.Thread(target=read_output, daemon=True).start()
        if not appeared.wait(STARTUP_TIMEOUT) or not found:
            self.stop()
            raise RuntimeError(f"{command[0]} did not start:\n" + "".join(self.output))
        return found[0]

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Send `sig` (SIGKILL to simulate a crash) and wait for the process to end."""
        if self.running:
            self.process.send_signal(sig)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
