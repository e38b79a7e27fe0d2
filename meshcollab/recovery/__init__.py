"""Bringing edits into a live room when its Y history cannot carry them (README.md).

- `live.py`: `merge_into_room(doc, base, theirs)`: the three-way notebook merge with the live room as
  "ours", applied to the room's document as minimal Y operations.
- `payload.py`: a client's document (a Y update of any history, or notebook JSON) → a notebook.
- `notices.py`: the RAW notice clients of the room get when something was merged into it.
"""

from .live import MergeOutcome, conflict_json, merge_into_room
from .notices import merged
from .payload import BadDocument, notebook_from_payload, notebook_from_update

__all__ = [
    "BadDocument",
    "MergeOutcome",
    "conflict_json",
    "merge_into_room",
    "merged",
    "notebook_from_payload",
    "notebook_from_update",
]
