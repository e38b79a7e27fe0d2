"""The embedded store's transfer throughput against a plain file copy on the same disk, and the
Stat round-trip latency, through meshcollab's CS3 adapter (what meshcollab itself uses).

    python -m bench store [--size-mb 64] [--runs 5] [--stats 300]

The store runs as its own process pinned to one core, this process on the other. Each run measures
copy, upload and download of the same bytes, interleaved, so that disk and cache state are alike.
Stats are timed back to back and each after a short idle gap: every document open asks CS3 once,
after the cores have idled (W3, W5), and the two figures show what the idle alone costs here. The
CPU of a Stat (this process, the store) is taken over the back-to-back calls.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import psutil

from bench import report
from bench.pinning import pin_this_process, server_and_client_cores
from bench.stats import percentile, ratio, summary
from meshcollab.cs3 import CS3Config, CS3Gateway
from meshcollab.embedded_store import StoreProcess

CHUNK = 1024 * 1024
IDLE_GAP = 0.03  # seconds before each idle Stat: less than W1's 125 ms between keystrokes, more than a busy room's


async def _chunks_of(path: Path) -> AsyncIterator[bytes]:
    async with await anyio.open_file(path, "rb") as source:
        while chunk := await source.read(CHUNK):
            yield chunk


def _plain_copy_seconds(source: Path, target: Path) -> float:
    started = time.perf_counter()
    shutil.copyfile(source, target)
    with open(target, "rb+") as written:
        os.fsync(written.fileno())  # the store's atomic write syncs too; compare like with like
    return time.perf_counter() - started


async def _measure(store: StoreProcess, workdir: Path, size_mb: int, runs: int, stat_calls: int) -> list[dict]:
    source = workdir / "source.bin"
    source.write_bytes(os.urandom(size_mb * CHUNK))
    copy_mbps, upload_mbps, download_mbps = [], [], []
    stat_p50, stat_p99, idle_p50, idle_p99, client_cpu, store_cpu = [], [], [], [], [], []
    store_process = psutil.Process(store.process.pid)
    config = CS3Config(gateway=store.grpc_address, chunk_size=CHUNK)
    async with CS3Gateway(config) as gateway:
        session = await gateway.login_basic("einstein", "relativity")
        target = f"{await session.home()}/bench-transfer.bin"
        for run in range(runs):
            copy_mbps.append(size_mb / _plain_copy_seconds(source, workdir / f"copy-{run}.bin"))
            started = time.perf_counter()
            await session.files.write(target, _chunks_of(source), size=size_mb * CHUNK)
            upload_mbps.append(size_mb / (time.perf_counter() - started))
            started = time.perf_counter()
            received = 0
            async with await anyio.open_file(workdir / "download.bin", "wb") as sink:
                async for chunk in session.files.read(target):
                    received += len(chunk)
                    await sink.write(chunk)
            download_mbps.append(size_mb / (time.perf_counter() - started))
            if received != size_mb * CHUNK:
                raise RuntimeError(f"downloaded {received} bytes, expected {size_mb * CHUNK}")
            client_before, store_before = time.process_time(), _cpu_seconds(store_process)
            latencies = await _stat_latencies(session, target, stat_calls, gap=0)
            client_cpu.append((time.process_time() - client_before) / stat_calls * 1000)
            store_cpu.append((_cpu_seconds(store_process) - store_before) / stat_calls * 1000)
            stat_p50.append(percentile(latencies, 50))
            stat_p99.append(percentile(latencies, 99))
            latencies = await _stat_latencies(session, target, stat_calls // 2, gap=IDLE_GAP)
            idle_p50.append(percentile(latencies, 50))
            idle_p99.append(percentile(latencies, 99))
    rows = [
        {"measure": "plain copy (MB/s)", **summary(copy_mbps)},
        {"measure": "store upload (MB/s)", **summary(upload_mbps), "ratio": ratio(upload_mbps, copy_mbps)},
        {"measure": "store download (MB/s)", **summary(download_mbps), "ratio": ratio(download_mbps, copy_mbps)},
        {"measure": "Stat round trip p50 (ms)", **summary(stat_p50)},
        {"measure": "Stat round trip p99 (ms)", **summary(stat_p99)},
        {"measure": f"Stat round trip after {IDLE_GAP * 1000:.0f} ms idle p50 (ms)", **summary(idle_p50)},
        {"measure": f"Stat round trip after {IDLE_GAP * 1000:.0f} ms idle p99 (ms)", **summary(idle_p99)},
        {"measure": "Stat CPU in this process, the client (ms per call)", **summary(client_cpu)},
        {"measure": "Stat CPU in the store (ms per call)", **summary(store_cpu)},
    ]
    return rows


async def _stat_latencies(session, target: str, calls: int, gap: float) -> list[float]:
    latencies = []
    for _ in range(calls):
        if gap:
            await anyio.sleep(gap)
        started = time.perf_counter()
        await session.files.stat(target)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def _cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def run(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench store", description=__doc__)
    parser.add_argument("--size-mb", type=int, default=64)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stats", type=int, default=300, help="Stat calls per run")
    args = parser.parse_args(argv)
    server_cores, client_cores = server_and_client_cores()
    pin_this_process(client_cores)
    with tempfile.TemporaryDirectory(prefix="meshcollab-bench-") as tmp:
        workdir = Path(tmp)
        store = StoreProcess(root=workdir / "store", cpus=server_cores)
        store.start()
        try:
            rows = anyio.run(_measure, store, workdir, args.size_mb, args.runs, args.stats)
        finally:
            store.stop()
    notes = (
        f"{args.size_mb} MiB per transfer, {args.runs} interleaved runs, {args.stats} Stat calls per run back to "
        f"back, then {args.stats // 2} more, each after {IDLE_GAP * 1000:.0f} ms idle. "
        "Ratio = median store throughput / median plain copy (shutil.copyfile + fsync) on the same disk. "
        "Store and client pinned to different cores."
    )
    columns = [("measure", "measure"), ("median", "median"), ("min", "min"), ("max", "max"), ("ratio", "ratio to copy")]
    report.write("store_transfer", "Embedded store: transfer throughput and Stat latency", rows, columns, notes)
    throughput = rows[:3]
    report.bar_plot(
        "store_transfer",
        "Transfer throughput (median MB/s)",
        [row["measure"].split(" (")[0] for row in throughput],
        {"median": [row["median"] for row in throughput]},
        "MB/s",
    )
    print((report.RESULTS / "store_transfer.md").read_text())
