"""meshcollab against stock jupyter-collaboration, side by side in one run: workloads W0-W6 (and W7,
the soak, on request) of issue 7.

    python -m bench collab [--quick] [--repeats N] [--only W1,W3] [--soak-minutes M]

Each repetition starts both servers in turn (the order alternates), each on a fresh data folder,
pinned to one core while this process (the load generator) runs on the other, and runs the same
workloads against each with the same Python and pycrdt. Every figure is the median over repetitions
with min and max; ratio = meshcollab median / stock median. Results: results/collab.{json,md,png}.

Simulated clients (`room_client.RoomClient`) do what JupyterLab's provider does: the session endpoint,
the room websocket with the sessionId, sync step 1/2, one update per keystroke, applied into a pycrdt
document on every receiver. A keystroke's Y id is its sequence number: the writer keeps its send time,
each receiver's document observer records its arrival.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import heapq
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil
from jupyter_ydoc import YNotebook
import anyio
from pycrdt import Array, Doc, Map, Text

from bench import report
from bench.floor_server import FloorProcess
from bench.pinning import pin_this_process, server_and_client_cores
from bench.room_client import Keystrokes, RoomClient, open_session, typed_updates
from bench.servers import CLOSE_DELAY, SERVERS, BenchServer, StockServer
from bench.stats import percentile

MB = 1024 * 1024
SERVER_NAMES = ("meshcollab", "stock")
W1_RATE = 8  # keystrokes/s per writer
LATENCY_LIMIT = 0.100  # W2: the offered load is raised until p99 passes this
DRAIN_TIMEOUT = 5.0
RELAY_CLIENTS = 25  # W1's target point
RELAYS = {"relay": "relay", "durable-relay": "durable relay (commit, then fan-out)"}  # endpoint: W0 label


@dataclass
class Plan:
    repeats: int = 3
    w1_clients: tuple[int, ...] = (2, 10, 25, 50)
    w1_seconds: float = 3.0
    # a p99 over fewer keystrokes is the one slowest: one writer's 3 s are only 24 keystrokes, so each
    # point types for as long as it takes its writers to send this many (at least w1_seconds)
    w1_keystrokes: int = 160
    w2_rates: tuple[float, ...] = (8, 16, 32, 64, 128, 256)  # keystrokes/s per writer, step by step
    w2_step_seconds: float = 2.0
    w3_output_mb: int = 20
    w3_attempts: int = 3  # per repetition, each on its own copy; the repetition's figure is their median
    w5_histories: tuple[int, ...] = (1_000, 10_000, 100_000)
    w6_typing_seconds: float = 20.0
    w6_burst: dict = field(default_factory=lambda: {"meshcollab": 20_000, "stock": 1_000})
    w6_burst_seconds: float = 8.0
    only: set[str] = field(default_factory=lambda: {"W0", "W1", "W2", "W3", "W4", "W5", "W6"})

    @classmethod
    def quick(cls) -> Plan:
        return cls(
            repeats=1,
            w1_clients=(2, 25),
            w1_seconds=3.0,
            w1_keystrokes=24,
            w3_attempts=1,
            w2_rates=(8, 32, 128),
            w2_step_seconds=2.0,
            w5_histories=(1_000, 10_000),
            w6_typing_seconds=10.0,
        )


class Results:
    """Samples (one per repetition) by (workload, measure, server)."""

    def __init__(self) -> None:
        self.samples: dict[tuple[str, str], dict[str, list[float]]] = {}
        self.notes: dict[tuple[str, str], str] = {}
        self.extra: dict[str, list] = {}

    def add(self, workload: str, measure: str, server: str, value: float | None, note: str = "") -> None:
        entry = self.samples.setdefault((workload, measure), {name: [] for name in SERVER_NAMES})
        if value is not None:
            entry.setdefault(server, []).append(float(value))
        if note:
            self.notes[(workload, measure)] = note
        print(f"  {workload} {measure} [{server}]: {value if value is None else round(value, 4)}", flush=True)


# notebooks


def make_notebook(cells: int, output_bytes: int = 0, source: str = "x = 1") -> dict:
    """nbformat 4.5 with cell ids; `output_bytes` spread over the cells as stream outputs."""
    per_cell = output_bytes // cells if cells else 0
    line = "0123456789abcdef" * 7 + "\n"
    text = (line * (per_cell // len(line) + 1))[:per_cell]
    made = []
    for index in range(cells):
        outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)] if per_cell else []
        made.append(nbformat.v4.new_code_cell(source, id=f"cell-{index}", outputs=outputs, execution_count=None))
    return json.loads(nbformat.writes(nbformat.v4.new_notebook(cells=made)))


def notebook_doc(notebook: dict) -> Doc:
    doc = Doc()
    YNotebook(doc).set(notebook)
    return doc


# helpers


async def until(predicate, timeout: float, step: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(step)
    return True


async def join_many(server: BenchServer, path: str, count: int, ledger: Keystrokes | None = None):
    room, session_id = await open_session(server.http, path)
    clients = []
    for _ in range(count):
        clients.append(await RoomClient.join(server.ws_url, server.headers, room, session_id, ledger))
    return room, session_id, clients


def leave_all(clients: list[RoomClient]) -> None:
    """Leave; a client the server disconnected before makes what it measured void, so that is an error."""
    dropped = [client.close_code for client in clients if client.closed.is_set()]
    for client in clients:
        client.leave()
    if dropped:
        raise RuntimeError(f"{len(dropped)} of {len(clients)} clients were disconnected by the server "
                           f"during the measurement (close codes {sorted(set(dropped), key=str)})")


class Typists:
    """Writers typing at `rate` keystrokes/s each, phases spread evenly, driven by one task."""

    def __init__(self, keystrokes: list, rate: float) -> None:
        self.keystrokes = keystrokes
        self.rate = rate
        self.typed = 0

    async def run(self, seconds: float, max_keystrokes: int = 2_000_000) -> None:
        interval = 1.0 / self.rate
        start = time.perf_counter()
        count = len(self.keystrokes)
        due = [(start + interval * index / count, index) for index in range(count)]
        heapq.heapify(due)
        end = start + seconds
        while due and self.typed < max_keystrokes:
            when, index = due[0]
            if when >= end:
                break
            delay = when - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            now = time.perf_counter()
            # type everything that is due (after a late wake-up, several at once)
            while due and due[0][0] <= now and due[0][0] < end:
                when, index = heapq.heappop(due)
                self.keystrokes[index]()
                self.typed += 1
                heapq.heappush(due, (when + interval, index))


class CpuMeter:
    """Share of one core this process used between start and stop."""

    def __enter__(self) -> CpuMeter:
        self.cpu, self.wall = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.share = (time.process_time() - self.cpu) / max(time.perf_counter() - self.wall, 1e-9)


# W0 floors (in this process and against the floor servers: echo, relay; not per server)


def durable_commits(folder: Path, count: int = 400) -> list[float]:
    """Seconds per commit of one small row, SQLite WAL with synchronous=FULL (what meshcollab's
    document store does per group of keystrokes), in `folder`: the servers' data disk."""
    path = folder / "commit-floor.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, data BLOB)")
        times = []
        for _ in range(count):
            started = time.perf_counter()
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.execute("INSERT INTO rows(data) VALUES (?)", (os.urandom(24),))
            times.append(time.perf_counter() - started)
            time.sleep(0.005)
        return times
    finally:
        db.close()
        for leftover in folder.glob("commit-floor.sqlite*"):
            leftover.unlink()


def w0_floors(results: Results, plan: Plan, floor_port: int, data_folder: Path) -> dict[str, float]:
    floors = {}
    commits = durable_commits(data_folder)
    results.add("W0", "durable commit on the data disk p50 (ms)", "floor", percentile(commits, 50) * 1000)
    results.add("W0", "durable commit on the data disk p99 (ms)", "floor", percentile(commits, 99) * 1000)
    # keystrokes as W5 types them: runs of 50 characters, cell after cell
    state = notebook_doc(make_notebook(100, source="")).get_update()
    writer, reader = Doc(), Doc()
    writer.apply_update(state)
    reader.apply_update(state)
    sources = [cell["source"] for cell in writer.get("cells", type=Array)]
    updates: list[bytes] = []
    subscription = writer.observe(lambda event: updates.append(event.update))
    count = 5000
    started = time.perf_counter()
    for index in range(count):
        source = sources[(index // 50) % len(sources)]
        source.insert(len(source), "x")
    encode = (time.perf_counter() - started) / count
    writer.unobserve(subscription)
    started = time.perf_counter()
    for update in updates:
        reader.apply_update(update)
    apply = (time.perf_counter() - started) / count
    results.add("W0", "keystroke encode (µs)", "floor", encode * 1e6)
    results.add("W0", "keystroke apply (µs)", "floor", apply * 1e6)
    for label, nb in (
        ("1000 cells", make_notebook(1000)),
        (f"{plan.w3_output_mb} MB", make_notebook(1000, plan.w3_output_mb * MB)),
    ):
        doc = notebook_doc(nb)
        started = time.perf_counter()
        update = doc.get_update()
        encode = time.perf_counter() - started
        started = time.perf_counter()
        Doc().apply_update(update)
        apply = time.perf_counter() - started
        results.add("W0", f"{label}: encode (ms)", "floor", encode * 1000)
        results.add("W0", f"{label}: apply (ms)", "floor", apply * 1000)
        floors[label] = encode + apply
        del doc, update
    rtts = asyncio.run(_echo_rtts(floor_port, 500))
    results.add("W0", "loopback websocket RTT p50 (ms)", "floor", percentile(rtts, 50) * 1000)
    results.add("W0", "loopback websocket RTT p99 (ms)", "floor", percentile(rtts, 99) * 1000)
    # At W1's pace both cores idle between keystrokes, and waking an idle virtual core costs more than
    # the round trip itself: the floor under a W1 one-writer latency.
    paced = asyncio.run(_echo_rtts(floor_port, plan.w1_keystrokes, gap=1 / W1_RATE))
    results.add("W0", "loopback websocket RTT at W1's pace p50 (ms)", "floor", percentile(paced, 50) * 1000)
    results.add("W0", "loopback websocket RTT at W1's pace p99 (ms)", "floor", percentile(paced, 99) * 1000)
    # W1's target point through servers that only forward: the least any server's p99 can be there,
    # and with a durable commit before the fan-out (DESIGN's rule), the least meshcollab's can be.
    for endpoint, label in RELAYS.items():
        p50, p99 = asyncio.run(_relay_latencies(floor_port, endpoint, RELAY_CLIENTS, plan))
        results.add("W0", f"{label}, {RELAY_CLIENTS} clients, 1 writer: p50 (ms)", "floor", p50 * 1000)
        results.add("W0", f"{label}, {RELAY_CLIENTS} clients, 1 writer: p99 (ms)", "floor", p99 * 1000)
    for label in list(floors):
        floors[label] += percentile(rtts, 50)
    return floors


class _EchoClient(RoomClient):
    def _message(self, message: bytes) -> None:
        self.echoed.set()


async def _echo_rtts(port: int, count: int, gap: float = 0) -> list[float]:
    """Round trips of one small message, back to back or one every `gap` seconds."""
    client = _EchoClient()
    client.echoed = asyncio.Event()
    await client._connect(f"ws://127.0.0.1:{port}/echo?x=1", {}, 30)
    rtts = []
    for _ in range(count):
        client.echoed.clear()
        started = time.perf_counter()
        client.send(b"\x00\x02\x10" + b"k" * 16)
        await asyncio.wait_for(client.echoed.wait(), 10)
        rtts.append(time.perf_counter() - started)
        if gap:
            await asyncio.sleep(gap)
    client.leave()
    return rtts


async def join_relay(port: int, endpoint: str, state: bytes, ledger: Keystrokes, count: int,
                     members: list[RoomClient]) -> None:
    """Connect `count` clients to a floor server's relay, each with a copy of `state`, into `members`
    (filled as they connect, so that the caller's cleanup sees every one)."""
    for _ in range(count):
        doc = Doc()
        doc.apply_update(state)
        member = RoomClient(ledger, doc)
        members.append(member)
        await member._connect(f"ws://127.0.0.1:{port}/{endpoint}?x=1", {}, 30)


async def _relay_latencies(port: int, endpoint: str, clients: int, plan: Plan) -> tuple[float, float]:
    """(p50 s, p99 s) of W1's one-writer point through a relay: the clients start from the same
    notebook document (a relay keeps none, so there is no sync), and one of them types."""
    state = notebook_doc(make_notebook(clients, source="")).get_update()
    ledger = Keystrokes()
    members: list[RoomClient] = []
    try:
        await join_relay(port, endpoint, state, ledger, clients, members)
        typists = Typists([members[0].become_writer(0)], W1_RATE)
        ledger.recording = False
        await typists.run(1.0)  # warm-up
        ledger.recording = True
        await typists.run(max(plan.w1_seconds, plan.w1_keystrokes / W1_RATE))
        await until(lambda: ledger.deliveries >= ledger.expected(clients - 1), DRAIN_TIMEOUT)
        latencies = ledger.latencies or [float("nan")]
        return percentile(latencies, 50), percentile(latencies, 99)
    finally:
        leave_all(members)


# W1 propagation latency


async def propagation(server: BenchServer, name: str, clients: int, all_writers: bool, rate: float, seconds: float):
    """(p50 s, p99 s, delivered fraction, load-generator core share) for one room."""
    await server.put_notebook(name, make_notebook(max(clients, 2), source=""))
    ledger = Keystrokes()
    ledger.recording = False
    room, _, members = await join_many(server, name, clients, ledger)
    try:
        writers = members if all_writers else members[:1]
        typists = Typists([member.become_writer(index) for index, member in enumerate(writers)], rate)
        await typists.run(1.0)  # warm-up
        ledger.recording = True
        with CpuMeter() as cpu:
            await typists.run(seconds)
        await until(lambda: ledger.deliveries >= ledger.expected(clients - 1), DRAIN_TIMEOUT)
        ledger.recording = False
        expected = ledger.expected(clients - 1)
        latencies = ledger.latencies or [float("nan")]
        return percentile(latencies, 50), percentile(latencies, 99), ledger.deliveries / expected, cpu.share
    finally:
        leave_all(members)


async def w1(server: BenchServer, results: Results, plan: Plan, tag: str) -> None:
    for clients in plan.w1_clients:
        for all_writers in (False, True):
            mode = "all writers" if all_writers else "1 writer"
            writers = clients if all_writers else 1
            seconds = max(plan.w1_seconds, plan.w1_keystrokes / (writers * W1_RATE))
            p50, p99, delivered, share = await propagation(
                server, f"w1-{tag}-{clients}-{int(all_writers)}.ipynb", clients, all_writers, W1_RATE, seconds
            )
            results.add("W1", f"{clients} clients, {mode}: p50 (ms)", server.name, p50 * 1000)
            results.add("W1", f"{clients} clients, {mode}: p99 (ms)", server.name, p99 * 1000)
            results.extra.setdefault("w1_runs", []).append(
                {"server": server.name, "clients": clients, "mode": mode, "delivered_percent": delivered * 100,
                 "load_generator_core_percent": share * 100, "p50_ms": p50 * 1000, "p99_ms": p99 * 1000}
            )
            await asyncio.sleep(0.3)


# W2 saturation


async def saturation(server: BenchServer, plan: Plan, tag: str, rooms: int, clients: int) -> dict:
    ledger = Keystrokes()
    ledger.recording = False
    members: list[RoomClient] = []
    writers = []
    for index in range(rooms):
        name = f"w2-{tag}-{rooms}-{index}.ipynb"
        await server.put_notebook(name, make_notebook(clients, source=""))
        _, _, joined = await join_many(server, name, clients, ledger)
        members += joined
        writers += [member.become_writer(position) for position, member in enumerate(joined)]
    best = {"deliveries": 0.0, "updates_per_room": 0.0, "limit": "not reached"}
    try:
        # each rate once, and once more if it fails (one stall on a shared machine ends no ramp)
        for rate in [rate for rate in plan.w2_rates for _ in (0, 1)]:
            if best.get("passed") == rate:
                continue
            typists = Typists(writers, rate)
            await typists.run(0.5)
            await until(lambda: ledger.deliveries >= ledger.expected(clients - 1), DRAIN_TIMEOUT)
            ledger.latencies = []
            before = ledger.deliveries
            ledger.recording = True
            started = time.perf_counter()
            with CpuMeter() as cpu:
                await typists.run(plan.w2_step_seconds)
                drained = await until(
                    lambda: ledger.deliveries >= ledger.expected(clients - 1), DRAIN_TIMEOUT
                )
            elapsed = time.perf_counter() - started
            ledger.recording = False
            p99 = percentile(ledger.latencies, 99) if ledger.latencies else float("inf")
            achieved = (ledger.deliveries - before) / elapsed
            print(
                f"    W2 {server.name} {rooms} room(s) x {clients}: {rate}/s per writer -> "
                f"{achieved:.0f} deliveries/s, p99 {p99 * 1000:.1f} ms, load generator {cpu.share:.0%}",
                flush=True,
            )
            if not drained or p99 > LATENCY_LIMIT:
                if best.get("failed") == rate:
                    best["limit"] = "p99 > 100 ms" if drained else "deliveries lost"
                    break
                best["failed"] = rate
                continue
            best = {
                "deliveries": achieved,
                "updates_per_room": typists.typed / plan.w2_step_seconds / rooms,
                "limit": "not reached",
                "passed": rate,
            }
            if cpu.share > 0.9:
                best["limit"] = "load generator saturated"
                break
    finally:
        leave_all(members)
    return best


async def w2(server: BenchServer, results: Results, plan: Plan, tag: str) -> None:
    for rooms, clients in ((1, 10), (10, 5)):
        best = await saturation(server, plan, tag, rooms, clients)
        label = f"{rooms} room{'s' if rooms > 1 else ''} x {clients} writers"
        results.add("W2", f"{label}: deliveries/s at p99 <= 100 ms", server.name, best["deliveries"])
        results.add("W2", f"{label}: updates/s per room", server.name, best["updates_per_room"])
        results.extra.setdefault("w2_limits", []).append({"server": server.name, "case": label, **best})
        await asyncio.sleep(CLOSE_DELAY + 0.5)


# W3 time to sync


async def time_to_sync(server: BenchServer, path: str) -> tuple[float, RoomClient]:
    started = time.perf_counter()
    room, session_id = await open_session(server.http, path)
    client = await RoomClient.join(server.ws_url, server.headers, room, session_id, timeout=300)
    return time.perf_counter() - started, client


async def w3(server: BenchServer, results: Results, plan: Plan, tag: str) -> None:
    for label, notebook in (
        ("1000 cells", make_notebook(1000)),
        (f"{plan.w3_output_mb} MB", make_notebook(1000, plan.w3_output_mb * MB)),
    ):
        colds, warms = [], []
        for attempt in range(plan.w3_attempts):  # one open is one sample of a noisy machine
            name = f"w3-{tag}-{label.replace(' ', '')}-{attempt}.ipynb"
            await server.put_notebook(name, notebook)
            cold, first = await time_to_sync(server, name)
            warm, second = await time_to_sync(server, name)
            cells = len(second.doc.get("cells", type=Array))
            if cells != 1000:
                raise RuntimeError(f"{server.name}: {name} synced with {cells} cells, expected 1000")
            colds.append(cold)
            warms.append(warm)
            leave_all([first, second])
            await asyncio.sleep(CLOSE_DELAY + 1.0)
        results.add("W3", f"{label}: cold (ms)", server.name, statistics.median(colds) * 1000)
        results.add("W3", f"{label}: warm (ms)", server.name, statistics.median(warms) * 1000)
        del notebook


# W4 memory


async def settle_uss(server: BenchServer, seconds: float = 1.0) -> int:
    await asyncio.sleep(seconds)
    return server.uss()


async def w4(server: BenchServer, results: Results, plan: Plan, tag: str) -> None:
    # warm-up: one room opened and closed, so that lazily imported code is in the baseline
    await server.put_notebook(f"w4-{tag}-warm.ipynb", make_notebook(10))
    _, _, warm = await join_many(server, f"w4-{tag}-warm.ipynb", 1)
    leave_all(warm)
    await asyncio.sleep(CLOSE_DELAY + 1.5)
    rooms = 10
    for index in range(rooms):
        await server.put_notebook(f"w4-{tag}-small-{index}.ipynb", make_notebook(10))
    big_name = f"w4-{tag}-big.ipynb"
    await server.put_notebook(big_name, make_notebook(100, plan.w3_output_mb * MB))
    baseline = await settle_uss(server, 1.5)
    members = []
    for index in range(rooms):
        members += (await join_many(server, f"w4-{tag}-small-{index}.ipynb", 1))[2]
    small = await settle_uss(server)
    members += (await join_many(server, big_name, 1))[2]
    big = await settle_uss(server)
    leave_all(members)
    closed = await settle_uss(server, CLOSE_DELAY + 4.0)
    # a second open and close of the large room: growth here is a leak, not memory kept for reuse
    again = (await join_many(server, big_name, 1))[2]
    await asyncio.sleep(1.0)
    leave_all(again)
    closed_again = await settle_uss(server, CLOSE_DELAY + 4.0)
    results.add("W4", "idle room, 10 cells (MB USS per room)", server.name, (small - baseline) / rooms / MB)
    results.add("W4", f"idle room, {plan.w3_output_mb} MB notebook (MB USS)", server.name, (big - small) / MB)
    results.add("W4", "left after the rooms closed (MB USS over baseline)", server.name, (closed - baseline) / MB)
    results.add("W4", "share of the rooms' memory kept after close (%)", server.name,
                100 * (closed - baseline) / max(big - baseline, 1))
    results.add("W4", "growth after a second open and close of the large room (MB)", server.name,
                (closed_again - closed) / MB)


# W5 reopening from stored history


async def type_history_live(server: BenchServer, room: str, session_id: str, keystrokes: int) -> None:
    """Type into the room over the wire as fast as the server takes it, one message per keystroke
    (meshcollab stores a change before it fans it out, so the observer's count is the stored count)."""
    ledger = Keystrokes()
    ledger.recording = False
    writer = await RoomClient.join(server.ws_url, server.headers, room, session_id, ledger, apply=False)
    observer = await RoomClient.join(server.ws_url, server.headers, room, session_id, ledger, apply=False)
    reader = await RoomClient.join(server.ws_url, server.headers, room, session_id)
    state = reader.doc.get_update()
    reader.leave()
    writer_id, updates = typed_updates(state, keystrokes)
    ledger.writer(writer_id)
    await send_with_window(writer, observer, ledger, writer_id, updates, 60)
    leave_all([writer, observer])


async def send_with_window(writer, observer, ledger, writer_id, updates, timeout: float, window: int = 2000) -> bool:
    """Send typed-ahead updates, at most `window` ahead of what the observer has received."""
    before = ledger.deliveries
    deadline = time.monotonic() + timeout
    for start in range(0, len(updates), 500):
        writer.send_typed(writer_id, updates[start : start + 500])
        if not await until(lambda: ledger.deliveries - before >= start + 500 - window, deadline - time.monotonic(), 0.001):
            return False
    return await until(lambda: ledger.deliveries - before >= len(updates), deadline - time.monotonic(), 0.001)


async def type_history_stock(server: StockServer, name: str, room: str, session_id: str, keystrokes: int) -> None:
    """What the stock server stores for `keystrokes` typed one at a time (its SQLiteYStore writes one
    row per update and, every 100 updates, a checkpoint of the document; it stores about 90 rows/s,
    so 100k keystrokes would take 20 minutes over the wire): the same rows, written directly into its
    database, and the file saved as its contents manager saves it. The room is closed meanwhile."""
    client = await RoomClient.join(server.ws_url, server.headers, room, session_id)
    initial = client.doc.get_update()
    client.leave()
    await asyncio.sleep(CLOSE_DELAY + 1.0)
    _, updates = typed_updates(initial, keystrokes)
    doc = Doc()
    doc.apply_update(initial)
    for update in updates:
        doc.apply_update(update)
    path = f".notebook:{room.split(':', 2)[2]}.y"
    last = (keystrokes // 100) * 100 - 1
    checkpoint_doc = Doc()
    checkpoint_doc.apply_update(initial)
    for update in updates[:last]:
        checkpoint_doc.apply_update(update)
    now = time.time()
    stamps = [now + index * 1e-4 for index in range(keystrokes)]
    db = sqlite3.connect(server.ystore, timeout=120)
    with db:
        db.executemany(
            "INSERT INTO yupdates VALUES (?, ?, ?, ?)", [(path, u, b"", t) for u, t in zip(updates, stamps)]
        )
        if last >= 0:
            db.execute(
                "INSERT OR REPLACE INTO ycheckpoints (path, checkpoint, timestamp) VALUES (?, ?, ?)",
                (path, checkpoint_doc.get_update(), stamps[last]),
            )
    db.close()
    content = nbformat.from_dict(YNotebook(doc).get())
    (server.root / name).write_text(nbformat.writes(content, version=4))


async def w5(server: BenchServer, results: Results, plan: Plan, tag: str) -> None:
    if isinstance(server, StockServer):
        await server.backlog_stored()  # its history is written into its database, which it holds meanwhile
    for keystrokes in plan.w5_histories:
        name = f"w5-{tag}-{keystrokes}.ipynb"
        await server.put_notebook(name, make_notebook(100, source=""))
        room, session_id = await open_session(server.http, name)
        first = await RoomClient.join(server.ws_url, server.headers, room, session_id)
        first.leave()
        await asyncio.sleep(0.3)
        before = server.stored_bytes(room)
        if isinstance(server, StockServer):
            await type_history_stock(server, name, room, session_id, keystrokes)
        else:
            await type_history_live(server, room, session_id, keystrokes)
        await asyncio.sleep(CLOSE_DELAY + 1.5)  # the room closes (final snapshot written)
        stored = server.stored_bytes(room) - before
        reopen, client = await time_to_sync(server, name)
        typed = sum(len(str(cell["source"])) for cell in YNotebook(client.doc).ycells)
        client.leave()
        if typed != keystrokes:
            raise RuntimeError(f"{server.name}: reopened {name} with {typed} keystrokes, expected {keystrokes}")
        if any("out-of-sync" in line and name in line for line in server.output):
            raise RuntimeError(f"{server.name}: the stored history of {name} did not match the file")
        results.add("W5", f"reopen after {keystrokes:,} keystrokes (ms)", server.name, reopen * 1000)
        results.add("W5", f"stored bytes per keystroke after {keystrokes:,}", server.name, stored / keystrokes)
        await asyncio.sleep(CLOSE_DELAY + 0.5)


# W6 persistence


async def w6(server: BenchServer, results: Results, plan: Plan, tag: str) -> None:
    name = f"w6-{tag}.ipynb"
    await server.put_notebook(name, make_notebook(100, source=""))
    ledger = Keystrokes()
    room, session_id, (writer, observer) = await join_many(server, name, 2, ledger)
    await asyncio.sleep(0.5)
    stop_watching = anyio.Event()
    watcher = None
    if isinstance(server, StockServer):
        watcher = asyncio.ensure_future(server.watch_writes(name, stop_watching))
        await asyncio.sleep(0.2)
    writes_before = await server.file_writes(name)
    bytes_before = server.stored_bytes(room)
    rows_before_typing = server.stored_updates(room)
    key = writer.become_writer(0)
    typists = Typists([key], 8)
    await typists.run(plan.w6_typing_seconds)
    writes = await server.file_writes(name) - writes_before
    await asyncio.sleep(0.5)
    if isinstance(server, StockServer):
        # it stores after it broadcasts: wait (bounded) until every keystroke has its row
        await until(lambda: server.stored_updates(room) >= rows_before_typing + typists.typed, 15, 0.25)
    else:
        await until(lambda: ledger.deliveries >= typists.typed, 10)
    await asyncio.sleep(1.0)
    stored = server.stored_bytes(room) - bytes_before
    if watcher is not None:
        stop_watching.set()
        await watcher
    results.add("W6", "file writes per minute while typing (8 keys/s)", server.name,
                writes * 60 / plan.w6_typing_seconds)
    results.add("W6", "stored bytes per keystroke (typing at 8 keys/s)", server.name, stored / typists.typed)

    # sustained writes: keystrokes typed ahead, sent as fast as the server takes them
    count = plan.w6_burst[server.name]
    state = observer.doc.get_update()
    leave_all([writer, observer])
    ledger = Keystrokes()
    ledger.recording = False
    writer = await RoomClient.join(server.ws_url, server.headers, room, session_id, ledger, apply=False)
    probe = await RoomClient.join(server.ws_url, server.headers, room, session_id, ledger, apply=False)
    writer_id, updates = typed_updates(state, count)
    ledger.writer(writer_id)
    rows_before = server.stored_updates(room)
    started = time.perf_counter()
    if isinstance(server, StockServer):
        writer.send_typed(writer_id, updates)
        deadline = started + plan.w6_burst_seconds
        stored = 0
        while time.perf_counter() < deadline:
            await asyncio.sleep(0.25)
            stored = server.stored_updates(room) - rows_before
            if stored >= count:
                break
        rate = stored / (time.perf_counter() - started)
    else:
        if not await send_with_window(writer, probe, ledger, writer_id, updates, plan.w6_burst_seconds * 4):
            raise RuntimeError(f"{server.name}: the burst was not delivered in time")
        rate = count / (time.perf_counter() - started)
    leave_all([writer, probe])
    results.add("W6", "sustained durable update writes/s", server.name, rate)


# one server's turn


async def server_turn(server: BenchServer, results: Results, plan: Plan, tag: str) -> None:
    steps = (("W4", w4), ("W3", w3), ("W1", w1), ("W2", w2), ("W5", w5), ("W6", w6))
    async with server.http_client():
        for workload, step in steps:
            if workload in plan.only:
                started = time.perf_counter()
                await step(server, results, plan, tag)
                gc.collect()
                print(f"  ({workload} on {server.name}: {time.perf_counter() - started:.0f} s)", flush=True)


# the report


TARGETS = {
    "W1": "p99 <= 0.5x at 25 clients",
    "W2": "deliveries/s >= 3x",
    "W3": "<= 1.0x; warm within 2x of the W0 floor",
    "W4": "<= 0.7x; back to baseline after close",
    "W5": "<= 0.5x",
    "W6": "writes/s >= 10x, bytes <= 0.5x, <= 30 CS3 writes/min",
    "W7": "USS slope < 5 MB/h, no latency drift",
}
# "No drift": the last minutes' p99 within half again of the first minutes' (a minute's p99 is noisy).
MAX_DRIFT = 1.5


def judge(workload: str, measure: str, ours: float | None, ratio: float | None, floors: dict) -> tuple[str, str]:
    """(target, met?) for one row; empty where the row is reported, not judged."""
    if ours is None or ratio is None and workload not in ("W6", "W4", "W7"):
        return "", ""

    def verdict(ok: bool) -> str:
        return "yes" if ok else "NO"

    if workload == "W1" and measure.startswith(f"{RELAY_CLIENTS} clients") and "p99" in measure:
        met = verdict(ratio <= 0.5)
        relays = [endpoint for endpoint in RELAYS if endpoint in floors]
        if "1 writer" in measure and relays:  # the least a server (a durable one) can do there, against stock
            met += " (" + ", ".join(f"{endpoint} {floors[endpoint] / (ours / ratio):.2f}x" for endpoint in relays) + ")"
        return "<= 0.5x", met
    if workload == "W2" and "deliveries/s" in measure:
        return ">= 3x", verdict(ratio >= 3)
    if workload == "W3":
        label = measure.split(":")[0]
        if "warm" in measure and label in floors:
            within = ours / 1000 <= 2 * floors[label]
            return "<= 1.0x, <= 2x floor", verdict(ratio <= 1.0 and within) + f" ({ours / 1000 / floors[label]:.1f}x floor)"
        return "<= 1.0x", verdict(ratio <= 1.0)
    if workload == "W4":
        if "per room" in measure or "MB notebook" in measure:
            return "<= 0.7x", verdict(ratio is not None and ratio <= 0.7)
        if "share" in measure:
            return "back to baseline (<= 10%)", verdict(ours <= 10)
    if workload == "W5" and "reopen" in measure:
        return "<= 0.5x", verdict(ratio <= 0.5)
    if workload == "W6":
        if "writes/s" in measure:
            return ">= 10x", verdict(ratio is not None and ratio >= 10)
        if "bytes per keystroke (typing" in measure:
            return "<= 0.5x", verdict(ratio is not None and ratio <= 0.5)
        if "file writes" in measure:
            return "<= 30/min", verdict(ours <= 30)
    if workload == "W7":
        if "USS slope" in measure:
            return "< 5 MB/h", verdict(ours < 5)
        if measure.startswith("p99 drift"):
            return f"<= {MAX_DRIFT}", verdict(ours <= MAX_DRIFT)
    return "", ""


def fmt(values: list[float]) -> str:
    if not values:
        return ""
    median = statistics.median(values)
    if len(values) == 1:
        return _num(median)
    return f"{_num(median)} [{_num(min(values))}–{_num(max(values))}]"


def _num(value: float) -> str:
    if value != value:
        return "nan"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def build_rows(results: Results, floors: dict) -> list[dict]:
    floors = dict(floors)
    for endpoint, label in RELAYS.items():
        relay = results.samples.get(("W0", f"{label}, {RELAY_CLIENTS} clients, 1 writer: p99 (ms)"), {})
        if relay.get("floor"):
            floors[endpoint] = statistics.median(relay["floor"])
    rows = []
    for (workload, measure), by_server in results.samples.items():
        ours, theirs = by_server.get("meshcollab", []), by_server.get("stock", [])
        floor = by_server.get("floor", [])
        ratio = None
        if ours and theirs and statistics.median(theirs) not in (0, 0.0):
            ratio = statistics.median(ours) / statistics.median(theirs)
        target, met = judge(workload, measure, statistics.median(ours) if ours else None, ratio, floors)
        rows.append(
            {
                "workload": workload,
                "measure": measure,
                "meshcollab": fmt(ours) if ours else fmt(floor),
                "stock": fmt(theirs),
                "ratio": f"{ratio:.2f}x" if ratio is not None else "",
                "target": target,
                "met": met,
                "samples": {name: values for name, values in by_server.items() if values},
            }
        )
    return rows


def plots(results: Results, plan: Plan, name: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def median_of(workload: str, measure: str, server: str) -> float:
        values = results.samples.get((workload, measure), {}).get(server, [])
        return statistics.median(values) if values else float("nan")

    figure, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    ax = axes[0]
    for server, style in (("meshcollab", "-"), ("stock", "--")):
        for mode, marker in (("1 writer", "o"), ("all writers", "s")):
            ys = [median_of("W1", f"{n} clients, {mode}: p99 (ms)", server) for n in plan.w1_clients]
            ax.plot(plan.w1_clients, ys, style, marker=marker, label=f"{server}, {mode}")
    for label, marker in zip(RELAYS.values(), ("v", "^")):
        floor = median_of("W0", f"{label}, {RELAY_CLIENTS} clients, 1 writer: p99 (ms)", "floor")
        if floor == floor:
            ax.plot([RELAY_CLIENTS], [floor], marker, color="grey", label=f"floor: {label.split(' (')[0]}, 1 writer")
    ax.set_yscale("log")
    ax.set_xlabel("clients in the room")
    ax.set_ylabel("p99 propagation (ms)")
    ax.set_title("W1: keystroke propagation p99 (8 keys/s per writer)")
    ax.legend(fontsize=8)
    ax = axes[1]
    cases = [key[1] for key in results.samples if key[0] == "W2" and "deliveries" in key[1]]
    width = 0.38
    for offset, server in ((0, "meshcollab"), (width, "stock")):
        ax.bar([i + offset for i in range(len(cases))], [median_of("W2", c, server) for c in cases], width, label=server)
    ax.set_xticks([i + width / 2 for i in range(len(cases))], [c.split(":")[0] for c in cases], fontsize=8)
    ax.set_ylabel("deliveries/s with p99 <= 100 ms")
    ax.set_title("W2: saturation")
    ax.legend()
    ax = axes[2]
    cases = [key[1] for key in results.samples if key[0] == "W4" and "share" not in key[1]]
    for offset, server in ((0, "meshcollab"), (width, "stock")):
        ax.bar([i + offset for i in range(len(cases))], [median_of("W4", c, server) for c in cases], width, label=server)
    ax.set_xticks([i + width / 2 for i in range(len(cases))], [c.split(" (")[0] for c in cases], fontsize=7, rotation=10)
    ax.set_ylabel("MB (USS)")
    ax.set_title("W4: memory")
    ax.legend()
    figure.tight_layout()
    figure.savefig(report.RESULTS / f"{name}.png", dpi=100)
    plt.close(figure)


def _stolen_note(results: Results) -> str:
    """The CPU the hypervisor gave to other machines during each server's turn: which repetitions to distrust."""
    turns = results.extra.get("stolen_percent_per_turn")
    if not turns:
        return ""
    return "; CPU stolen by the hypervisor during each turn: " + ", ".join(
        f"{name} r{repeat} {percent:.1f}%" for name, repeat, percent in turns
    )


def soak_plot(soaks: dict, path: Path) -> None:
    """W7 over time: each server's USS, per-minute p99 and per-minute CPU."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (memory, latency, cpu) = plt.subplots(1, 3, figsize=(17, 4.5))
    for index, (server, outcome) in enumerate(soaks.items()):
        color = f"C{index}"
        memory.plot([t / 60 for t in outcome["sample_s"]], outcome["uss_mb"], color=color, label=server)
        minutes = range(1, len(outcome["p99_ms_per_minute"]) + 1)
        latency.plot(minutes, outcome["p99_ms_per_minute"], color=color, label=server)
        if "server_cpu_percent_per_minute" in outcome:  # not in soaks recorded before 2026-12-07
            cpu.plot(minutes, outcome["server_cpu_percent_per_minute"], color=color, label=server)
            cpu.plot(minutes, outcome["steal_percent_per_minute"], color=color, linestyle=":",
                     label=f"stolen (during {server})")
    memory.axvline(SOAK_WARMUP_S / 60, color="grey", linestyle=":", label="end of warm-up")
    memory.set_xlabel("minutes")
    memory.set_ylabel("MB (USS)")
    memory.set_title("W7: server memory during the soak")
    memory.legend()
    latency.set_yscale("log")
    latency.set_xlabel("minute")
    latency.set_ylabel("p99 propagation (ms)")
    latency.set_title("W7: keystroke p99 per minute (10 clients, streaming outputs)")
    latency.legend()
    cpu.set_xlabel("minute")
    cpu.set_ylabel("% of a core / % of the machine (stolen)")
    cpu.set_title("W7: server CPU, and CPU stolen by the hypervisor")
    cpu.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _commit() -> str:
    """The code the servers run: taken when the run starts (commits made during a long run change HEAD)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=Path(__file__).parent,
                              check=True).stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    import meshcollab

    return f"{head}{' with uncommitted changes' if changed else ''} (meshcollab imported from {Path(meshcollab.__file__).parent})"


def write_report(results: Results, plan: Plan, floors: dict, elapsed: float, name: str = "collab") -> None:
    rows = build_rows(results, floors)
    import pycrdt
    import jupyter_server_ydoc

    soak_minutes = results.extra.get("soak_minutes")
    notes = (
        (f"{plan.repeats} repetition(s), servers alternating, each on a fresh data folder; " if plan.only - {"W7"} else "")
        + (f"W7: one soak of {soak_minutes:g} min per server, one after the other; " if soak_minutes else "")
        + "the server pinned to one core, the load generator to the other. Values: median [min–max] over "
        "repetitions; ratio = meshcollab median / stock median. "
        f"pycrdt {pycrdt.__version__}, jupyter_server_ydoc {jupyter_server_ydoc.__version__}; meshcollab "
        f"{results.extra['meshcollab_commit']}. Both servers close an idle room {CLOSE_DELAY:.0f} s after its last client leaves "
        "and save 1 s after the last change (meshcollab: at least every 10 s while changes go on). "
        + (f"meshcollab settings: {' '.join(settings)}. " if (settings := results.extra.get('meshcollab_settings')) else "")
        + f"Run took {elapsed / 60:.1f} min; the machine's 1-minute load average at the start of each "
        f"server's turn: {', '.join(f'{load:.1f}' for load in results.extra.get('load_average_1min', []))} "
        f"(2 cores; other processes shared it){_stolen_note(results)}.\n\n"
        "W0 rows are floors measured in the load generator (no server): pycrdt encode/apply, a tornado "
        "echo websocket pinned to the server core (back to back, and one message every 1/8 s as W1 "
        "types: the cores idle in between), a durable commit (one small row, SQLite WAL, "
        "synchronous=FULL) in the folder of the servers' data, and W1's one-writer point at "
        f"{RELAY_CLIENTS} clients through a tornado relay pinned to the server core that only forwards each "
        "keystroke, and through one that commits it (as above, on its event loop) before it forwards it: "
        "the least any server's, and any durable server's, latency can be there (the W1 target row shows "
        "their p99 against stock's). "
        f"W1: each point types until its writers have sent {plan.w1_keystrokes} keystrokes (at least "
        f"{plan.w1_seconds:g} s), so that its p99 is not the one slowest keystroke. "
        f"W3: a repetition's figure is the median of {plan.w3_attempts} open(s), each of its own copy of the "
        "notebook; warm 'x floor' = warm sync / (encode + apply + RTT). "
        "W5: meshcollab's history is typed over the wire (it stores a change before fanning it out); the "
        "stock history is written into its SQLiteYStore the way it stores it (a row per keystroke and a "
        "checkpoint every 100), because it stores about 90 updates/s over the wire. W6 stock writes/s: "
        "rows in its YStore over time while a burst is pending. File writes: CS3 versions (meshcollab), "
        "file replacements seen by a 50 ms watcher (stock). W7 (soak) runs only with --soak-minutes: USS slope "
        f"after a {SOAK_WARMUP_S // 60}-minute warm-up; drift = median p99 of the last 5 minutes / of the first 5; "
        "the server's CPU per minute (its drift alike) tells a server that works harder from a noisier machine, "
        "as does the CPU stolen by the hypervisor."
    )
    columns = [
        ("workload", "workload"), ("measure", "measure"), ("meshcollab", "meshcollab median [min–max]"),
        ("stock", "stock median [min–max]"), ("ratio", "ratio"), ("target", "target"), ("met", "met?"),
    ]
    report.write(name, "meshcollab vs stock jupyter-collaboration", rows, columns, notes,
                 extra={"plan": {k: (sorted(v) if isinstance(v, set) else v) for k, v in plan.__dict__.items()},
                        **results.extra})
    plotted = bool(plan.only & {"W1", "W2", "W4"})
    if plotted:
        plots(results, plan, name)
    if "w7" in results.extra:
        soak_plot(results.extra["w7"], report.RESULTS / (f"{name}-w7.png" if plotted else f"{name}.png"))
    print((report.RESULTS / f"{name}.md").read_text())


# W7 soak

SOAK_WARMUP_S = 300
SOAK_OUTPUT_LIMIT = 200_000  # characters of streamed output in the cell before it is cleared


async def soak_turn(server: BenchServer, minutes: float) -> dict:
    async with server.http_client():
        return await soak(server, minutes)


async def soak(server: BenchServer, minutes: float) -> dict:
    """W1 at 10 clients (one writer at 8 keys/s) while another client streams outputs into a cell;
    USS sampled every 30 s, p99 per minute."""
    name = "w7-soak.ipynb"
    await server.put_notebook(name, make_notebook(10, source=""))
    ledger = Keystrokes()
    room, _, members = await join_many(server, name, 10, ledger)
    key = members[0].become_writer(0)
    streamer = members[1]
    cell = YNotebook(streamer.doc).ycells[1]
    output = Map({"output_type": "stream", "name": "stdout", "text": Text("")})
    cell["outputs"].append(output)
    text = output["text"]
    samples, minute_p99, minute_cpu, minute_steal = [], [], [], []
    started = time.perf_counter()
    end = started + minutes * 60
    next_sample = started
    while time.perf_counter() < end:
        ledger.latencies = []
        typists = Typists([key], 8)
        minute_start, cpu_start, steal_start = time.perf_counter(), server.cpu_seconds(), stolen_seconds()
        minute_end = min(end, minute_start + 60)
        while time.perf_counter() < minute_end:
            await typists.run(0.5)
            stream_output(text)  # ~2 outputs/s
            if time.perf_counter() >= next_sample:
                samples.append((time.perf_counter() - started, server.uss()))
                next_sample += 30
        elapsed = time.perf_counter() - minute_start
        minute_p99.append(percentile(ledger.latencies, 99) * 1000 if ledger.latencies else float("nan"))
        minute_cpu.append((server.cpu_seconds() - cpu_start) / elapsed * 100)
        minute_steal.append((stolen_seconds() - steal_start) / (elapsed * psutil.cpu_count()) * 100)
    leave_all(members)
    # The first minutes fill the allocators and the streamed output (it is cleared at 200 kB): a leak is
    # the slope after that warm-up.
    steady = [(t / 3600, uss / MB) for t, uss in samples if t >= SOAK_WARMUP_S]
    slope = statistics.linear_regression(*zip(*steady)).slope if len(steady) > 2 else float("nan")
    return {"uss_slope_mb_per_h": slope, "p99_ms_per_minute": minute_p99,
            "server_cpu_percent_per_minute": minute_cpu, "steal_percent_per_minute": minute_steal,
            "uss_mb": [uss / MB for _, uss in samples], "sample_s": [t for t, _ in samples]}


def stolen_seconds() -> float:
    """CPU time the hypervisor gave to other machines, summed over this machine's cores: a per-minute
    p99 that moves while the server's own CPU does not is the machine, not the server."""
    return getattr(psutil.cpu_times(), "steal", 0.0)


def stream_output(text: Text) -> None:
    """One line (~210 B) printed by a running cell; cleared past SOAK_OUTPUT_LIMIT, as when the cell runs again."""
    text.insert(len(text), f"step {len(text)} " + "." * 200 + "\n")
    if len(text) > SOAK_OUTPUT_LIMIT:
        text.clear()


def drift(per_minute: list[float]) -> tuple[float, float]:
    """(median of the last 5 minutes / of the first 5, slope per hour) of a per-minute measure (p99,
    CPU): one noisy minute moves neither."""
    measured = [(minute, v) for minute, v in enumerate(per_minute) if v == v]
    if len(measured) < 10:
        return float("nan"), float("nan")
    values = [v for _, v in measured]
    ratio = statistics.median(values[-5:]) / statistics.median(values[:5])
    slope = statistics.linear_regression([m / 60 for m, _ in measured], values).slope
    return ratio, slope


# entry point


def make_server(name: str, workdir: Path, cores: set[int] | None, meshcollab_settings: list[str]) -> BenchServer:
    if name == "meshcollab":
        return SERVERS[name](workdir, cores, tuple(meshcollab_settings))
    return SERVERS[name](workdir, cores)


def run(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench collab", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one repetition, fewer client counts (~3 min)")
    parser.add_argument("--repeats", type=int, help="repetitions (default 3, quick 1)")
    parser.add_argument("--only", help="comma-separated workloads, e.g. W1,W3 (default W0-W6)")
    parser.add_argument("--soak-minutes", type=float, default=0,
                        help="also run W7, the soak, for this many minutes per server (not in the default run)")
    parser.add_argument("--keep", action="store_true", help="keep the servers' data folders (printed)")
    parser.add_argument("--name", default="collab",
                        help="results/NAME.{json,md,png} (default collab), e.g. collab-w7 for a soak on its own")
    parser.add_argument("--meshcollab-arg", action="append", default=[], metavar="--Trait=value",
                        help="an extra setting for meshcollab serve (experiments), e.g. --DocumentStore.synchronous=NORMAL")
    args = parser.parse_args(argv)
    plan = Plan.quick() if args.quick else Plan()
    if args.repeats:
        plan.repeats = args.repeats
    if args.only:
        plan.only = {name.strip().upper() for name in args.only.split(",")}
    server_cores, client_cores = server_and_client_cores()
    pin_this_process(client_cores)
    # The machine may be shared (test suites): the servers under test and this load generator get CPU
    # before other work where the OS lets us ask (children inherit the niceness).
    try:
        os.setpriority(os.PRIO_PROCESS, 0, -10)
    except OSError:
        pass
    # SIGTERM ends the run through the finally blocks, so that the servers stop with it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results = Results()
    results.extra["meshcollab_commit"] = _commit()
    if args.meshcollab_arg:
        results.extra["meshcollab_settings"] = args.meshcollab_arg
    began = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="meshcollab-bench-collab-"))
    floors: dict[str, float] = {}
    try:
        for repeat in range(plan.repeats if plan.only - {"W7"} else 0):  # --only W7: the soak alone
            print(f"repetition {repeat + 1}/{plan.repeats}", flush=True)
            if plan.only & {"W0", "W1", "W2", "W3"}:  # floors: W3 is judged against them; W1/W2 show the commit
                floor_server = FloorProcess(root / "floor", server_cores)
                port = floor_server.start()
                try:
                    floors = w0_floors(results, plan, port, root)
                finally:
                    floor_server.stop()
                    shutil.rmtree(root / "floor", ignore_errors=True)
            order = SERVER_NAMES if repeat % 2 == 0 else tuple(reversed(SERVER_NAMES))
            for name in order:
                server = make_server(name, root / f"{name}-{repeat}", server_cores, args.meshcollab_arg)
                results.extra.setdefault("load_average_1min", []).append(os.getloadavg()[0])
                started = time.perf_counter()
                server.start()
                print(f" {name} started in {time.perf_counter() - started:.1f} s (pid {server.pid})", flush=True)
                turn_started, stolen_before = time.perf_counter(), stolen_seconds()
                try:
                    asyncio.run(server_turn(server, results, plan, f"r{repeat}"))
                    stolen = (stolen_seconds() - stolen_before) / ((time.perf_counter() - turn_started) * psutil.cpu_count())
                    results.extra.setdefault("stolen_percent_per_turn", []).append([name, repeat, stolen * 100])
                finally:
                    server.stop()
                    if not args.keep:
                        shutil.rmtree(root / f"{name}-{repeat}", ignore_errors=True)
        if args.soak_minutes:
            results.extra["soak_minutes"] = args.soak_minutes
            for name in SERVER_NAMES:
                results.extra.setdefault("load_average_1min", []).append(os.getloadavg()[0])
                server = make_server(name, root / f"{name}-soak", server_cores, args.meshcollab_arg)
                server.start()
                try:
                    outcome = asyncio.run(soak_turn(server, args.soak_minutes))
                finally:
                    server.stop()
                results.extra.setdefault("w7", {})[name] = outcome
                results.add("W7", "USS slope (MB/h)", name, outcome["uss_slope_mb_per_h"])
                ratio, slope = drift(outcome["p99_ms_per_minute"])
                results.add("W7", "p99 drift: median of the last 5 minutes / of the first 5", name, ratio)
                results.add("W7", "p99 slope (ms/h)", name, slope)
                cpu_ratio, _ = drift(outcome["server_cpu_percent_per_minute"])
                results.add("W7", "server CPU drift: median of the last 5 minutes / of the first 5", name, cpu_ratio)
                results.add("W7", "server CPU (% of a core, median minute)", name,
                            statistics.median(outcome["server_cpu_percent_per_minute"]))
                results.add("W7", "CPU stolen by the hypervisor (% of the machine, max minute)", name,
                            max(outcome["steal_percent_per_minute"]))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"data kept in {root}")
    write_report(results, plan, floors, time.perf_counter() - began, args.name)
