"""The small pieces: room ids, conflict copy names, notebook parsing and validation, settings."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import anyio
import nbformat
import pytest
from jupyter_ydoc import YNotebook
from pycrdt import Doc

from meshcollab.collab import CollabSettings, InvalidContent, NotARoomFile, RoomFile, conflict_copy_name
from meshcollab.collab.content import load, parse_notebook, snapshot
from meshcollab.cs3 import ResourceId

WHEN = datetime(2026, 11, 28, 10, 2, 3, tzinfo=UTC)
RID = ResourceId(storage_id="st", opaque_id="op", space_id="sp")


@pytest.mark.parametrize(
    "name, expected",
    [
        ("nb.ipynb", "nb.einstein.2026-11-28_10_02_03.conflict.ipynb"),
        ("data.txt", "data.einstein.2026-11-28_10_02_03.conflict.txt"),
        ("my.analysis.ipynb", "my.analysis.einstein.2026-11-28_10_02_03.conflict.ipynb"),
        ("README", "README.einstein.2026-11-28_10_02_03.conflict"),
    ],
)
def test_conflict_copy_names(name, expected):
    assert conflict_copy_name(name, "einstein", WHEN) == expected


def test_a_user_name_cannot_put_a_slash_in_the_copy_name():
    assert "/" not in conflict_copy_name("nb.ipynb", "../../etc", WHEN)


def test_room_ids_name_the_file_and_its_kind():
    file = RoomFile.parse(f"json:notebook:{RID.encode()}")
    assert file == RoomFile(RID, "notebook") and file.is_notebook
    assert RoomFile.parse(f"text:file:{RID.encode()}").kind == "file"
    assert RoomFile(RID, "file").room_id == f"text:file:{RID.encode()}"
    for bad in (
        "json:notebook",
        f"text:notebook:{RID.encode()}",
        "json:notebook:not-an-id",
        f"x:y:{RID.encode()}",
    ):
        with pytest.raises(NotARoomFile):
            RoomFile.parse(bad)


def test_an_old_notebook_is_upgraded_to_4_5_with_cell_ids():
    old = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_markdown_cell("m")]
    )
    old.nbformat_minor = 4
    for cell in old.cells:
        del cell["id"]
    parsed = parse_notebook(json.dumps(old).encode())
    assert parsed["nbformat_minor"] == 5 and all(cell.get("id") for cell in parsed["cells"])
    nbformat.validate(parsed)


def test_a_v3_notebook_is_converted():
    v3 = nbformat.v3.new_notebook(
        worksheets=[nbformat.v3.new_worksheet(cells=[nbformat.v3.new_code_cell("1 + 1")])]
    )
    parsed = parse_notebook(nbformat.writes(v3, version=3).encode())
    assert parsed["nbformat"] == 4 and parsed["cells"][0]["source"] == "1 + 1"


def test_an_empty_file_is_a_new_notebook():
    assert parse_notebook(b"")["cells"] == []


def _written(cells: list, **metadata) -> bytes:
    """A notebook as nbformat writes it to a file: multi-line strings as lists of lines."""
    return nbformat.writes(nbformat.v4.new_notebook(cells=cells, metadata=metadata)).encode()


PNG = "iVBORw0KGgo=\n"
NOTEBOOKS_AS_FILES = {
    "code with outputs of every kind": _written(
        [
            nbformat.v4.new_code_cell(
                "import sys\nprint(1)\nprint(2)\n",
                execution_count=3,
                outputs=[
                    nbformat.v4.new_output("stream", name="stdout", text="1\n2\n"),
                    nbformat.v4.new_output(
                        "display_data",
                        data={
                            "text/plain": "a\nb",
                            "text/html": "<b>\nx</b>",
                            "image/png": PNG,
                            "image/svg+xml": "<svg>\n</svg>",
                            "application/json": {"lines": ["a\n", "b"]},
                            "application/vnd.custom+json": ["kept\n", "as a list"],
                        },
                    ),
                    nbformat.v4.new_output("execute_result", data={"text/plain": "3\n4"}, execution_count=3),
                    nbformat.v4.new_output("error", ename="E", evalue="v", traceback=["line 1\n", "line 2"]),
                ],
            )
        ]
    ),
    "markdown with an attachment, raw, trusted flags and a signature": _written(
        [
            nbformat.v4.new_markdown_cell(
                "# T\n![p](attachment:p.png)", attachments={"p.png": {"image/png": PNG, "text/plain": "p\nq"}}
            ),
            nbformat.v4.new_raw_cell("raw\ntext", metadata={"trusted": "not even a bool"}),
            nbformat.v4.new_code_cell("x", metadata={"trusted": True, "tags": ["a"]}),
        ],
        signature="sha256:0", kernelspec={"name": "python3", "display_name": "Python 3"},
    ),
}


@pytest.mark.parametrize("name", NOTEBOOKS_AS_FILES)
def test_a_notebook_reads_as_nbformat_reads_it(name):
    data = NOTEBOOKS_AS_FILES[name]
    expected = json.loads(json.dumps(nbformat.reads(data.decode(), as_version=4)))
    assert parse_notebook(data) == expected
    assert parse_notebook(data)["cells"][0]["source"] == expected["cells"][0]["source"]  # joined: a string
    assert isinstance(expected["cells"][0]["source"], str)


@pytest.mark.parametrize(
    "data",
    [
        b"[]",
        b'{"nbformat": 4}',
        b"not json",
        b'{"cells": [{"cell_type": "code"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
        b'{"cells": "x", "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
        b'{"cells": [1, null], "metadata": [], "nbformat": 4, "nbformat_minor": 5}',
        b'{"cells": [{"cell_type": "code", "metadata": [], "source": 1}], "metadata": {}, '
        b'"nbformat": 4, "nbformat_minor": 5}',
        b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": "5"}',
        b'{"cells": [], "metadata": {}, "nbformat": 5, "nbformat_minor": 0}',
        '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'.encode("utf-16"),
    ],
)
def test_invalid_notebooks_are_refused_with_the_reason(data):
    with pytest.raises(InvalidContent, match="nb.ipynb is not"):
        parse_notebook(data, "nb.ipynb")


def test_an_invalid_room_state_is_not_serialised():
    doc = Doc()
    anyio.run(
        load,
        doc,
        RoomFile(RID, "notebook"),
        json.dumps(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])).encode(),
    )
    YNotebook(doc).ycells[0]["cell_type"] = "bogus"
    with pytest.raises(InvalidContent, match="not a valid notebook"):
        anyio.run(snapshot, doc, RoomFile(RID, "notebook"))


def test_settings_come_from_the_extension_traits():
    class App:
        save_delay, save_max_delay, lock_ttl = 0.5, 4.0, 60.0

    settings = CollabSettings.from_traits(App())
    assert (settings.save_delay, settings.save_max_delay, settings.lock_ttl) == (0.5, 4.0, 60.0)
    assert settings.refresh_interval == 20.0 and settings.retry_interval == 20.0
    with pytest.raises(ValueError):
        CollabSettings(save_delay=5, save_max_delay=1)
