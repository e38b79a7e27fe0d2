"""A client's document as a notebook: a Y update (of any history: it is rebuilt in a scratch
document, never applied to a room) or notebook JSON."""

from __future__ import annotations

import base64
import binascii

from pycrdt import Doc

from meshcollab.merge import read_notebook


class BadDocument(ValueError):
    """What a client sent is not a document we can read; the message says why."""


def notebook_from_update(update: bytes, what: str = "the document") -> dict:
    """The notebook a Y update (a whole document's state, e.g. `Y.encodeStateAsUpdate(doc)`) holds."""
    doc = Doc()
    try:
        doc.apply_update(update)
        notebook = read_notebook(doc)  # with cell ids even where nbformat_minor < 5
    except Exception as error:  # noqa: BLE001 - a client can send any bytes
        raise BadDocument(f"{what} is not a Y update of a notebook: {error}") from None
    return _checked(notebook, what)


def notebook_from_payload(payload: object, what: str = "the document") -> dict:
    """`{"update": "<base64 Y update>"}` or `{"notebook": {...nbformat 4...}}` → a notebook."""
    if not isinstance(payload, dict):
        raise BadDocument(f'{what} must be an object: {{"update": base64}} or {{"notebook": {{...}}}}')
    if "update" in payload:
        return notebook_from_update(decode_update(payload["update"], what), what)
    if "notebook" in payload:
        return _checked(payload["notebook"], what)
    raise BadDocument(f'{what} needs "update" (a base64 Y update) or "notebook" (nbformat 4 JSON)')


def decode_update(value: object, what: str = "the document") -> bytes:
    if not isinstance(value, str):
        raise BadDocument(f'{what}: "update" must be a base64 string')
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise BadDocument(f'{what}: "update" is not valid base64') from None


def _checked(notebook: object, what: str) -> dict:
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise BadDocument(f"{what} is not a notebook (no list of cells)")
    notebook = {"metadata": {}, "nbformat": 4, "nbformat_minor": 5, **notebook}
    if notebook.get("nbformat") != 4:
        raise BadDocument(f"{what} is nbformat {notebook.get('nbformat')}; only nbformat 4 is merged")
    for index, cell in enumerate(notebook["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            raise BadDocument(f"{what}: cell {index} is not a notebook cell")
        source = cell.get("source", "")
        if isinstance(source, list):
            cell["source"] = "".join(str(line) for line in source)
    return notebook  # merged as it is: the room's snapshot is validated before it is written
