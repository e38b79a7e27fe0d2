"""Bringing edits into a live room when its Y history cannot carry them (README.md).

- `live.py`: `merge_into_room(doc, base, theirs)`: the three-way notebook merge with the live room as
  "ours", applied to the room's document as minimal Y operations.
- `payload.py`: a client's document (a Y update of any history, or notebook JSON) → a notebook.
- `notices.py`: the RAW notices clients of the room get when something was merged into it (`merged`) or
  an earlier version of the file was restored in it (`restored`).
"""

from .live import MergeOutcome, conflict_json, merge_into_room
from .notices import merged, restored
from .payload import BadDocument, notebook_from_payload, notebook_from_update

__all__ = [
    "BadDocument",
    "MergeOutcome",
    "conflict_json",
    "merge_into_room",
    "merged",
    "restored",
    "notebook_from_payload",
    "notebook_from_update",
]
