"""A cell-level diff of two notebooks, for previews of a merge: what applying `b` over `a` would do."""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher, unified_diff

from .ids import carry_ids, ensure_cell_ids, has_all_ids
from .notebook import normalize_notebook

CHANGE_KINDS = ("added", "removed", "moved", "modified")


@dataclass(frozen=True)
class CellChange:
    kind: str
    """"added", "removed", "moved" (same content, new place) or "modified" (`moved` says if it also moved)."""
    cell_id: str
    cell_type: str
    old_index: int | None
    """Position in `a` (None for an added cell)."""
    new_index: int | None
    """Position in `b` (None for a removed cell)."""
    fields: list[str] = field(default_factory=list)
    """For "modified": which of source, cell_type, metadata, outputs, execution_count, attachments changed."""
    source_diff: str = ""
    """For "modified" with a source change: a unified diff of the source (for "added"/"removed": empty)."""
    moved: bool = False
    source: str = ""
    """For "added" and "removed": the cell's source, so a preview can show what comes or goes."""

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "cell_id": self.cell_id,
            "cell_type": self.cell_type,
            "old_index": self.old_index,
            "new_index": self.new_index,
            "fields": list(self.fields),
            "source_diff": self.source_diff,
            "moved": self.moved,
            "source": self.source,
        }


_FIELDS = ("source", "cell_type", "metadata", "outputs", "execution_count", "attachments")


def cell_diff(a: dict, b: dict) -> list[CellChange]:
    """The changes from notebook `a` to notebook `b`, cell by cell (matched by id), in `b`'s order with
    each removed cell after the cell that preceded it in `a`. Unchanged cells are not listed."""
    a = ensure_cell_ids(normalize_notebook(a))
    b = normalize_notebook(b)
    b = b if has_all_ids(b) else carry_ids(a, b)  # cells without ids: matched to a's by content
    a_cells, b_cells = a["cells"], b["cells"]
    a_index = {c["id"]: i for i, c in enumerate(a_cells)}
    b_index = {c["id"]: i for i, c in enumerate(b_cells)}
    common_a = [c["id"] for c in a_cells if c["id"] in b_index]
    common_b = [c["id"] for c in b_cells if c["id"] in a_index]
    stay: set[str] = set()
    for i, _j, size in SequenceMatcher(None, common_a, common_b, autojunk=False).get_matching_blocks():
        stay.update(common_a[i : i + size])

    keyed: list[tuple[tuple[int, int, int], CellChange]] = []
    for j, cell in enumerate(b_cells):
        cid = cell["id"]
        if cid not in a_index:
            keyed.append(((j, 0, 0), CellChange("added", cid, cell["cell_type"], None, j, source=cell["source"])))
            continue
        old = a_cells[a_index[cid]]
        moved = cid not in stay
        fields = [f for f in _FIELDS if old.get(f) != cell.get(f)]
        if fields:
            diff = ""
            if "source" in fields:
                diff = "".join(
                    _ended(
                        unified_diff(
                            old["source"].splitlines(True),
                            cell["source"].splitlines(True),
                            f"a/{cid}",
                            f"b/{cid}",
                        )
                    )
                )
            change = CellChange("modified", cid, cell["cell_type"], a_index[cid], j, fields, diff, moved)
            keyed.append(((j, 0, 0), change))
        elif moved:
            keyed.append(
                ((j, 0, 0), CellChange("moved", cid, cell["cell_type"], a_index[cid], j, moved=True))
            )

    # A removed cell goes after the cell before it in `a` that is still in `b` (or first).
    anchor = -1
    for i, cell in enumerate(a_cells):
        cid = cell["id"]
        if cid in b_index:
            anchor = b_index[cid]
        else:
            keyed.append(((anchor, 1, i), CellChange("removed", cid, cell["cell_type"], i, None, source=cell["source"])))
    keyed.sort(key=lambda item: item[0])
    return [change for _key, change in keyed]


def _ended(lines):
    for line in lines:
        yield line if line.endswith("\n") else line + "\n"
