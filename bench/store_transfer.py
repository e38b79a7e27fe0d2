"""The embedded store's transfer throughput against a plain file copy on the same disk, and the
Stat round-trip latency, through meshcollab's CS3 adapter (what meshcollab itself uses).

    python -m bench store [--size-mb 64] [--runs 5] [--stats 300]

The store runs as its own process pinned to one core, this process on the other. Each run measures
copy, upload and download of the same bytes, interleaved, so that disk and cache state are alike.
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

from bench import report
from bench.pinning import pin_this_process, server_and_client_cores
from bench.stats import percentile, ratio, summary
from meshcollab.cs3 import CS3Config, CS3Gateway
from meshcollab.embedded_store import StoreProcess

CHUNK = 1024 * 1024


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
    copy_mbps, upload_mbps, download_mbps, stat_p50, stat_p99 = [], [], [], [], []
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
            latencies = []
            for _ in range(stat_calls):
                started = time.perf_counter()
                await session.files.stat(target)
                latencies.append((time.perf_counter() - started) * 1000)
            stat_p50.append(percentile(latencies, 50))
            stat_p99.append(percentile(latencies, 99))
    rows = [
        {"measure": "plain copy (MB/s)", **summary(copy_mbps)},
        {"measure": "store upload (MB/s)", **summary(upload_mbps), "ratio": ratio(upload_mbps, copy_mbps)},
        {"measure": "store download (MB/s)", **summary(download_mbps), "ratio": ratio(download_mbps, copy_mbps)},
        {"measure": "Stat round trip p50 (ms)", **summary(stat_p50)},
        {"measure": "Stat round trip p99 (ms)", **summary(stat_p99)},
    ]
    return rows


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
        f"{args.size_mb} MiB per transfer, {args.runs} interleaved runs, {args.stats} Stat calls per run. "
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
