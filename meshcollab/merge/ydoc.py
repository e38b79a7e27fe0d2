"""Turning a live room (a jupyter_ydoc YNotebook structure) into a target notebook with few Y operations.

Only what differs is touched, in one transaction: cells are matched by id; cells missing from the
target are deleted, new cells inserted, and cells out of order moved; a changed cell has its source
`Text` edited by the difference alone (line blocks, trimmed to the characters that changed), its
metadata keys set or deleted one by one, its outputs replaced only when they changed. Other clients'
cursors and their concurrent typing outside the edited ranges survive.

Two pycrdt 0.14 facts shape this module:

- `Text` indices are **UTF-8 byte offsets**, not Python `str` indices (`len(Text("ü")) == 2`). An
  index inside a multi-byte character (`Text("ü").insert(1, "x")`) yields an update that other
  replicas cannot replay: the "non-ASCII insert" bug. Every offset here is computed by encoding the
  string before it, and edits are applied from the end of the text backwards.
- A moved cell is deleted and inserted again rather than moved with `Array.move`: Yjs 13 (JupyterLab's
  frontend) cannot decode move operations (jupyter_ydoc avoids them for the same reason). The cells to
  move are the fewest possible (those outside the longest common subsequence of ids); typing that
  another client does concurrently in a moved cell is lost with the old copy.
"""

from __future__ import annotations

import copy
from difflib import SequenceMatcher
from typing import Any

from pycrdt import Array, Doc, Map, Text

from .ids import source_text

# A changed line block, once trimmed of its common head and tail, is narrowed to the characters that
# changed only up to this size on either side (difflib is quadratic); beyond it it is replaced whole.
_CHAR_DIFF_LIMIT = 1_000


def _py(value: Any) -> Any:
    """A Y value as plain Python, with Yjs floats that are integral turned back into ints."""
    if isinstance(value, (Map, Array, Text)):
        value = value.to_py()
    return _ints(value)


def _ints(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_ints(v) for v in value]
    return value


def _floats(value: Any) -> Any:
    """Numbers as Yjs stores them (jupyter_ydoc writes notebook-level numbers as floats)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dict):
        return {k: _floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_floats(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------------
# Text


def _common_ends(a: str, b: str) -> tuple[int, int]:
    """Lengths of the common prefix and of the common suffix (not overlapping it) of `a` and `b`."""
    n = min(len(a), len(b))
    p = 0
    while p < n and a[p] == b[p]:
        p += 1
    s = 0
    while s < n - p and a[len(a) - 1 - s] == b[len(b) - 1 - s]:
        s += 1
    return p, s


def _text_edits(old: str, new: str) -> list[tuple[int, int, str]]:
    """Edits ``(start, end, replacement)`` in `old`'s str indices, in increasing order, non-overlapping."""
    if old == new:
        return []
    # Common prefix and suffix first: most edits are one region.
    p, s = _common_ends(old, new)
    old_mid, new_mid = old[p : len(old) - s], new[p : len(new) - s]
    if not old_mid or not new_mid:
        return [(p, len(old) - s, new_mid)]
    # Several regions: diff the middle by lines, then narrow each replaced block to its characters.
    old_lines, new_lines = old_mid.splitlines(True), new_mid.splitlines(True)
    edits: list[tuple[int, int, str]] = []
    old_pos = [0]
    for line in old_lines:
        old_pos.append(old_pos[-1] + len(line))
    new_pos = [0]
    for line in new_lines:
        new_pos.append(new_pos[-1] + len(line))
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        a0, a1 = p + old_pos[i1], p + old_pos[i2]
        a_text, b_text = old[a0:a1], new_mid[new_pos[j1] : new_pos[j2]]
        edits.extend(_block_edits(a0, a_text, b_text))
    return edits


def _block_edits(offset: int, a: str, b: str) -> list[tuple[int, int, str]]:
    """Edits turning block `a` (at `offset` in the old text) into `b`: common head and tail kept."""
    p, s = _common_ends(a, b)
    a_mid, b_mid = a[p : len(a) - s], b[p : len(b) - s]
    if a_mid and b_mid and max(len(a_mid), len(b_mid)) <= _CHAR_DIFF_LIMIT:
        chars = SequenceMatcher(None, a_mid, b_mid, autojunk=False)
        return [
            (offset + p + c1, offset + p + c2, b_mid[d1:d2])
            for tag, c1, c2, d1, d2 in chars.get_opcodes()
            if tag != "equal"
        ]
    return [(offset + p, offset + len(a) - s, b_mid)]


def set_text(ytext: Text, new: str) -> None:
    """Edit `ytext` into `new` by the differences only (UTF-8 byte offsets, applied back to front)."""
    old = str(ytext)
    edits = _text_edits(old, new)
    if not edits:
        return
    for start, end, replacement in reversed(edits):
        b_start = len(old[:start].encode("utf-8"))
        b_end = b_start + len(old[start:end].encode("utf-8"))
        if b_end > b_start:
            del ytext[b_start:b_end]
        if replacement:
            ytext.insert(b_start, replacement)


# ---------------------------------------------------------------------------------------------------
# Cells


def _new_output(output: dict) -> Map:
    output = copy.deepcopy(output)
    if output.get("output_type") == "stream":
        output["text"] = Text(source_text(output.get("text", "")))
    return Map(output)


def new_ycell(cell: dict) -> Map:
    """A Y cell as jupyter_ydoc's `YNotebook.create_ycell` builds it (source Text, metadata Map,
    outputs Array of Maps with stream text as Text)."""
    cell = copy.deepcopy(cell)
    cell["source"] = Text(source_text(cell.get("source", "")))
    cell["metadata"] = Map(cell.get("metadata", {}))
    if cell.get("cell_type") == "code":
        cell["outputs"] = Array([_new_output(o) for o in cell.get("outputs") or []])
        cell["execution_state"] = "idle"
    elif "attachments" in cell and not cell["attachments"]:
        del cell["attachments"]
    return Map(cell)


def _ycell_dict(ycell: Map) -> dict:
    cell = _py(ycell)
    cell.pop("execution_state", None)
    return cell


def _update_map(ymap: Map, target: dict) -> None:
    current = _py(ymap)
    for key in [k for k in current if k not in target]:
        del ymap[key]
    for key, value in target.items():
        if key not in current or current[key] != value:
            ymap[key] = copy.deepcopy(value)


def _update_outputs(youtputs: Array, current: list, target: list) -> None:
    """Replace only the outputs between the common head and tail."""
    p = 0
    while p < min(len(current), len(target)) and current[p] == target[p]:
        p += 1
    s = 0
    while s < min(len(current), len(target)) - p and current[-1 - s] == target[-1 - s]:
        s += 1
    if len(current) - s > p:
        del youtputs[p : len(current) - s]
    for k, output in enumerate(target[p : len(target) - s]):
        youtputs.insert(p + k, _new_output(output))


def _update_cell(ycell: Map, target: dict) -> bool:
    """Edit a Y cell into `target` in place; False when it must be replaced instead."""
    current = _ycell_dict(ycell)
    if current.get("cell_type") != target.get("cell_type"):
        return False  # the frontend builds a cell model per type: a new type needs a new cell
    if not isinstance(ycell.get("source"), Text) or not isinstance(ycell.get("metadata"), Map):
        return False
    if target.get("cell_type") == "code" and not isinstance(ycell.get("outputs"), Array):
        return False
    for key, value in target.items():
        if key == "id" or current.get(key, _ABSENT) == value:
            continue
        if key == "source":
            set_text(ycell["source"], source_text(value))
        elif key == "metadata":
            _update_map(ycell["metadata"], value)
        elif key == "outputs":
            _update_outputs(ycell["outputs"], current.get("outputs") or [], value or [])
        else:
            ycell[key] = copy.deepcopy(value)
    for key in current:
        if key not in target and key not in ("id", "execution_state", "outputs", "source", "metadata"):
            del ycell[key]
    return True


_ABSENT = object()


def _normalized_target_cell(cell: dict) -> dict:
    cell = copy.deepcopy(cell)
    cell["source"] = source_text(cell.get("source", ""))
    cell.setdefault("metadata", {})
    if cell.get("cell_type") == "code":
        cell.setdefault("outputs", [])
        cell.setdefault("execution_count", None)
    return cell


# ---------------------------------------------------------------------------------------------------
# Notebook


def read_notebook(ydoc: Doc) -> dict:
    """The notebook in a YNotebook document, with every cell's id (`YNotebook.get` drops ids when the
    notebook says nbformat < 4.5; the merge needs them to match the room's cells)."""
    ymeta = ydoc.get("meta", type=Map)
    ycells = ydoc.get("cells", type=Array)
    meta = _py(ymeta)
    return {
        "cells": [_ycell_dict(c) for c in ycells],
        "metadata": meta.get("metadata", {}),
        "nbformat": int(meta.get("nbformat", 4)),
        "nbformat_minor": int(meta.get("nbformat_minor", 5)),
    }


def apply_notebook(ydoc: Doc, target: dict) -> None:
    """Make the YNotebook in `ydoc` equal `target` with minimal operations, in one transaction.

    Cells are matched by id (`target`'s cells must all have distinct ids: `merge_notebooks` gives
    them). The cells array is never replaced as a whole.
    """
    ids = [c.get("id") for c in target.get("cells") or []]
    if any(not isinstance(i, str) for i in ids) or len(set(ids)) != len(ids):
        raise ValueError("apply_notebook needs a target whose cells all have distinct ids")
    ymeta = ydoc.get("meta", type=Map)
    ycells = ydoc.get("cells", type=Array)
    cells = [_normalized_target_cell(c) for c in target.get("cells") or []]
    by_id = {c["id"]: c for c in cells}
    with ydoc.transaction():
        _apply_meta(ymeta, target)

        # 1. Delete cells the target lacks (and later duplicates of an id), back to front.
        current = [c.get("id") for c in ycells]
        seen: set[str] = set()
        doomed = []
        for index, cid in enumerate(current):
            if cid not in by_id or cid in seen:
                doomed.append(index)
            else:
                seen.add(cid)
        for index in reversed(doomed):
            del ycells[index]

        # 2. Move: cells outside the longest run of ids in target order are taken out (re-inserted in 3).
        current = [c.get("id") for c in ycells]
        wanted = [cid for cid in ids if cid in seen]
        matcher = SequenceMatcher(None, current, wanted, autojunk=False)
        stay: set[str] = set()
        for a, _b, size in matcher.get_matching_blocks():
            stay.update(current[a : a + size])
        for index in reversed(range(len(current))):
            if current[index] not in stay:
                del ycells[index]

        # 3. Walk the target: update cells in place, insert the missing ones.
        for index, cell in enumerate(cells):
            if index < len(ycells) and ycells[index].get("id") == cell["id"]:
                ycell = ycells[index]
                if not _update_cell(ycell, cell):
                    del ycells[index]
                    ycells.insert(index, new_ycell(cell))
            else:
                ycells.insert(index, new_ycell(cell))
        if len(ycells) > len(cells):  # cannot happen after step 1, kept as a guard
            del ycells[len(cells) :]


def _apply_meta(ymeta: Map, target: dict) -> None:
    for key in ("nbformat", "nbformat_minor"):
        value = target.get(key, 4 if key == "nbformat" else 5)
        if _py(ymeta.get(key)) != value:
            ymeta[key] = _floats(value)
    metadata = target.get("metadata", {})
    ymetadata = ymeta.get("metadata")
    if isinstance(ymetadata, Map):
        if _py(ymetadata) != metadata:
            _update_map(ymetadata, _floats(metadata))
    elif _py(ymetadata) != metadata:
        ymeta["metadata"] = Map(_floats(metadata))
