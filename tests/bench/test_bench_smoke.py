"""The benchmark harness's own arithmetic and keystroke accounting, and its floor server (a second or so):
what the numbers in bench/results rest on. Timings are never asserted."""

from __future__ import annotations

import math
import sqlite3

import pytest
from jupyter_ydoc import YNotebook
from pycrdt import Doc, Text

from bench.collab import SOAK_OUTPUT_LIMIT, drift, join_relay, make_notebook, stream_output, until
from bench.floor_server import FloorProcess
from bench.room_client import Keystrokes, first_block, typed_updates
from bench.stats import percentile, ratio, summary


def test_summary_percentile_and_ratio():
    assert summary([3.0, 1.0, 2.0]) == {"median": 2.0, "min": 1.0, "max": 3.0, "n": 3}
    assert percentile([0.0, 10.0], 50) == 5.0
    assert percentile(list(range(101)), 99) == 99
    assert ratio([2.0, 4.0, 6.0], [8.0]) == 0.5


def test_every_typed_keystroke_is_one_update_with_the_next_clock():
    state = Doc()
    YNotebook(state).set(make_notebook(3, source=""))
    client_id, updates = typed_updates(state.get_update(), 120, run=50)
    assert len(updates) == 120
    assert [first_block(update) for update in updates] == [(client_id, clock + 1) for clock in range(120)]
    doc = Doc()
    doc.apply_update(state.get_update())
    for update in updates:
        doc.apply_update(update)
    assert [len(str(cell["source"])) for cell in YNotebook(doc).ycells] == [50, 50, 20]


def test_a_receiver_counts_each_keystroke_once_in_order():
    state = Doc()
    YNotebook(state).set(make_notebook(2, source=""))
    client_id, updates = typed_updates(state.get_update(), 10)
    ledger = Keystrokes()
    sent = ledger.writer(client_id)
    sent.extend(float(index) for index in range(10))
    seen: dict[int, int] = {}
    for index, update in enumerate(updates):
        ledger.arrived(seen, update, index + 0.5)
        ledger.arrived(seen, update, index + 0.7)  # a duplicate (stock echoes to the sender) counts once
    assert ledger.deliveries == 10 == ledger.expected(1)
    assert ledger.latencies == [0.5] * 10


def test_the_soak_streams_output_and_clears_it_as_a_rerun_cell_does():
    doc = Doc()
    doc["output"] = text = Text()
    lengths = []
    for _ in range(SOAK_OUTPUT_LIMIT // 200 + 10):
        stream_output(text)
        lengths.append(len(text))
    assert max(lengths) <= SOAK_OUTPUT_LIMIT + 300
    assert 0 in lengths  # cleared once past the limit, then streamed again
    assert lengths[-1] > 0


def test_the_soak_drift_is_judged_on_five_minutes_not_one():
    steady = [2.0] * 30
    assert drift(steady) == (1.0, 0.0)
    one_bad_minute = [2.0] * 29 + [50.0]
    assert drift(one_bad_minute)[0] == 1.0
    growing = [2.0 + minute * 0.1 for minute in range(30)]
    ratio, slope = drift(growing)
    assert ratio > 1.5 and math.isclose(slope, 6.0)  # ms per hour
    assert all(math.isnan(value) for value in drift([2.0] * 9))  # too short to say


@pytest.mark.anyio
async def test_the_durable_relay_floor_commits_every_keystroke_and_forwards_it_to_the_others(tmp_path):
    """The W0 floor under W1's target: it must do what it stands for (store each keystroke before it
    forwards it, to everyone but the writer), or its figure says nothing."""
    state = Doc()
    YNotebook(state).set(make_notebook(3, source=""))
    floor = FloorProcess(tmp_path)
    port = floor.start()
    ledger = Keystrokes()
    members = []
    try:
        await join_relay(port, "durable-relay", state.get_update(), ledger, 3, members)
        type_one = members[0].become_writer(0)
        for _ in range(5):
            type_one()
        assert await until(lambda: ledger.deliveries >= ledger.expected(2), 10)
        assert ledger.deliveries == 10  # 5 keystrokes, each to the 2 others
        assert [str(YNotebook(member.doc).ycells[0]["source"]) for member in members] == ["xxxxx"] * 3
        with sqlite3.connect(tmp_path / "durable-relay.sqlite") as log:
            assert log.execute("SELECT count(*) FROM updates").fetchone()[0] == 5
    finally:
        for member in members:
            member.leave()
        floor.stop()
