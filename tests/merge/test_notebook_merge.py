"""The merge rules, one example each."""

from __future__ import annotations

import copy
import json

import nbformat
import pytest
from jupyter_ydoc import YNotebook
from merge_nbgen import code_cell, markdown_cell, notebook
from pycrdt import Doc

from meshcollab.merge import (
    apply_notebook,
    cell_diff,
    ensure_cell_ids,
    merge_notebooks,
    merge_text,
    read_notebook,
)


def _ids(nb: dict) -> list[str]:
    return [c["id"] for c in nb["cells"]]


def _sources(nb: dict) -> dict[str, str]:
    return {c["id"]: c["source"] for c in nb["cells"]}


def _with(nb: dict, cid: str, **changes) -> dict:
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if cell["id"] == cid:
            cell.update(changes)
    return nb


BASE = notebook(
    [
        code_cell("a", "import math\nx = 1\n"),
        markdown_cell("b", "# Title\n\nSome text."),
        code_cell("c", "print(x)", [{"output_type": "stream", "name": "stdout", "text": "1\n"}], 1),
        code_cell("d", "y = x + 1"),
    ]
)


def _valid(nb: dict) -> None:
    nbformat.validate(nbformat.from_dict(copy.deepcopy(nb)))


# ---------------------------------------------------------------------------------------------------
# Cells: inserted, deleted, moved


def test_insertions_of_both_sides_are_kept_ours_first_at_the_same_place():
    theirs = copy.deepcopy(BASE)
    theirs["cells"].insert(1, code_cell("t1", "theirs_new = 1"))
    ours = copy.deepcopy(BASE)
    ours["cells"].insert(1, code_cell("o1", "ours_new = 1"))
    ours["cells"].append(markdown_cell("o2", "the end"))
    result = merge_notebooks(BASE, theirs, ours)
    assert _ids(result.notebook) == ["a", "o1", "t1", "b", "c", "d", "o2"]
    assert result.conflicts == [] and result.changed
    _valid(result.notebook)


def test_a_cell_deleted_on_one_side_and_unchanged_on_the_other_is_deleted():
    theirs = copy.deepcopy(BASE)
    del theirs["cells"][1]
    ours = copy.deepcopy(BASE)
    del ours["cells"][3]
    result = merge_notebooks(BASE, theirs, ours)
    assert _ids(result.notebook) == ["a", "c"]
    assert result.conflicts == []


@pytest.mark.parametrize("editor", ["theirs", "ours"])
def test_a_cell_deleted_on_one_side_and_edited_on_the_other_is_kept_with_the_edit(editor):
    edited = _with(BASE, "c", source="print(x)\nprint(x * 2)")
    deleted = copy.deepcopy(BASE)
    del deleted["cells"][2]
    theirs, ours = (edited, deleted) if editor == "theirs" else (deleted, edited)
    result = merge_notebooks(BASE, theirs, ours, theirs_label="alice (offline)", ours_label="room")
    assert _ids(result.notebook) == ["a", "b", "c", "d"]
    assert _sources(result.notebook)["c"] == "print(x)\nprint(x * 2)"
    [conflict] = result.conflicts
    assert (conflict.cell_id, conflict.kind) == ("c", "delete-vs-edit")
    assert "kept with the edit" in conflict.description
    assert ("alice (offline)" if editor == "ours" else "room") in conflict.description.split(" deleted")[0]


def test_new_outputs_alone_do_not_keep_a_cell_the_other_side_deleted():
    rerun = _with(
        BASE, "c", outputs=[{"output_type": "stream", "name": "stdout", "text": "2\n"}], execution_count=7
    )
    deleted = copy.deepcopy(BASE)
    del deleted["cells"][2]
    result = merge_notebooks(BASE, deleted, rerun)
    assert _ids(result.notebook) == ["a", "b", "d"]
    assert result.conflicts == []


def test_a_move_on_one_side_is_applied_and_both_moving_keeps_ours():
    theirs = copy.deepcopy(BASE)
    theirs["cells"].append(theirs["cells"].pop(0))  # a to the end
    result = merge_notebooks(BASE, theirs, copy.deepcopy(BASE))
    assert _ids(result.notebook) == ["b", "c", "d", "a"]

    ours = copy.deepcopy(BASE)
    ours["cells"].insert(2, ours["cells"].pop(0))  # a between b and c
    ours = _with(ours, "d", source="y = x + 2")
    result = merge_notebooks(BASE, theirs, ours)
    assert _ids(result.notebook) == ["b", "c", "a", "d"]  # ours' place for a
    assert _sources(result.notebook)["d"] == "y = x + 2"

    # A move by theirs and an insertion by ours elsewhere both happen.
    ours = copy.deepcopy(BASE)
    ours["cells"].insert(2, code_cell("o1", "z = 3"))
    result = merge_notebooks(BASE, theirs, ours)
    assert _ids(result.notebook) == ["b", "o1", "c", "d", "a"]


def test_a_side_that_inserts_next_to_a_cell_the_other_deleted():
    theirs = copy.deepcopy(BASE)
    theirs["cells"].insert(2, code_cell("t1", "after_b = True"))
    ours = copy.deepcopy(BASE)
    del ours["cells"][1]  # b
    result = merge_notebooks(BASE, theirs, ours)
    assert _ids(result.notebook) == ["a", "t1", "c", "d"]


# ---------------------------------------------------------------------------------------------------
# Source


def test_edits_of_different_lines_merge():
    base = "a = 1\nb = 2\nc = 3\nd = 4\n"
    merged = merge_text(base, "a = 1\nb = 20\nc = 3\nd = 4\n", "a = 1\nb = 2\nc = 3\nd = 40\n")
    assert merged.text == "a = 1\nb = 20\nc = 3\nd = 40\n" and not merged.conflicted


def test_edits_of_the_same_line_that_do_not_overlap_merge_by_characters():
    merged = merge_text(
        "result = compute(alpha, beta)\n",
        "result = compute(alpha, gamma)\n",
        "total = compute(alpha, beta)\n",
    )
    assert merged.text == "total = compute(alpha, gamma)\n" and not merged.conflicted
    # Adjacent lines too: one side edits a line, the other the next one.
    merged = merge_text("x = 1\ny = 2\n", "x = 10\ny = 2\n", "x = 1\ny = 20\n")
    assert merged.text == "x = 10\ny = 20\n" and not merged.conflicted


def test_overlapping_edits_keep_both_versions_between_markers_and_are_reported():
    base = _with(BASE, "a", source="import math\nx = 1\nprint('done')\n")
    theirs = _with(base, "a", source="import math\nx = 2\nprint('done')\n")
    ours = _with(base, "a", source="import math\nx = 3\nprint('done')\n")
    result = merge_notebooks(base, theirs, ours, theirs_label="alice", ours_label="room")
    assert _sources(result.notebook)["a"] == (
        "import math\n<<<<<<< room\nx = 3\n=======\nx = 2\n>>>>>>> alice\nprint('done')\n"
    )
    [conflict] = result.conflicts
    assert (conflict.cell_id, conflict.kind) == ("a", "source")
    _valid(result.notebook)


def test_a_conflict_at_the_end_of_a_source_without_newline():
    merged = merge_text("x = 1", "x = 2", "x = 3")
    assert merged.text == "<<<<<<< ours\nx = 3\n=======\nx = 2\n>>>>>>> theirs"
    assert merged.conflicted


def test_both_sides_adding_the_same_cell_id_with_different_sources_conflict():
    theirs = copy.deepcopy(BASE)
    theirs["cells"].append(code_cell("new", "from theirs"))
    ours = copy.deepcopy(BASE)
    ours["cells"].append(code_cell("new", "from ours"))
    result = merge_notebooks(BASE, theirs, ours)
    assert (
        "from theirs" in _sources(result.notebook)["new"] and "from ours" in _sources(result.notebook)["new"]
    )
    assert [c.kind for c in result.conflicts] == ["source"]


def test_unicode_and_crlf_sources_merge():
    base = "α = 1\r\nβ = 2\r\n"
    merged = merge_text(base, "α = 10\r\nβ = 2\r\n", "α = 1\r\nβ = 2\r\nγ = 😀\r\n")
    assert merged.text == "α = 10\r\nβ = 2\r\nγ = 😀\r\n"


# ---------------------------------------------------------------------------------------------------
# Metadata and outputs


def test_metadata_merges_key_by_key_and_ours_wins_a_conflict_with_theirs_recorded():
    base = _with(BASE, "a", metadata={"tags": ["x"], "jupyter": {"source_hidden": False}, "k": 1})
    theirs = _with(
        base, "a", metadata={"tags": ["x"], "jupyter": {"source_hidden": True}, "k": 2, "t": "new"}
    )
    ours = _with(
        base,
        "a",
        metadata={"tags": ["x", "y"], "jupyter": {"source_hidden": False, "outputs_hidden": True}, "k": 3},
    )
    result = merge_notebooks(base, theirs, ours)
    assert result.notebook["cells"][0]["metadata"] == {
        "tags": ["x", "y"],
        "jupyter": {"source_hidden": True, "outputs_hidden": True},
        "k": 3,
        "t": "new",
    }
    [conflict] = result.conflicts
    assert (conflict.cell_id, conflict.kind) == ("a", "metadata")
    assert "/k" in conflict.description and "3" in conflict.description and "was 2" in conflict.description


def test_notebook_metadata_conflict_is_reported_without_a_cell():
    base = copy.deepcopy(BASE)
    theirs = copy.deepcopy(BASE)
    theirs["metadata"]["kernelspec"] = {"name": "julia", "display_name": "Julia"}
    theirs["metadata"]["authors"] = ["alice"]
    ours = copy.deepcopy(BASE)
    ours["metadata"]["kernelspec"] = {"name": "ir", "display_name": "R"}
    result = merge_notebooks(base, theirs, ours)
    assert result.notebook["metadata"]["kernelspec"] == {"name": "ir", "display_name": "R"}
    assert result.notebook["metadata"]["authors"] == ["alice"]
    kinds = [(c.cell_id, c.kind) for c in result.conflicts]
    assert kinds == [(None, "notebook-metadata"), (None, "notebook-metadata")]  # name and display_name
    assert any('"julia"' in c.description for c in result.conflicts)


OUT = [{"output_type": "stream", "name": "stdout", "text": "1\n"}]
THEIR_OUT = [{"output_type": "stream", "name": "stdout", "text": "theirs\n"}]
OUR_OUT = [{"output_type": "stream", "name": "stdout", "text": "ours\n"}]


def _cell_c(nb: dict) -> dict:
    return next(c for c in nb["cells"] if c["id"] == "c")


def test_outputs_follow_the_source_they_belong_to():
    theirs = _with(BASE, "c", source="print(x + 1)", outputs=THEIR_OUT, execution_count=5)
    ours = _with(BASE, "c", metadata={"collapsed": True})
    cell = _cell_c(merge_notebooks(BASE, theirs, ours).notebook)
    assert (cell["source"], cell["outputs"], cell["execution_count"]) == ("print(x + 1)", THEIR_OUT, 5)
    assert cell["metadata"] == {"collapsed": True}

    # Ours edited the source, theirs only re-ran: ours' outputs stay.
    theirs = _with(BASE, "c", outputs=THEIR_OUT, execution_count=5)
    ours = _with(BASE, "c", source="print(x - 1)", outputs=OUR_OUT, execution_count=9)
    cell = _cell_c(merge_notebooks(BASE, theirs, ours).notebook)
    assert (cell["source"], cell["outputs"], cell["execution_count"]) == ("print(x - 1)", OUR_OUT, 9)

    # Neither edited the source, theirs re-ran the cell: theirs' outputs.
    cell = _cell_c(merge_notebooks(BASE, theirs, copy.deepcopy(BASE)).notebook)
    assert cell["outputs"] == THEIR_OUT


def test_both_edited_the_source_keeps_ours_outputs_reported_only_if_outputs_differ():
    theirs = _with(BASE, "c", source="print(x)\nprint('t')", outputs=OUT, execution_count=1)
    ours = _with(BASE, "c", source="print('o')\nprint(x)", outputs=OUT, execution_count=1)
    result = merge_notebooks(BASE, theirs, ours)
    assert _cell_c(result.notebook)["source"] == "print('o')\nprint(x)\nprint('t')"
    assert result.conflicts == []

    theirs = _with(theirs, "c", outputs=THEIR_OUT, execution_count=4)
    ours = _with(ours, "c", outputs=OUR_OUT, execution_count=3)
    result = merge_notebooks(BASE, theirs, ours)
    cell = _cell_c(result.notebook)
    assert (cell["outputs"], cell["execution_count"]) == (OUR_OUT, 3)
    assert [(c.cell_id, c.kind) for c in result.conflicts] == [("c", "outputs")]


def test_cell_type_change_on_one_side():
    theirs = _with(BASE, "d", cell_type="markdown")
    for key in ("outputs", "execution_count"):
        theirs["cells"][3].pop(key)
    ours = _with(BASE, "d", source="y = x + 1  # why")
    result = merge_notebooks(BASE, theirs, ours)
    cell = result.notebook["cells"][3]
    assert cell["cell_type"] == "markdown" and cell["source"] == "y = x + 1  # why"
    assert "outputs" not in cell
    _valid(result.notebook)


# ---------------------------------------------------------------------------------------------------
# Ids, inputs, result


def test_ensure_cell_ids_is_deterministic_content_derived_and_unique():
    nb = notebook([code_cell("x", "same"), code_cell("x", "same"), markdown_cell("", "text")])
    for cell in nb["cells"]:
        cell.pop("id")
    first = ensure_cell_ids(nb)
    assert first == ensure_cell_ids(copy.deepcopy(nb))
    assert len(set(_ids(first))) == 3
    # Inserting a cell does not change the others' ids.
    shifted = copy.deepcopy(nb)
    shifted["cells"].insert(0, markdown_cell("", "new"))
    shifted["cells"][0].pop("id")
    assert _ids(ensure_cell_ids(shifted))[1:] == _ids(first)
    # Existing ids are kept; duplicates made unique.
    dup = notebook([code_cell("same-id", "1"), code_cell("same-id", "2")])
    assert _ids(ensure_cell_ids(dup))[0] == "same-id" and len(set(_ids(ensure_cell_ids(dup)))) == 2
    assert "id" not in nb["cells"][0]  # the input is not modified


def _v44(nb: dict) -> str:
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        cell.pop("id")
    nb["nbformat_minor"] = 4
    return json.dumps(nb)


def test_notebooks_without_ids_merge_edits_of_the_same_cells():
    """Files in nbformat 4.4 (no ids) edited on both sides: an edited cell is still the same cell."""
    theirs = _with(BASE, "a", source="import math\nx = 2\n")
    ours = _with(BASE, "d", source="y = x + 10")
    ours["cells"].insert(0, markdown_cell("o", "Intro"))
    read = [nbformat.reads(_v44(nb), as_version=4) for nb in (BASE, theirs, ours)]
    result = merge_notebooks(*read)
    assert [c["source"] for c in result.notebook["cells"]] == [
        "Intro",
        "import math\nx = 2\n",
        "# Title\n\nSome text.",
        "print(x)",
        "y = x + 10",
    ]
    assert result.conflicts == []
    _valid(result.notebook)
    assert result.notebook["nbformat_minor"] == 5


def test_a_room_that_gave_its_cells_new_ids_keeps_them():
    """The room loaded a 4.4 file (cells got uuids); base and theirs are the file, without ids."""
    doc = Doc()
    YNotebook(doc).set(nbformat.reads(_v44(BASE), as_version=4))
    ours = read_notebook(doc)
    room_ids = _ids(ours)
    assert len(set(room_ids)) == 4 and set(room_ids) != {"a", "b", "c", "d"}
    theirs = nbformat.reads(_v44(_with(BASE, "b", source="# Better title\n\nSome text.")), as_version=4)
    result = merge_notebooks(nbformat.reads(_v44(BASE), as_version=4), theirs, ours)
    assert _ids(result.notebook) == room_ids
    assert result.notebook["cells"][1]["source"] == "# Better title\n\nSome text."
    assert result.conflicts == []
    apply_notebook(doc, result.notebook)
    assert YNotebook(doc).get()["cells"][1]["source"] == "# Better title\n\nSome text."


def test_a_client_whose_history_was_reset_merges_into_the_live_room():
    """Ours from the room (`YNotebook.get()`), theirs and base from the client's documents."""
    room = Doc()
    YNotebook(room).set(copy.deepcopy(BASE))
    client = Doc()
    client.apply_update(room.get_update())
    base = YNotebook(client).get()
    YNotebook(client).ycells[0]["source"].insert(0, "# offline\n")
    live = YNotebook(room).ycells[3]["source"]
    live += "  # live"
    result = merge_notebooks(base, YNotebook(client).get(), YNotebook(room).get(), theirs_label="client")
    assert result.conflicts == [] and result.changed
    apply_notebook(room, result.notebook)
    sources = [c["source"] for c in YNotebook(room).get()["cells"]]
    assert sources[0] == "# offline\nimport math\nx = 1\n" and sources[3] == "y = x + 1  # live"


def test_no_change_reports_unchanged():
    result = merge_notebooks(BASE, copy.deepcopy(BASE), _with(BASE, "a", source="x = 5"))
    assert not result.changed and result.conflicts == []


def test_merge_result_is_json_serialisable():
    result = merge_notebooks(BASE, _with(BASE, "a", source="1"), _with(BASE, "a", source="2"))
    json.dumps(result.to_json())


# ---------------------------------------------------------------------------------------------------
# cell_diff


def test_cell_diff_lists_added_removed_moved_and_modified_cells():
    b = copy.deepcopy(BASE)
    b["cells"].append(b["cells"].pop(0))  # a moved to the end
    b["cells"].insert(1, code_cell("n", "new"))
    del b["cells"][2]  # c removed
    b = _with(b, "d", source="y = x + 2", execution_count=3)
    changes = cell_diff(BASE, b)
    assert [(c.kind, c.cell_id) for c in changes] == [
        ("removed", "c"),
        ("added", "n"),
        ("modified", "d"),
        ("moved", "a"),
    ]
    modified = changes[2]
    assert modified.fields == ["source", "execution_count"]
    assert "-y = x + 1\n+y = x + 2\n" in modified.source_diff
    assert (modified.old_index, modified.new_index) == (3, 2)
    assert json.loads(json.dumps([c.to_json() for c in changes]))[1]["kind"] == "added"
    # What comes and what goes is shown in a preview: the source of added and removed cells.
    assert changes[1].source == "new"
    assert changes[0].source == next(c["source"] for c in BASE["cells"] if c["id"] == "c")
    assert cell_diff(BASE, copy.deepcopy(BASE)) == []


def test_two_edits_of_the_same_word_conflict_even_if_their_characters_do_not_overlap():
    assert merge_text("total = 0\n", "count = 0\n", "totals = 0\n").conflicted
    assert merge_text("total = 0\n", "count = 0\n", "total = 10\n").text == "count = 10\n"


def test_both_sides_adding_a_cell_with_the_same_id_and_different_types_keeps_ours_type():
    theirs = copy.deepcopy(BASE)
    theirs["cells"].append(markdown_cell("new", "same"))
    ours = copy.deepcopy(BASE)
    ours["cells"].append(code_cell("new", "same"))
    result = merge_notebooks(BASE, theirs, ours)
    assert result.notebook["cells"][-1]["cell_type"] == "code"
    assert [(c.cell_id, c.kind) for c in result.conflicts] == [("new", "metadata")]
    _valid(result.notebook)


def test_ids_derived_by_ensure_cell_ids_before_the_merge_count_as_none():
    """Callers may pass notebooks through `ensure_cell_ids` first: an edited cell is still matched."""
    doc = Doc()
    YNotebook(doc).set(nbformat.reads(_v44(BASE), as_version=4))
    ours = read_notebook(doc)
    base = nbformat.reads(_v44(BASE), as_version=4)
    theirs = nbformat.reads(_v44(_with(BASE, "c", source="print(x, 'edited')")), as_version=4)
    plain = merge_notebooks(base, theirs, ours)
    derived = merge_notebooks(ensure_cell_ids(base), ensure_cell_ids(theirs), ours)
    assert derived == plain
    assert derived.conflicts == [] and _ids(derived.notebook) == _ids(ours)
    assert derived.notebook["cells"][2]["source"] == "print(x, 'edited')"
