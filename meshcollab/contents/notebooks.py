"""Notebooks in CS3 as nbformat documents: read one (with what validation found), write one.

Used by the contents manager and by the rooms, which address a notebook by its resource id. Parsing
and serializing run in a worker thread: a large notebook takes long enough to stall the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import nbformat
from nbformat import NotebookNode

from meshcollab.cs3 import CS3Session, Resource, Target


class UnreadableNotebook(ValueError):
    """The file is not a notebook nbformat can read (not UTF-8, not JSON, not nbformat)."""


@dataclass(frozen=True)
class NotebookRead:
    """A notebook as read from CS3: the document, the raw bytes, and the validation error, if any
    (a notebook that does not validate is still returned, as Jupyter does, with the error)."""

    notebook: NotebookNode
    raw: bytes
    validation_error: Exception | None = None


def parse_notebook(raw: bytes) -> NotebookRead:
    """Parse nbformat JSON (upgraded to nbformat 4); UnreadableNotebook if it cannot be."""
    captured: dict[str, Any] = {}
    try:
        text = raw.decode("utf-8")
        notebook = nbformat.reads(text, as_version=4, capture_validation_error=captured)
    except Exception as error:  # nbformat raises many kinds: JSON, reader, conversion errors
        raise UnreadableNotebook(f"{type(error).__name__}: {error}") from error
    return NotebookRead(notebook=notebook, raw=raw, validation_error=captured.get("ValidationError"))


def serialize_notebook(notebook: dict | NotebookNode) -> tuple[bytes, Exception | None]:
    """The notebook as nbformat JSON bytes, and the validation error, if any (it is written anyway,
    as the stock manager does: losing the user's work would be worse)."""
    node = nbformat.from_dict(notebook)
    captured: dict[str, Any] = {}
    text = nbformat.writes(node, version=nbformat.NO_CONVERT, capture_validation_error=captured)
    if not text.endswith("\n"):
        text += "\n"
    return text.encode("utf-8"), captured.get("ValidationError")


async def read_notebook(session: CS3Session, target: Target) -> NotebookRead:
    """Download and parse the notebook at `target` (a path, ResourceId, Reference or Resource)."""
    raw = await session.files.read_bytes(target)
    return await anyio.to_thread.run_sync(parse_notebook, raw)


async def write_notebook(
    session: CS3Session,
    target: Target,
    notebook: dict | NotebookNode,
    *,
    lock_id: str = "",
    if_match: str | None = None,
) -> tuple[Resource, Exception | None]:
    """Serialize and upload `notebook` to `target`; the file's new state and the validation error, if any."""
    data, validation_error = await anyio.to_thread.run_sync(serialize_notebook, notebook)
    resource = await session.files.write(target, data, lock_id=lock_id, if_match=if_match)
    return resource, validation_error
