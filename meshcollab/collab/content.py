"""A room's document ↔ the bytes of its file: notebooks as nbformat 4 JSON, text files as UTF-8.

Loading refuses what is not a valid notebook (a room must not be served empty in its place: the
next snapshot would overwrite the file with nothing). Snapshots are validated before they leave:
an invalid state is reported, never written. Parsing, validating and serialising, which take long on
large notebooks, run in worker threads, never on the event loop.
"""

from __future__ import annotations

import hashlib
import json

import anyio
import nbformat
from jupyter_ydoc import YNotebook, YUnicode
from pycrdt import Decoder, Doc

from .roomfile import RoomFile


class InvalidContent(ValueError):
    """The file, or the room's state, is not a valid document of its kind; the message says why."""


def prepare() -> None:
    """Compile nbformat's validator for current notebooks ahead of the first room that needs it."""
    nbformat.validator.get_validator(version=4, version_minor=nbformat.v4.nbformat_minor)


def parse_notebook(data: bytes, described: str = "the file") -> dict:
    """The notebook in `data` as plain dicts and lists in nbformat 4.5 (older notebooks upgraded, cell
    ids added), as nbformat's reader makes it; an empty file is a new empty notebook. InvalidContent
    for anything that is not a valid notebook."""
    if not data.strip():
        return _plain(nbformat.v4.new_notebook())
    try:
        text = data.decode("utf-8")
        loaded = json.loads(text)
    except (UnicodeDecodeError, ValueError) as error:
        raise InvalidContent(f"{described} is not a notebook (not JSON): {error}") from None
    if not _is_current(loaded):
        return _converted(text, described)
    # A current notebook is read here rather than by nbformat.reads, which first turns every value
    # (each line of each output) into an attribute dict: most of the time a large notebook took.
    _drop_transient_fields(loaded)
    _validate(loaded, described)
    _rejoin_lines(loaded)
    return loaded


def _is_current(loaded: object) -> bool:
    """nbformat 4.5 or later: nothing to convert or upgrade."""
    if not isinstance(loaded, dict) or loaded.get("nbformat") != 4:
        return False
    minor = loaded.get("nbformat_minor")
    return isinstance(minor, int) and minor >= 5


def _converted(text: str, described: str) -> dict:
    """An older notebook (nbformat 3, or 4 before cell ids), read and upgraded by nbformat."""
    invalid: dict = {}  # nbformat.reads validates once; its error, if any, lands here
    try:
        notebook = nbformat.reads(text, as_version=4, capture_validation_error=invalid)
    except nbformat.ValidationError as error:
        raise InvalidContent(f"{described} is not a valid notebook: {error.message}") from None
    except Exception as error:  # noqa: BLE001 - nbformat raises what it meets (KeyError, AssertionError...) on a broken structure
        raise InvalidContent(f"{described} is not a valid notebook: {str(error) or repr(error)}") from None
    if notebook.get("nbformat") != 4:
        raise InvalidContent(f"{described} is nbformat {notebook.get('nbformat')}, which cannot be read as 4")
    if invalid:
        raise InvalidContent(_reason(invalid["ValidationError"], described))
    notebook = _plain(notebook)
    if notebook.get("nbformat_minor", 0) < 5:
        _add_cell_ids(notebook)
        _validate(notebook, described)
    return notebook


def _drop_transient_fields(notebook: dict) -> None:
    """What nbformat's reader drops before validating: a signature, cells' trusted flags. The
    notebook is not validated yet, so nothing in it is assumed."""
    metadata = notebook.get("metadata")
    if isinstance(metadata, dict):
        for key in ("orig_nbformat", "orig_nbformat_minor", "signature"):
            metadata.pop(key, None)
    cells = notebook.get("cells")
    for cell in cells if isinstance(cells, list) else ():
        if isinstance(cell, dict) and isinstance(cell.get("metadata"), dict):
            cell["metadata"].pop("trusted", None)


def _rejoin_lines(notebook: dict) -> None:
    """Multi-line strings that the file holds as lists of lines become strings, as nbformat's reader
    makes them (JupyterLab's shared model holds strings). The notebook is valid: its shape is known."""
    for cell in notebook["cells"]:
        cell["source"] = _joined(cell["source"])
        for bundle in cell.get("attachments", {}).values():
            _rejoin_bundle(bundle)
        for output in cell.get("outputs", ()):
            if output["output_type"] in ("execute_result", "display_data"):
                _rejoin_bundle(output["data"])
            elif "text" in output:
                output["text"] = _joined(output["text"])


def _rejoin_bundle(bundle: dict) -> None:
    for mime, value in bundle.items():
        is_json = mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))
        if not is_json and isinstance(value, list) and all(isinstance(line, str) for line in value):
            bundle[mime] = "".join(value)


def _joined(text: str | list[str]) -> str:
    return "".join(text) if isinstance(text, list) else text


def _plain(notebook: dict) -> dict:
    """A NotebookNode as plain dicts and lists (what the shared model, the merge and JSON take)."""
    return json.loads(json.dumps(notebook))


async def load(doc: Doc, file: RoomFile, data: bytes, described: str = "the file") -> None:
    """Fill an empty room document from the file's bytes (a notebook is parsed in a worker thread)."""
    if file.is_notebook:
        YNotebook(doc).set(await anyio.to_thread.run_sync(parse_notebook, data, described))
    else:
        try:
            YUnicode(doc).set(data.decode("utf-8"))
        except UnicodeDecodeError as error:
            raise InvalidContent(f"{described} is not UTF-8 text: {error}") from None


def mark_saved(doc: Doc, file: RoomFile) -> bool:
    """Say in the document that its file holds it: the shared state's `dirty` flag, which
    JupyterLab sets when it changes the document and shows as the tab's unsaved marker, goes back to
    false (as jupyter-collaboration's server does after a save). True if the flag changed."""
    shared = YNotebook(doc) if file.is_notebook else YUnicode(doc)
    if not shared.dirty:
        return False
    shared.dirty = False
    return True


def state_of(doc: Doc) -> bytes:
    """A digest of the document's state: its state vector and delete set, in a canonical order (yrs
    encodes both from hash maps), cheap to take however large the document. The same state means the
    same content, so a snapshot need not be made again to know; the converse does not hold (an edit
    undone is a new state)."""
    state_vector = doc.get_state()
    reader = Decoder(state_vector)
    clocks = sorted((reader.read_var_uint(), reader.read_var_uint()) for _ in range(reader.read_var_uint()))
    reader = Decoder(doc.get_update(state_vector))  # no items past the state vector: the delete set
    reader.read_var_uint()
    deleted = sorted((reader.read_var_uint(), _ranges(reader)) for _ in range(reader.read_var_uint()))
    return hashlib.sha256(repr((clocks, deleted)).encode()).digest()


def _ranges(reader: Decoder) -> list[tuple[int, int]]:
    """A client's deleted (clock, length) ranges, as sorted and disjoint [start, end) ranges."""
    ranges = [(reader.read_var_uint(), reader.read_var_uint()) for _ in range(reader.read_var_uint())]
    merged: list[list[int]] = []
    for start, length in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], start + length)
        else:
            merged.append([start, start + length])
    return [(start, end) for start, end in merged]


async def snapshot(doc: Doc, file: RoomFile) -> bytes:
    """The room's document as the bytes of its file; InvalidContent if it is not a valid notebook.

    The document is read at once (one consistent state); validating and serialising, which take
    long on large notebooks, run in a worker thread on that copy."""
    if not file.is_notebook:
        return YUnicode(doc).get().encode("utf-8")
    try:
        notebook = YNotebook(doc).get()  # also gives duplicated cell ids new ones, in the document
    except Exception as error:  # noqa: BLE001 - a client can send any Y structure
        raise InvalidContent(f"the room's notebook cannot be read as a notebook: {error!r}") from None
    return await anyio.to_thread.run_sync(_serialise_notebook, notebook)


def _serialise_notebook(notebook: dict) -> bytes:
    node = nbformat.from_dict(notebook)
    _validate(node, "the room's notebook")
    try:
        text = nbformat.writes(node, version=4)
    except Exception as error:  # noqa: BLE001 - e.g. values JSON cannot hold
        raise InvalidContent(f"the room's notebook cannot be written as JSON: {error!r}") from None
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def _validate(notebook: dict, described: str) -> None:
    try:
        nbformat.validate(notebook, version=4)
    except nbformat.ValidationError as error:
        raise InvalidContent(_reason(error, described)) from None
    except (AttributeError, KeyError, TypeError):
        # nbformat repairs cell ids before checking the schema, and assumes the schema's shape
        error = next(nbformat.validator.iter_validate(notebook, version=4), None)
        raise InvalidContent(
            _reason(error, described) if error else f"{described} is not a valid notebook"
        ) from None


def _reason(error: nbformat.ValidationError, described: str) -> str:
    where = "/".join(str(part) for part in error.absolute_path) or "the top level"
    return f"{described} is not a valid notebook: {error.message} (at {where})"


def _add_cell_ids(notebook: dict) -> None:
    """Upgrade 4.x to 4.5: every cell gets an id, so that cells can be matched (e.g. by a merge)."""
    notebook["nbformat_minor"] = 5
    for cell in notebook["cells"]:
        cell.setdefault("id", nbformat.v4.new_code_cell().id)
