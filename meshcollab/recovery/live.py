"""The three-way notebook merge into a live room: base, theirs, and the room's document as "ours".

The room's document changes while we work (clients type), and `apply_notebook` turns the document
into the merged notebook: a change made between reading "ours" and applying the result would be
undone. So the merge runs on a copy of "ours" in a worker thread and is applied only if the document
did not change meanwhile (same state vector); otherwise it runs again, and the last attempt runs on
the event loop, where nothing can come in between reading and applying.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import anyio
from pycrdt import Doc

ATTEMPTS_OFF_LOOP = 3


class RoomGone(RuntimeError):
    """The room began closing before the merge could be applied; load it again and retry."""


@dataclass(frozen=True)
class MergeOutcome:
    """What a merge into the room did: `ours` is the room before, `notebook` the room after."""

    ours: dict
    notebook: dict
    conflicts: list
    changed: bool

    def conflicts_json(self) -> list[dict]:
        return [conflict_json(conflict) for conflict in self.conflicts]


def conflict_json(conflict: object) -> dict:
    """A merge conflict as JSON (whatever shape the merge engine gives it)."""
    to_json = getattr(conflict, "to_json", None)
    if callable(to_json):
        return to_json()
    if dataclasses.is_dataclass(conflict):
        return json_safe(dataclasses.asdict(conflict))
    return {"description": str(conflict)}


def json_safe(value: object) -> object:
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _merge(base: dict, theirs: dict, ours: dict, theirs_label: str, ours_label: str):
    from meshcollab.merge import ensure_cell_ids, merge_notebooks

    return merge_notebooks(
        ensure_cell_ids(base),
        ensure_cell_ids(theirs),
        ours,
        theirs_label=theirs_label,
        ours_label=ours_label,
    )


async def merge_into_room(
    doc: Doc,
    base: dict,
    theirs: dict,
    *,
    theirs_label: str = "theirs",
    ours_label: str = "room",
    apply: bool = True,
    can_apply: Callable[[], bool] = lambda: True,
) -> MergeOutcome:
    """Merge `theirs` (changed from `base`) into the room's notebook `doc` and, with `apply`, make
    the document the merged notebook (minimal Y operations: other clients keep their cursors).
    With `apply=False` it is a preview: the document is left as it is. `can_apply` is asked right
    before applying (e.g. the room is not closing); if it says no, `RoomGone` is raised."""
    from meshcollab.merge import apply_notebook, read_notebook

    for attempt in range(ATTEMPTS_OFF_LOOP + 1):
        state = doc.get_state()
        ours = read_notebook(doc)  # with every cell id, whatever nbformat_minor says
        if attempt < ATTEMPTS_OFF_LOOP:
            result = await anyio.to_thread.run_sync(_merge, base, theirs, ours, theirs_label, ours_label)
            if doc.get_state() != state:
                continue  # the room changed meanwhile: merge again with what it is now
        else:
            result = _merge(base, theirs, ours, theirs_label, ours_label)
        if apply and result.changed:
            if not can_apply():
                raise RoomGone("the room is closing")
            apply_notebook(doc, result.notebook)
        return MergeOutcome(ours, result.notebook, list(result.conflicts), result.changed)
    raise AssertionError("unreachable")


def replace_document(doc: Doc, kind: str, content: dict | str) -> None:
    """Make a room's document `content`, a notebook (`kind` "notebook") or the text of a text file
    ("file"), by minimal Y operations in one transaction: other clients keep their cursors and
    whatever did not change. Call it on the event loop (nothing may come in between)."""
    from pycrdt import Text

    from meshcollab.merge import apply_notebook, ensure_cell_ids
    from meshcollab.merge.ydoc import set_text

    if kind == "notebook":
        apply_notebook(doc, ensure_cell_ids(content))
        return
    with doc.transaction():
        set_text(doc.get("source", type=Text), content)
