"""Notebooks for end-to-end tests: put one into CS3, read it back, and edit a room's document the
way JupyterLab does (cells in a YNotebook, typing into a cell's source Text)."""

from __future__ import annotations

import json

import anyio
import nbformat
from jupyter_ydoc import YNotebook
from pycrdt import Map, Text

NOTEBOOK = nbformat.v4.new_notebook(
    cells=[nbformat.v4.new_markdown_cell("# Shared", id="title"), nbformat.v4.new_code_cell("x = 1", id="code")]
)


async def upload(session, path: str, nb=NOTEBOOK) -> None:
    await session.files.write(path, nbformat.writes(nb).encode())


async def notebook_in_cs3(session, path: str) -> dict:
    return json.loads(await session.files.read_bytes(path))


def cell_sources(nb: dict) -> list[str]:
    return ["".join(cell["source"]) for cell in nb["cells"]]


def append_cell(doc, source: str, cell_id: str) -> None:
    cell = {"cell_type": "code", "id": cell_id, "source": Text(source), "metadata": Map(), "outputs": [],
            "execution_count": None}
    YNotebook(doc).ycells.append(Map(cell))


def type_into(doc, cell_index: int, text: str) -> None:
    source = YNotebook(doc).ycells[cell_index]["source"]
    source.insert(len(source), text)


async def eventually_in_cs3(session, path: str, predicate) -> dict:
    """The notebook in CS3 once `predicate(notebook)` holds (saves are debounced)."""
    with anyio.fail_after(30):
        while True:
            saved = await notebook_in_cs3(session, path)
            if predicate(saved):
                return saved
            await anyio.sleep(0.1)
