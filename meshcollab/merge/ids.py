"""Cell ids for notebooks that have none (nbformat < 4.5), and for sides of a merge that lost them.

`ensure_cell_ids` derives an id from the cell's type and source and the count of identical cells
before it, so the same notebook gets the same ids wherever it is read, and inserting a cell does not
shift the ids of the others (a position-derived id would). Duplicate ids are made unique the same way.

`carry_ids` is what the merge uses when ids do not match across its inputs: a side without ids, or
whose ids are all foreign (a room re-created from a file without ids gives its cells new uuids). It
aligns that side's cells with a reference notebook whose ids count and gives each matched cell the
reference cell's id, so an edited cell is recognised as the same cell rather than as one deleted and
one inserted. Identical cells are paired first (difflib); between them, nbdime's multilevel cell
matching (approximate, then moderate, then strict comparison of source and outputs) is the heuristic
needed here, and well tested; what it leaves unpaired in a gap with as many cells on both sides is
paired by position.
"""

from __future__ import annotations

import copy
import hashlib
import re
from difflib import SequenceMatcher
from typing import Any

import nbformat
from nbdime.diffing.generic import diff_sequence_multilevel
from nbdime.diffing.notebooks import notebook_config

_VALID_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def source_text(source: Any) -> str:
    """A cell's source as one string (nbformat allows a list of lines on disk)."""
    if isinstance(source, list):
        return "".join(source)
    return source if isinstance(source, str) else ""


def _derived_id(*parts: str) -> str:
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:16]


def _unique(candidate: str, taken: set[str]) -> str:
    if candidate not in taken:
        return candidate
    n = 1
    while f"{candidate}-{n}" in taken:
        n += 1
    return f"{candidate}-{n}"


def ensure_cell_ids(nb: dict) -> dict:
    """A copy of `nb` whose cells all have a valid, unique id; cells that had one keep it.

    Missing (or invalid, or duplicate) ids are derived from the cell type, the source and how many
    identical cells come before: deterministic, and independent of the other cells.
    """
    out = copy.deepcopy(nb)
    cells = out.get("cells") or []
    taken = {c["id"] for c in cells if isinstance(c.get("id"), str) and _VALID_ID.match(c["id"])}
    seen: set[str] = set()
    occurrences: dict[tuple[str, str], int] = {}
    for cell in cells:
        key = (str(cell.get("cell_type", "")), source_text(cell.get("source", "")))
        n = occurrences.get(key, 0)
        occurrences[key] = n + 1
        cid = cell.get("id")
        if isinstance(cid, str) and _VALID_ID.match(cid) and cid not in seen:
            seen.add(cid)
            continue
        new = _unique(_derived_id(key[0], key[1], str(n), cid if isinstance(cid, str) else ""), taken)
        taken.add(new)
        seen.add(new)
        cell["id"] = new
    return out


def strip_derived_ids(nb: dict) -> dict:
    """A copy of `nb` without the ids that `ensure_cell_ids` derived from the cells' content.

    Such an id names content, not a cell: the same cell edited would have another. The merge drops
    them and finds those cells by alignment instead, so passing it notebooks that went through
    `ensure_cell_ids` first gives the same result as passing them without ids.
    """
    out = copy.deepcopy(nb)
    occurrences: dict[tuple[str, str], int] = {}
    for cell in out.get("cells") or []:
        key = (str(cell.get("cell_type", "")), source_text(cell.get("source", "")))
        n = occurrences.get(key, 0)
        occurrences[key] = n + 1
        if cell.get("id") == _derived_id(key[0], key[1], str(n), ""):
            del cell["id"]
    return out


def has_all_ids(nb: dict) -> bool:
    ids = [c.get("id") for c in nb.get("cells") or []]
    return all(isinstance(i, str) and _VALID_ID.match(i) for i in ids) and len(set(ids)) == len(ids)


# nbdime compares every cell of a gap with every other, with costly comparisons: in gaps larger than this
# (cells on one side times cells on the other) it is not asked, rather than block the caller.
_ALIGN_GAP_LIMIT = 2_500


def _cell_pairs(base_cells: list[dict], side_cells: list[dict]) -> list[tuple[int, int]]:
    """(base index, side index) of the cells that correspond: identical cells first (difflib on type
    and source), then in each gap between them the cells nbdime's notebook diff matches, then what is
    left of a gap with as many cells on both sides, by position (nbdime is strict with short sources:
    it does not match ``print(x)`` with ``print(x, y)``; a cell edited in place is the likelier story)."""
    keys_a = [(c.get("cell_type"), source_text(c.get("source", ""))) for c in base_cells]
    keys_b = [(c.get("cell_type"), source_text(c.get("source", ""))) for c in side_cells]
    pairs: list[tuple[int, int]] = []
    i = j = 0
    for a, b, size in SequenceMatcher(None, keys_a, keys_b, autojunk=False).get_matching_blocks():
        if a > i and b > j:
            gap_a, gap_b = base_cells[i:a], side_cells[j:b]
            # One cell against one: position decides anyway, nbdime need not be asked.
            found = _nbdime_pairs(gap_a, gap_b) if 1 < len(gap_a) * len(gap_b) <= _ALIGN_GAP_LIMIT else []
            pi = pj = 0
            for x, y in [*found, (len(gap_a), len(gap_b))]:
                if x - pi == y - pj:  # as many cells left on both sides between two matches
                    pairs.extend(
                        (i + pi + k, j + pj + k)
                        for k in range(x - pi)
                        if gap_a[pi + k].get("cell_type") == gap_b[pj + k].get("cell_type")
                    )
                if x < len(gap_a):
                    pairs.append((i + x, j + y))
                pi, pj = x + 1, y + 1
        pairs.extend((a + k, b + k) for k in range(size))
        i, j = a + size, b + size
    return pairs


def _nbdime_pairs(base_cells: list[dict], side_cells: list[dict]) -> list[tuple[int, int]]:
    """(base index, side index) of the cells nbdime's notebook diff matches to each other."""
    a = [nbformat.from_dict(_comparable(c)) for c in base_cells]
    b = [nbformat.from_dict(_comparable(c)) for c in side_cells]
    entries = diff_sequence_multilevel(a, b, path="/cells", config=notebook_config)
    order = {"addrange": 0, "removerange": 1, "patch": 1}
    entries = sorted(entries, key=lambda e: (e["key"], order.get(e["op"], 2)))
    pairs = []
    i = j = 0
    for e in entries:
        while i < e["key"]:
            pairs.append((i, j))
            i += 1
            j += 1
        if e["op"] == "addrange":
            j += len(e["valuelist"])
        elif e["op"] == "removerange":
            i += e["length"]
        elif e["op"] == "patch":
            pairs.append((i, j))
            i += 1
            j += 1
    while i < len(a) and j < len(b):
        pairs.append((i, j))
        i += 1
        j += 1
    return pairs


def _comparable(cell: dict) -> dict:
    """The cell as nbdime's matching expects it: no id (it would compare ids first), source a str."""
    c = {k: v for k, v in cell.items() if k != "id"}
    c["source"] = source_text(c.get("source", ""))
    c.setdefault("metadata", {})
    if c.get("cell_type") == "code":
        c.setdefault("outputs", [])
    return c


def carry_ids(reference: dict, side: dict, *, replace: bool = False) -> dict:
    """A copy of `side` with ids on every cell: cells lacking one take the id of the `reference` cell
    they match (`reference` must have ids), the rest get `ensure_cell_ids`' derived ids. With
    `replace`, matched cells take the reference's id even if they had their own."""
    return carry_ids_renaming(reference, side, replace=replace)[0]


def carry_ids_renaming(reference: dict, side: dict, *, replace: bool = False) -> tuple[dict, dict[str, str]]:
    """`carry_ids`, also returning the ids it replaced (old id -> new id)."""
    out = copy.deepcopy(side)
    cells = out.get("cells") or []
    if not replace and has_all_ids(side):
        return out, {}
    ref_cells = reference.get("cells") or []
    valid = [isinstance(c.get("id"), str) and bool(_VALID_ID.match(c["id"])) for c in cells]
    pairs = [
        (i, j)
        for i, j in _cell_pairs(ref_cells, cells)
        if cells[j].get("cell_type") == ref_cells[i].get("cell_type") and (replace or not valid[j])
    ]
    matched = {j for _i, j in pairs}
    used = {c["id"] for j, c in enumerate(cells) if valid[j] and j not in matched}
    renames: dict[str, str] = {}
    for i, j in pairs:
        rid = ref_cells[i]["id"]
        if rid in used:
            continue
        if valid[j] and cells[j]["id"] != rid:
            renames[cells[j]["id"]] = rid
        cells[j]["id"] = rid
        used.add(rid)
    return ensure_cell_ids(out), renames


def shares_ids(a: dict, b: dict) -> bool:
    """True when the notebooks have a cell id in common, or one of them has no cells."""
    a_ids = {c.get("id") for c in a.get("cells") or []}
    b_ids = {c.get("id") for c in b.get("cells") or []}
    return not a_ids or not b_ids or bool((a_ids & b_ids) - {None})
