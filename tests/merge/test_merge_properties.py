"""Properties of the three-way merge and of applying a notebook to a live Y document."""

from __future__ import annotations

import copy
import json

import nbformat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jupyter_ydoc import YNotebook
from merge_nbgen import (
    ANY_TEXT,
    BASE_ALPHABET,
    OURS_ALPHABET,
    THEIRS_ALPHABET,
    base_notebooks,
    cells_,
    edited,
    notebook,
)
from pycrdt import Doc, Text

from meshcollab.merge import apply_notebook, cell_diff, merge_notebooks, normalize_notebook
from meshcollab.merge.text import split_lines

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def three_way(draw):
    base = draw(base_notebooks())
    return base, draw(edited(base, THEIRS_ALPHABET, "t")), draw(edited(base, OURS_ALPHABET, "o"))


def _valid(nb: dict) -> None:
    nbformat.validate(nbformat.from_dict(copy.deepcopy(nb)))


def _without_ids(nb: dict) -> dict:
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        cell.pop("id", None)
    nb["nbformat_minor"] = 4
    return nb


def _strip_ids(nb: dict) -> dict:
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        cell.pop("id", None)
    nb.pop("nbformat_minor", None)
    return nb


def _reordered(value):
    """The same value with every dict's keys in reverse order."""
    if isinstance(value, dict):
        return {k: _reordered(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reordered(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------------
# The merge


@SETTINGS
@given(three_way())
def test_no_change_on_one_side_gives_the_other(case):
    base, theirs, ours = case
    left = merge_notebooks(base, base, ours)
    assert left.notebook == normalize_notebook(ours)
    assert left.conflicts == []
    right = merge_notebooks(base, theirs, base)
    assert right.notebook == normalize_notebook(theirs)
    assert right.conflicts == []
    _valid(left.notebook)
    _valid(right.notebook)


@SETTINGS
@given(three_way())
def test_no_change_on_one_side_gives_the_other_without_ids(case):
    base, theirs, ours = (_without_ids(nb) for nb in case)
    assert _strip_ids(merge_notebooks(base, base, ours).notebook) == _strip_ids(normalize_notebook(ours))
    assert _strip_ids(merge_notebooks(base, theirs, base).notebook) == _strip_ids(normalize_notebook(theirs))


@SETTINGS
@given(three_way())
def test_merging_is_deterministic(case):
    base, theirs, ours = case
    first = merge_notebooks(base, theirs, ours)
    again = merge_notebooks(copy.deepcopy(base), copy.deepcopy(theirs), copy.deepcopy(ours))
    shuffled = merge_notebooks(_reordered(base), _reordered(theirs), _reordered(ours))
    assert first == again
    assert first.notebook == shuffled.notebook and first.conflicts == shuffled.conflicts
    assert json.dumps(first.notebook, sort_keys=True) == json.dumps(shuffled.notebook, sort_keys=True)
    _valid(first.notebook)


@SETTINGS
@given(three_way())
def test_no_source_line_disappears_without_a_conflict(case):
    base, theirs, ours = case
    result = merge_notebooks(base, theirs, ours)
    merged = {
        c["id"]: {line.rstrip("\n") for line in split_lines(c["source"])} for c in result.notebook["cells"]
    }
    conflicted = {c.cell_id for c in result.conflicts}
    base_lines = {c["id"]: {line.rstrip("\n") for line in split_lines(c["source"])} for c in base["cells"]}
    for side in (theirs, ours):
        for cell in side["cells"]:
            new = {line.rstrip("\n") for line in split_lines(cell["source"])} - base_lines.get(
                cell["id"], set()
            )
            if not new:
                continue
            if cell["id"] in merged:
                missing = new - merged[cell["id"]]
            else:  # the base took ours' ids (ours shares none with it), and theirs followed
                assert not ({c["id"] for c in base["cells"]} & {c["id"] for c in ours["cells"]})
                missing = new - set().union(*merged.values())
            assert not missing or cell["id"] in conflicted, (cell["id"], missing)


@SETTINGS
@given(st.data())
def test_identical_changes_on_both_sides_do_not_conflict(data):
    base = data.draw(base_notebooks())
    changed = data.draw(edited(base, THEIRS_ALPHABET, "t"))
    result = merge_notebooks(base, changed, copy.deepcopy(changed))
    assert result.conflicts == []
    assert result.notebook == normalize_notebook(changed)


# ---------------------------------------------------------------------------------------------------
# Applying to a live document


def _room(nb: dict) -> Doc:
    doc = Doc()
    YNotebook(doc).set(copy.deepcopy(nb))
    return doc


def _content(nb: dict) -> list:
    return [
        (c["id"], c["cell_type"], c["source"], c["metadata"], c.get("outputs"), c.get("execution_count"))
        for c in nb["cells"]
    ]


@st.composite
def apply_cases(draw):
    current = notebook(
        draw(cells_(ANY_TEXT, "c", 1, 6)), {"kernelspec": {"name": "python3", "display_name": "P"}}
    )
    target = draw(edited(current, ANY_TEXT, "n"))
    # Sources rewritten at random, non-ASCII included, as well as by line edits.
    for cell in target["cells"]:
        if draw(st.integers(0, 3)) == 0:
            cell["source"] = draw(st.text(ANY_TEXT, max_size=12))
    return current, target


@SETTINGS
@given(apply_cases())
def test_apply_notebook_gives_the_target(case):
    current, target = case
    doc = _room(current)
    apply_notebook(doc, target)
    got = YNotebook(doc).get()
    assert _content(got) == _content(normalize_notebook(target))
    assert got["metadata"] == target["metadata"]
    # The update replays elsewhere to the same notebook (the non-ASCII insert bug would break this).
    replica_doc = Doc()
    replica_doc.apply_update(doc.get_update())
    assert _content(YNotebook(replica_doc).get()) == _content(got)
    # Applying the same target again does nothing.
    state = doc.get_state()
    apply_notebook(doc, target)
    assert doc.get_state() == state


@SETTINGS
@given(st.data())
def test_concurrent_typing_in_other_cells_survives(data):
    current = notebook(data.draw(cells_(ANY_TEXT, "c", 2, 6)))
    server = _room(current)
    client = Doc()
    client.apply_update(server.get_update())
    typed_index = data.draw(st.integers(0, len(current["cells"]) - 1))
    typed_id = current["cells"][typed_index]["id"]

    # The target changes any cell but the typed one, and never reorders (a moved cell is re-created).
    target = data.draw(edited(current, ANY_TEXT, "n", moves=False))
    typed_cell = copy.deepcopy(current["cells"][typed_index])
    ids = [c["id"] for c in target["cells"]]
    if typed_id in ids:
        target["cells"][ids.index(typed_id)] = typed_cell
    else:
        before = [c["id"] for c in current["cells"][:typed_index]]
        at = max([ids.index(b) + 1 for b in before if b in ids], default=0)
        target["cells"].insert(at, typed_cell)

    # The client types in its cell while the server applies the target.
    typing = data.draw(st.text(ANY_TEXT, min_size=1, max_size=5))
    ytext: Text = YNotebook(client).ycells[typed_index]["source"]
    old = str(ytext)
    at_char = data.draw(st.integers(0, len(old)))
    ytext.insert(len(old[:at_char].encode()), typing)
    apply_notebook(server, target)

    client_update, server_update = client.get_update(), server.get_update()
    server.apply_update(client_update)
    client.apply_update(server_update)
    final = YNotebook(server).get()
    assert _content(final) == _content(YNotebook(client).get())
    expected = normalize_notebook(target)
    expected["cells"][[c["id"] for c in expected["cells"]].index(typed_id)]["source"] = (
        old[:at_char] + typing + old[at_char:]
    )
    assert _content(final) == _content(expected)


@SETTINGS
@given(st.data())
def test_concurrent_typing_in_an_edited_cell_survives(data):
    """The server edits the end of a cell's source while a client types at its start: both stay."""
    source = "\n".join(
        data.draw(
            st.lists(st.text(ANY_TEXT.replace("\n", ""), min_size=1, max_size=6), min_size=1, max_size=4)
        )
    )
    current = notebook([{"id": "c0", "cell_type": "markdown", "metadata": {}, "source": source}])
    server = _room(current)
    client = Doc()
    client.apply_update(server.get_update())
    appended = "\n" + data.draw(st.text(ANY_TEXT, min_size=1, max_size=6))
    target = copy.deepcopy(current)
    target["cells"][0]["source"] = source + appended
    typing = data.draw(st.text(ANY_TEXT, min_size=1, max_size=5))
    YNotebook(client).ycells[0]["source"].insert(0, typing)
    apply_notebook(server, target)
    server.apply_update(client.get_update())
    client.apply_update(server.get_update())
    for doc in (server, client):
        assert YNotebook(doc).get()["cells"][0]["source"] == typing + source + appended


@st.composite
def three_way_shared_alphabet(draw):
    """Both sides write with the base's characters: edits of the same lines merge within them."""
    base = draw(base_notebooks())
    return base, draw(edited(base, BASE_ALPHABET, "t")), draw(edited(base, BASE_ALPHABET, "o"))


@SETTINGS
@given(three_way_shared_alphabet())
def test_merges_within_lines_are_valid_deterministic_and_keep_conflicted_versions(case):
    base, theirs, ours = case
    result = merge_notebooks(base, theirs, ours)
    assert result == merge_notebooks(copy.deepcopy(base), copy.deepcopy(theirs), copy.deepcopy(ours))
    _valid(result.notebook)
    assert len({c["id"] for c in result.notebook["cells"]}) == len(result.notebook["cells"])
    sides = {c["id"]: [] for c in result.notebook["cells"]}
    for side in (theirs, ours):
        for cell in side["cells"]:
            if cell["id"] in sides:
                sides[cell["id"]].append(cell["source"])
    for conflict in result.conflicts:
        if conflict.kind == "source":
            merged = next(c["source"] for c in result.notebook["cells"] if c["id"] == conflict.cell_id)
            assert "<<<<<<< ours\n" in merged and "=======\n" in merged and ">>>>>>> theirs" in merged
    # Every cell either side edited or added is in the result (unless the base took ours' ids).
    if not ({c["id"] for c in base["cells"]} & {c["id"] for c in ours["cells"]}):
        return
    for side in (theirs, ours):
        for cell in side["cells"]:
            base_cell = next((c for c in base["cells"] if c["id"] == cell["id"]), None)
            if base_cell is None or base_cell["source"] != cell["source"]:
                assert cell["id"] in sides


@SETTINGS
@given(st.data())
def test_cell_diff_accounts_for_every_cell(data):
    a = data.draw(base_notebooks())
    b = data.draw(edited(a, THEIRS_ALPHABET, "t"))
    changes = cell_diff(a, b)
    json.dumps([c.to_json() for c in changes])
    a_ids, b_ids = [c["id"] for c in a["cells"]], [c["id"] for c in b["cells"]]
    kinds = {c.cell_id: c.kind for c in changes}
    assert {i for i, k in kinds.items() if k == "added"} == set(b_ids) - set(a_ids)
    assert {i for i, k in kinds.items() if k == "removed"} == set(a_ids) - set(b_ids)
    for cell in b["cells"]:
        old = next((c for c in a["cells"] if c["id"] == cell["id"]), None)
        if old is not None and old != cell:
            assert kinds[cell["id"]] == "modified"
    assert (changes == []) == (normalize_notebook(a)["cells"] == normalize_notebook(b)["cells"])
