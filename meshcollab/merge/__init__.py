"""Notebook-aware three-way merge, and its application to a live room's Y document.

A pure library (no I/O, no event loop):

- `merge_notebooks(base, theirs, ours)`: cell-by-cell three-way merge (rules in `notebook`).
- `ensure_cell_ids(nb)`: deterministic ids for cells that have none.
- `apply_notebook(ydoc, target)`: minimal Y operations turning a YNotebook document into `target`.
- `read_notebook(ydoc)`: the room's notebook with every cell id (to use as "ours").
- `cell_diff(a, b)`: a cell-level diff for previews.

Where nbdime is used (cell alignment for notebooks without ids) and why its merge is not: see the
`notebook` module's docstring.
"""

from .ids import ensure_cell_ids
from .notebook import MergeConflict, MergeResult, merge_notebooks, normalize_notebook
from .preview import CellChange, cell_diff
from .text import TextMerge, merge_text
from .ydoc import apply_notebook, read_notebook

__all__ = [
    "CellChange",
    "MergeConflict",
    "MergeResult",
    "TextMerge",
    "apply_notebook",
    "cell_diff",
    "ensure_cell_ids",
    "merge_notebooks",
    "merge_text",
    "normalize_notebook",
    "read_notebook",
]
