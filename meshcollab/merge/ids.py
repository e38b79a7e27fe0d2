"""Cell ids for notebooks that have none (nbformat < 4.5), and for sides of a merge that lost them.

`ensure_cell_ids` derives an id from the cell's type and source and the count of identical cells
before it, so the same notebook gets the same ids wherever it is read, and inserting a cell does not
shift the ids of the others (a position-derived id would). Duplicate ids are made unique the same way.

`carry_ids` is what the merge uses for a side without ids: it aligns that side's cells with the base
(whose ids it knows) and gives each matched cell the base cell's id, so an edited cell is recognised
as the same cell rather than as one deleted and one inserted. The alignment is nbdime's: its
multilevel cell matching (approximate, then moderate, then strict comparison of source and outputs)
is exactly the heuristic needed here, and well tested.
"""

from __future__ import annotations

import copy
import hashlib
import re
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


def has_all_ids(nb: dict) -> bool:
    ids = [c.get("id") for c in nb.get("cells") or []]
    return all(isinstance(i, str) and _VALID_ID.match(i) for i in ids) and len(set(ids)) == len(ids)


def _cell_pairs(base_cells: list[dict], side_cells: list[dict]) -> list[tuple[int, int]]:
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


def carry_ids(base: dict, side: dict) -> dict:
    """A copy of `side` with ids on every cell: cells lacking one take the id of the base cell they
    match (`base` must have ids), the rest get `ensure_cell_ids`' derived ids."""
    if has_all_ids(side):
        return copy.deepcopy(side)
    out = copy.deepcopy(side)
    cells = out.get("cells") or []
    base_cells = base.get("cells") or []
    own = {c.get("id") for c in cells if isinstance(c.get("id"), str) and _VALID_ID.match(c["id"])}
    used: set[str] = set(own)
    for i, j in _cell_pairs(base_cells, cells):
        cell = cells[j]
        cid = cell.get("id")
        if isinstance(cid, str) and _VALID_ID.match(cid):
            continue
        bid = base_cells[i]["id"]
        if bid in used or cell.get("cell_type") != base_cells[i].get("cell_type"):
            continue
        cell["id"] = bid
        used.add(bid)
    return ensure_cell_ids(out)
