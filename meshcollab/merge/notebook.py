"""The three-way notebook merge: base, theirs (the other side), ours (the live room).

Rules, cell by cell (cells are matched by id; see `ids` for notebooks without ids):

- **Order**: ours' order is kept. Cells theirs inserted, and cells theirs moved (relative to the
  base; ours did not move them), are placed after the cell that precedes them in theirs and before the
  one that follows, so when both sides inserted at the same place ours' cells come first. A cell both
  sides moved stays where ours put it.
- **Deletion**: a cell deleted on one side and unchanged on the other is deleted. If the other side
  edited it (source, type, metadata or attachments; new outputs alone do not count) it is kept with the
  edit and reported as ``delete-vs-edit``.
- **Source**: diff3 by lines, then by words within a region both sides changed (`text`); a real
  overlap keeps both versions between ``<<<<<<< ours`` / ``=======`` / ``>>>>>>> theirs`` markers and
  is reported as ``source``.
- **Metadata** (of cells and of the notebook): merged key by key, recursing into objects both sides
  changed; when both changed a value differently ours wins and theirs' value is in the report.
- **Outputs and execution count** follow the source: the side whose source edit is taken brings its
  outputs; if both edited the source ours' outputs stay (reported only when both sides also changed the
  outputs differently); if neither did, a side that re-ran the cell brings its outputs.
- **Cell type**: one side's change is taken; different changes on both: ours, reported as metadata.

Where nbdime serves, and where it does not:

- nbdime's *cell alignment* (`nbdime.diffing.notebooks`, multilevel approximate matching of cells)
  is used when ids do not match across the inputs (notebooks without ids, nbformat < 4.5, or a room
  that gave its cells new ids): it carries ours' ids to the base and the base's to theirs
  (`ids.carry_ids`). That heuristic is the hard, well-tested part of nbdime and exactly what is
  needed there. It is slow (a second to compare 300 cells with 300), so it is asked only about the
  cells between identical ones, and only when ids do not match.
- nbdime's *merge* (`nbdime.merging.merge_notebooks` and its decisions) is not used. It aligns cells
  with a sequence diff (the id is only the strictest of its four cell predicates), so a moved cell is
  a deletion plus an insertion, and a cell moved on one side and edited on the other comes out as a
  conflict or twice; it places concurrent insertions and marks conflicts through strategies made for
  its interactive mergetool; its inline source conflicts come from ``git merge-file`` or ``diff3``
  run in a subprocess (with neither, the whole cell is one conflict), with no merge within lines; it
  reports conflicts as decisions on JSON paths, not the per-cell list a live room needs. The rules
  above (ids, moves, deterministic placement, outputs following their source, ours winning on
  metadata with theirs recorded) are shorter and clearer written directly over ids.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from .ids import (
    carry_ids,
    carry_ids_renaming,
    ensure_cell_ids,
    has_all_ids,
    shares_ids,
    source_text,
    strip_derived_ids,
)
from .text import merge_text

CONFLICT_KINDS = ("source", "metadata", "outputs", "delete-vs-edit", "notebook-metadata")

_MISSING = object()
_DESCRIPTION_VALUE_LIMIT = 2000


@dataclass(frozen=True)
class MergeConflict:
    """Something the merge could not reconcile; what it did instead is in `description`."""

    cell_id: str | None
    """The cell concerned (None for notebook metadata)."""
    kind: str
    """One of "source", "metadata", "outputs", "delete-vs-edit", "notebook-metadata"."""
    description: str

    def to_json(self) -> dict:
        return {"cell_id": self.cell_id, "kind": self.kind, "description": self.description}


@dataclass(frozen=True)
class MergeResult:
    notebook: dict
    """The merged notebook, nbformat 4.5 (every cell has an id)."""
    conflicts: list[MergeConflict] = field(default_factory=list)
    changed: bool = False
    """True when `notebook` differs from ours (ids that ours lacked and the merge assigned aside)."""

    def to_json(self) -> dict:
        return {
            "notebook": self.notebook,
            "conflicts": [c.to_json() for c in self.conflicts],
            "changed": self.changed,
        }


# ---------------------------------------------------------------------------------------------------
# Normalisation


def normalize_notebook(nb: dict) -> dict:
    """A copy of `nb` as the merge works on it: sources as strings, metadata present, code cells with
    outputs and execution_count, nbformat 4.5 (ids are not assigned here)."""
    out = copy.deepcopy(nb)
    if not isinstance(out.get("metadata"), dict):
        out["metadata"] = {}
    out["nbformat"] = 4
    minor = out.get("nbformat_minor", 5)
    out["nbformat_minor"] = max(int(minor) if isinstance(minor, (int, float)) else 5, 5)
    cells = []
    for cell in out.get("cells") or []:
        cells.append(_normalize_cell(cell))
    out["cells"] = cells
    return out


def _normalize_cell(cell: dict) -> dict:
    cell = dict(cell)
    cell.pop("execution_state", None)
    cell["source"] = source_text(cell.get("source", ""))
    if not isinstance(cell.get("metadata"), dict):
        cell["metadata"] = {}
    ctype = cell.get("cell_type", "code")
    cell["cell_type"] = ctype
    if ctype == "code":
        if not isinstance(cell.get("outputs"), list):
            cell["outputs"] = []
        cell.setdefault("execution_count", None)
        if isinstance(cell["execution_count"], float):
            cell["execution_count"] = int(cell["execution_count"])
        cell.pop("attachments", None)
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
        if "attachments" in cell and not cell["attachments"]:
            del cell["attachments"]
    return cell


def _prepare(base: dict, theirs: dict, ours: dict) -> tuple[dict, dict, dict]:
    """The three notebooks normalised, with ids that match across them.

    Ours (the live room) is the authority on ids. A base without ids, or whose ids are all foreign to
    ours (the room was re-created from a file without ids and gave its cells new ones), takes ours'
    ids by cell alignment; theirs follows the base's renames, and takes the base's ids by alignment
    if it has none. (A theirs whose ids all differ from the base's is taken at its word: it replaced
    every cell.) Ids that `ensure_cell_ids` derived from content count as none.
    """
    ours = normalize_notebook(ours)
    ours = ours if has_all_ids(ours) else ensure_cell_ids(ours)
    base = strip_derived_ids(normalize_notebook(base))
    renames: dict[str, str] = {}
    if not has_all_ids(base) or not shares_ids(base, ours):
        base, renames = carry_ids_renaming(ours, base, replace=has_all_ids(base))
    theirs = strip_derived_ids(normalize_notebook(theirs))
    if renames:
        for cell in theirs["cells"]:
            if cell.get("id") in renames:
                cell["id"] = renames[cell["id"]]
    if not has_all_ids(theirs):
        theirs = carry_ids(base, theirs)
    return base, theirs, ours


# ---------------------------------------------------------------------------------------------------
# Values


def _dump(value: Any) -> str:
    if value is _MISSING:
        return "(absent)"
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    if len(text) > _DESCRIPTION_VALUE_LIMIT:
        text = text[:_DESCRIPTION_VALUE_LIMIT] + "… (truncated)"
    return text


def merge_mapping(
    base: dict, theirs: dict, ours: dict, path: str = ""
) -> tuple[dict, list[tuple[str, Any, Any]]]:
    """Merge dicts key by key (recursing into values that are dicts on all present sides).

    Returns the merged dict (ours' key order, then keys only theirs added in theirs' order) and the
    conflicts as ``(path, ours' value, theirs' value)``; ours' value is the one kept.
    """
    merged: dict = {}
    conflicts: list[tuple[str, Any, Any]] = []
    keys = (
        list(ours)
        + [k for k in theirs if k not in ours]
        + [k for k in base if k not in ours and k not in theirs]
    )
    for key in keys:
        b = base.get(key, _MISSING)
        t = theirs.get(key, _MISSING)
        o = ours.get(key, _MISSING)
        if t == o or t == b:
            value = o
        elif o == b:
            value = t
        elif isinstance(t, dict) and isinstance(o, dict) and (b is _MISSING or isinstance(b, dict)):
            value, sub = merge_mapping({} if b is _MISSING else b, t, o, f"{path}/{key}")
            conflicts.extend(sub)
        else:
            value = o
            conflicts.append((f"{path}/{key}", o, t))
        if value is not _MISSING:
            merged[key] = copy.deepcopy(value)
    return merged, conflicts


def _value_conflicts(
    cid: str | None,
    kind: str,
    what: str,
    found: list[tuple[str, Any, Any]],
    theirs_label: str,
    ours_label: str,
) -> list[MergeConflict]:
    return [
        MergeConflict(
            cid,
            kind,
            f"{what} {path}: both sides changed it; kept {ours_label}'s value {_dump(o)}, "
            f"{theirs_label}'s value was {_dump(t)}",
        )
        for path, o, t in found
    ]


# ---------------------------------------------------------------------------------------------------
# Order


def _stable_subsequence(reference: list[str], side: list[str]) -> set[str]:
    """Ids of `side` (all present in `reference`) that keep their relative order: the rest moved."""
    matcher = SequenceMatcher(None, reference, side, autojunk=False)
    kept: set[str] = set()
    for a, _b, size in matcher.get_matching_blocks():
        kept.update(reference[a : a + size])
    return kept


def merge_order(base: list[str], theirs: list[str], ours: list[str], keep: set[str]) -> list[str]:
    """Three-way merge of id sequences; `keep` is the set of ids the result holds.

    Starts from ours' order (minus what is not kept), then places theirs' insertions and theirs'
    moves (cells ours did not move) between their neighbours in theirs.
    """
    base_set, ours_set = set(base), set(ours)
    common_t = [c for c in theirs if c in base_set]
    common_o = [c for c in ours if c in base_set]
    moved_t = set(common_t) - _stable_subsequence([c for c in base if c in set(common_t)], common_t)
    moved_o = set(common_o) - _stable_subsequence([c for c in base if c in set(common_o)], common_o)
    pending = {c for c in theirs if c in keep and (c not in ours_set or (c in moved_t and c not in moved_o))}
    result = [c for c in ours if c in keep and c not in pending]
    placed = set(result)
    prev: str | None = None
    for k, cid in enumerate(theirs):
        if cid in pending:
            nxt = next((c for c in theirs[k + 1 :] if c in placed and c not in pending), None)
            pos_prev = result.index(prev) + 1 if prev is not None else 0
            pos_next = result.index(nxt) if nxt is not None else len(result)
            at = max(pos_next, pos_prev)
            result.insert(at, cid)
            placed.add(cid)
            pending.discard(cid)
            prev = cid
        elif cid in placed:
            prev = cid
    # Defensive: a kept id in neither sequence cannot happen; it would go at the end, in base order.
    result.extend(c for c in base if c in keep and c not in placed)
    return result


# ---------------------------------------------------------------------------------------------------
# Cells


def _content(cell: dict | None) -> Any:
    """What counts as an edit of a cell (outputs and execution count are results, not edits)."""
    if cell is None:
        return None
    return (
        cell.get("cell_type"),
        cell.get("source"),
        cell.get("metadata"),
        cell.get("attachments"),
    )


def _results(cell: dict) -> tuple[Any, Any]:
    return cell.get("outputs", []), cell.get("execution_count")


def _merge_cell(
    cid: str,
    base: dict | None,
    theirs: dict,
    ours: dict,
    conflicts: list[MergeConflict],
    theirs_label: str,
    ours_label: str,
) -> dict:
    if theirs == ours:
        return copy.deepcopy(ours)
    if base is None:
        # Both sides added a cell with this id: merge against an empty cell.
        # Its type is none: if the two types differ, that is a conflict and ours' type is kept.
        base = _normalize_cell({"cell_type": "", "source": "", "metadata": {}, "id": cid})
    if theirs == base:
        return copy.deepcopy(ours)
    if ours == base:
        return copy.deepcopy(theirs)

    merged: dict = {"id": cid}

    # Cell type.
    ctype = ours["cell_type"]
    if theirs["cell_type"] != ours["cell_type"]:
        if ours["cell_type"] == base["cell_type"]:
            ctype = theirs["cell_type"]
        elif theirs["cell_type"] != base["cell_type"]:
            conflicts.append(
                MergeConflict(
                    cid,
                    "metadata",
                    f"cell type: both sides changed it; kept {ours_label}'s {ours['cell_type']!r}, "
                    f"{theirs_label} had {theirs['cell_type']!r}",
                )
            )
    merged["cell_type"] = ctype

    # Metadata.
    metadata, md_conflicts = merge_mapping(
        base.get("metadata", {}), theirs.get("metadata", {}), ours.get("metadata", {})
    )
    merged["metadata"] = metadata
    conflicts.extend(_value_conflicts(cid, "metadata", "metadata", md_conflicts, theirs_label, ours_label))

    # Source.
    src = merge_text(
        base["source"], theirs["source"], ours["source"], theirs_label=theirs_label, ours_label=ours_label
    )
    merged["source"] = src.text
    if src.conflicted:
        conflicts.append(
            MergeConflict(
                cid,
                "source",
                f"source: both sides changed the same lines; both versions are kept between "
                f"'<<<<<<< {ours_label}' and '>>>>>>> {theirs_label}' markers",
            )
        )

    # Attachments (markdown and raw cells): merged like metadata.
    if ctype != "code" and any("attachments" in c for c in (base, theirs, ours)):
        attachments, att_conflicts = merge_mapping(
            base.get("attachments") or {}, theirs.get("attachments") or {}, ours.get("attachments") or {}
        )
        if attachments:
            merged["attachments"] = attachments
        conflicts.extend(
            _value_conflicts(cid, "metadata", "attachment", att_conflicts, theirs_label, ours_label)
        )

    # Outputs and execution count follow the source they belong to.
    if ctype == "code":
        t_src = theirs["source"] != base["source"]
        o_src = ours["source"] != base["source"]
        t_res = _results(theirs) if theirs["cell_type"] == "code" else ([], None)
        o_res = _results(ours) if ours["cell_type"] == "code" else ([], None)
        b_res = _results(base) if base["cell_type"] == "code" else ([], None)
        if t_src and not o_src:
            results = t_res
        elif o_src and not t_src:
            results = o_res
        elif t_res != b_res and o_res == b_res and not o_src:
            results = t_res
        else:
            results = o_res
            if t_res != b_res and o_res != b_res and t_res != o_res:
                conflicts.append(
                    MergeConflict(
                        cid,
                        "outputs",
                        f"outputs: both sides changed them; kept {ours_label}'s "
                        f"(execution count {o_res[1]}), {theirs_label}'s were dropped "
                        f"(execution count {t_res[1]}, {len(t_res[0])} outputs)",
                    )
                )
        merged["execution_count"] = results[1]
        merged["outputs"] = copy.deepcopy(results[0])

    return _normalize_cell(merged)


# ---------------------------------------------------------------------------------------------------
# Notebook


def merge_notebooks(
    base: dict, theirs: dict, ours: dict, *, theirs_label: str = "theirs", ours_label: str = "ours"
) -> MergeResult:
    """Merge `theirs`' changes since `base` into `ours` (the live room). See the module docstring."""
    base, theirs, ours = _prepare(base, theirs, ours)
    conflicts: list[MergeConflict] = []

    b_cells = {c["id"]: c for c in base["cells"]}
    t_cells = {c["id"]: c for c in theirs["cells"]}
    o_cells = {c["id"]: c for c in ours["cells"]}
    b_ids = [c["id"] for c in base["cells"]]
    t_ids = [c["id"] for c in theirs["cells"]]
    o_ids = [c["id"] for c in ours["cells"]]

    keep: set[str] = set()
    for cid in o_ids + [c for c in t_ids if c not in o_cells]:
        b, t, o = b_cells.get(cid), t_cells.get(cid), o_cells.get(cid)
        if b is None or (t is not None and o is not None):
            keep.add(cid)  # added on a side, or present on both
            continue
        # Deleted on one side: kept only if the other side edited it.
        survivor, deleter, editor = (
            (o, theirs_label, ours_label) if t is None else (t, ours_label, theirs_label)
        )
        if _content(survivor) != _content(b):
            keep.add(cid)
            conflicts.append(
                MergeConflict(
                    cid,
                    "delete-vs-edit",
                    f"{deleter} deleted this cell, {editor} edited it: kept with the edit",
                )
            )

    order = merge_order(b_ids, t_ids, o_ids, keep)
    cell_conflicts: dict[str, list[MergeConflict]] = {}
    cells = []
    for cid in order:
        b, t, o = b_cells.get(cid), t_cells.get(cid), o_cells.get(cid)
        found: list[MergeConflict] = []
        if t is not None and o is not None:
            cell = _merge_cell(cid, b, t, o, found, theirs_label, ours_label)
        else:
            cell = copy.deepcopy(o if o is not None else t)
        cell_conflicts[cid] = found
        cells.append(cell)

    # Conflicts in notebook order: deletions first for their cell, then the cell's own.
    ordered: list[MergeConflict] = []
    for cid in order:
        ordered.extend(c for c in conflicts if c.cell_id == cid)
        ordered.extend(cell_conflicts[cid])

    metadata, md_conflicts = merge_mapping(base["metadata"], theirs["metadata"], ours["metadata"])
    nb_conflicts = _value_conflicts(
        None, "notebook-metadata", "notebook metadata", md_conflicts, theirs_label, ours_label
    )

    notebook = {
        "cells": cells,
        "metadata": metadata,
        "nbformat": 4,
        "nbformat_minor": max(5, theirs["nbformat_minor"], ours["nbformat_minor"]),
    }
    return MergeResult(notebook=notebook, conflicts=nb_conflicts + ordered, changed=notebook != ours)
