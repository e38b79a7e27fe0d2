"""Pin the system under test to one core and the load generator to the other (when there are two)."""

from __future__ import annotations

import os


def server_and_client_cores() -> tuple[set[int] | None, set[int] | None]:
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return None, None
    return {cores[0]}, {cores[1]}


def pin_this_process(cores: set[int] | None) -> None:
    if cores:
        os.sched_setaffinity(0, cores)
