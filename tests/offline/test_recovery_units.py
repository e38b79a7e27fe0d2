"""The pieces of the recover path on their own: a client's document as a notebook (a Y update of any
history, or JSON; bad input refused with the reason), and the merge into a live document, which never
undoes a change that came in while it ran."""

from __future__ import annotations

import base64
import copy
import types

import pytest
from jupyter_ydoc import YNotebook
from notebook_edits import NOTEBOOK
from pycrdt import Doc

from meshcollab.recovery import BadDocument, live, merge_into_room, notebook_from_payload

pytestmark = pytest.mark.anyio


def plain(nb) -> dict:
    import json

    return json.loads(json.dumps(nb))


def doc_of(nb: dict) -> Doc:
    doc = Doc()
    YNotebook(doc).set(nb)
    return doc


def test_a_document_is_read_from_a_y_update_of_any_history_or_from_json():
    nb = plain(NOTEBOOK)
    update = base64.b64encode(doc_of(nb).get_update()).decode()
    from_update = notebook_from_payload({"update": update})
    assert [c["source"] for c in from_update["cells"]] == ["# Shared", "x = 1"]
    assert [c["id"] for c in from_update["cells"]] == ["title", "code"]
    assert notebook_from_payload({"notebook": nb})["cells"][1]["source"] == "x = 1"


@pytest.mark.parametrize(
    "payload, reason",
    [
        ({"update": "%%%"}, "base64"),
        ({"update": base64.b64encode(b"\x05garbage").decode()}, "Y update"),
        ({"notebook": {"no": "cells"}}, "not a notebook"),
        ({"notebook": {"cells": [{"cell_type": "weird"}]}}, "cell 0"),
        ({}, '"update"'),
        ("text", "must be an object"),
    ],
)
def test_what_is_not_a_notebook_is_refused_with_the_reason(payload, reason):
    with pytest.raises(BadDocument, match=reason):
        notebook_from_payload(payload)


async def test_the_merge_is_redone_when_the_room_changes_while_it_runs(monkeypatch):
    nb = plain(NOTEBOOK)
    room = doc_of(nb)
    theirs = copy.deepcopy(nb)
    theirs["cells"][0]["source"] = "# Theirs"
    real = live.anyio.to_thread.run_sync
    calls = []

    async def run_sync(function, *args):
        result = await real(function, *args)
        if not calls:  # a client types while the first merge runs
            source = YNotebook(room).ycells[1]["source"]
            source.insert(len(source), "  # typed meanwhile")
        calls.append(function)
        return result

    fake_anyio = types.SimpleNamespace(to_thread=types.SimpleNamespace(run_sync=run_sync))
    monkeypatch.setattr(live, "anyio", fake_anyio)
    outcome = await merge_into_room(room, nb, theirs)
    assert len(calls) == 2
    assert [c["source"] for c in YNotebook(room).get()["cells"]] == ["# Theirs", "x = 1  # typed meanwhile"]
    assert outcome.changed and outcome.conflicts == []


async def test_a_preview_leaves_the_room_as_it_is():
    nb = plain(NOTEBOOK)
    room = doc_of(nb)
    before = room.get_update()
    theirs = copy.deepcopy(nb)
    theirs["cells"].pop(0)
    outcome = await merge_into_room(room, nb, theirs, apply=False)
    assert outcome.changed and len(outcome.notebook["cells"]) == 1
    assert room.get_update() == before
