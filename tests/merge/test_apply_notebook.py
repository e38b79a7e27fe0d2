"""Applying a notebook to a live Y document: few operations, non-ASCII text, other clients' work kept."""

from __future__ import annotations

import copy

import pytest
from jupyter_ydoc import YNotebook
from merge_nbgen import code_cell, markdown_cell, notebook
from pycrdt import Doc, Text

from meshcollab.merge import apply_notebook, read_notebook
from meshcollab.merge.ydoc import set_text


def _room(nb: dict) -> Doc:
    doc = Doc()
    YNotebook(doc).set(copy.deepcopy(nb))
    return doc


def _replica(doc: Doc) -> Doc:
    other = Doc()
    other.apply_update(doc.get_update())
    return other


NB = notebook([code_cell(f"c{i}", f"value_{i} = {i}\nprint(value_{i})\n") for i in range(50)])


@pytest.mark.parametrize(
    "old,new",
    [
        ("ü", "üx"),  # the pycrdt 0.14 "non-ASCII insert" case: index 1 is inside "ü" in UTF-8
        ("aüb", "aüXb"),
        ("😀 smile", "😀😀 smile!"),
        ("中文 text", "中 text"),
        ("line ü\nline 2\nline €\n", "line ü!\nline 2\nline €€\n"),
        ("", "ñ"),
        ("ñ", ""),
    ],
)
def test_set_text_edits_non_ascii_text_replayably(old, new):
    doc = Doc()
    cells = doc.get("cells", type=__import__("pycrdt").Array)
    cells.append(__import__("pycrdt").Map({"source": Text(old)}))  # a Text created from a prelim
    replica = _replica(doc)
    state = replica.get_state()
    set_text(cells[0]["source"], new)
    assert str(cells[0]["source"]) == new
    replica.apply_update(doc.get_update(state))
    assert str(replica.get("cells", type=__import__("pycrdt").Array)[0]["source"]) == new


def test_one_changed_character_is_one_small_update():
    doc = _room(NB)
    target = copy.deepcopy(NB)
    target["cells"][25]["source"] = "value_25 = 26\nprint(value_25)\n"
    before = doc.get_state()
    events = []
    ycells = YNotebook(doc).ycells
    subscription = ycells.observe_deep(lambda evs: events.extend(evs))
    apply_notebook(doc, target)
    ycells.unobserve(subscription)
    assert len(doc.get_update(before)) < 100
    assert [str(e.path) for e in events] == ["[25, 'source']"]
    assert YNotebook(doc).get()["cells"][25]["source"] == "value_25 = 26\nprint(value_25)\n"


def test_cells_inserted_deleted_moved_and_updated_without_replacing_the_array():
    doc = _room(NB)
    ycells = YNotebook(doc).ycells
    for index in (10, 5):
        ycells[index]["execution_state"] = "busy"  # survives only if the Y cell is not re-created
    target = copy.deepcopy(NB)
    del target["cells"][3]
    target["cells"].insert(0, markdown_cell("intro", "# Intro ü"))
    target["cells"].append(target["cells"].pop(5))
    target["cells"][12]["metadata"] = {"tags": ["x"]}
    target["cells"][13]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "ö\n"}]
    target["cells"][13]["execution_count"] = 4
    target["metadata"]["language_info"] = {"name": "python"}
    apply_notebook(doc, target)
    got = YNotebook(doc).get()
    assert got["cells"] == target["cells"]
    assert got["metadata"] == target["metadata"]
    states = {c["id"]: c.get("execution_state") for c in ycells.to_py()}
    assert states["c10"] == "busy"  # updated in place
    assert states["c5"] == "idle"  # moved: deleted and inserted again (Yjs 13 has no move)
    assert YNotebook(_replica(doc)).get() == got


def test_cell_type_change_replaces_only_that_cell():
    doc = _room(NB)
    target = copy.deepcopy(NB)
    target["cells"][1] = markdown_cell("c1", "now markdown")
    apply_notebook(doc, target)
    assert YNotebook(doc).get()["cells"][1] == target["cells"][1]
    assert len(YNotebook(doc).ycells) == 50


def test_read_notebook_keeps_ids_that_ynotebook_get_drops_for_nbformat_4_4():
    nb = copy.deepcopy(NB)
    nb["nbformat_minor"] = 4
    doc = _room(nb)
    assert "id" not in YNotebook(doc).get()["cells"][0]
    assert [c["id"] for c in read_notebook(doc)["cells"]] == [f"c{i}" for i in range(50)]


def test_duplicate_target_ids_are_refused():
    doc = _room(NB)
    target = notebook([code_cell("x", "1"), code_cell("x", "2")])
    with pytest.raises(ValueError):
        apply_notebook(doc, target)


def test_other_clients_cursor_position_survives_an_edit_before_it():
    """A sticky index (a client's cursor) in an untouched part of the text keeps pointing at it."""
    from pycrdt import StickyIndex

    nb = notebook([code_cell("c", "first line\nsecond line ü\nthird line\n")])
    doc = _room(nb)
    ytext = YNotebook(doc).ycells[0]["source"]
    offset = len("first line\nsecond line ü\nthird".encode())
    cursor = StickyIndex.new(ytext, offset, __import__("pycrdt").Assoc.AFTER)
    target = copy.deepcopy(nb)
    target["cells"][0]["source"] = "FIRST line, edited\nsecond line ü\nthird line\n"
    apply_notebook(doc, target)
    new_offset = cursor.get_index()
    text = str(ytext).encode()
    assert text[new_offset:].decode().startswith(" line\n")


def test_apply_to_an_empty_document():
    doc = Doc()
    apply_notebook(doc, NB)
    assert YNotebook(doc).get() == NB
    assert YNotebook(_replica(doc)).get() == NB
