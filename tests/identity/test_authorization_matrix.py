"""The authorisation matrix: who (owner, editor and viewer shares, editor and viewer links, a
stranger, a revoked share, an expired link) may do what (open the room, read the file, write through
the websocket, save, list the folder, share onward), against a real multi-user server and the
embedded store. Every cell is asserted; each case has a notebook of its own."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import nbformat
import pytest
from identity_clients import Actor, basic_actor
from jupyter_ydoc import YNotebook
from room_clients import until
from tornado.httpclient import HTTPClientError

pytestmark = pytest.mark.anyio

NOTEBOOK = nbformat.writes(
    nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", id="c1")])
).encode()

CAPABILITIES = ("open", "read", "write", "save", "list", "share")
ALL = dict.fromkeys(CAPABILITIES, True)
NONE = dict.fromkeys(CAPABILITIES, False)
EDIT_ONLY = {**ALL, "list": False, "share": False}
VIEW_ONLY = {**EDIT_ONLY, "write": False, "save": False}

MATRIX = {
    "owner": ALL,
    "editor-share": EDIT_ONLY,
    "viewer-share": VIEW_ONLY,
    "editor-link": EDIT_ONLY,
    "viewer-link": VIEW_ONLY,
    "stranger": NONE,
    "revoked-share": NONE,
    "expired-link": NONE,
}


@dataclass
class Case:
    actor: Actor
    path: str  # the notebook's Jupyter path as this actor sees it


async def make_case(kind: str, server, owner, owner_api: Actor, gateway, notebook_path: str) -> Case:
    """The actor of `kind`, set up through the sharing API as its users would."""
    name = notebook_path.rsplit("/", 1)[1]
    if kind == "owner":
        return Case(basic_actor(server.url, "einstein", "relativity"), notebook_path)
    if kind == "stranger":
        return Case(basic_actor(server.url, "richard", "superfluidity"), notebook_path)
    if kind.endswith("share"):
        role = "viewer" if kind.startswith("viewer") else "editor"
        created = await owner_api.post(
            "/api/meshcollab/shares", json={"path": notebook_path, "username": "marie", "role": role}
        )
        assert created.status_code == 201, created.text
        share = created.json()
        marie = basic_actor(server.url, "marie", "radioactivity")
        accepted = await marie.post(f"/api/meshcollab/shares/received/{share['id']}/accept")
        assert accepted.status_code == 200, accepted.text
        path = accepted.json()["path"]
        assert path == f"MyShares/{name}"
        if kind == "revoked-share":
            revoked = await owner_api.request("DELETE", f"/api/meshcollab/shares/{share['id']}")
            assert revoked.status_code == 204
        return Case(marie, path)
    role = "viewer" if kind.startswith("viewer") else "editor"
    created = await owner_api.post("/api/meshcollab/links", json={"path": notebook_path, "role": role})
    assert created.status_code == 201, created.text
    link = created.json()
    guest = Actor(server.url, name=f"guest of {kind}")
    joined = await guest.join(link["token"])
    assert joined.status_code == 200, joined.text
    assert joined.json()["path"] == name and joined.json()["permissions"] == role
    if kind == "expired-link":
        past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        expired = await owner_api.request("PATCH", f"/api/meshcollab/links/{link['id']}", json={"expiration": past})
        assert expired.status_code == 200, expired.text
        assert (await Actor(server.url).join(link["token"])).status_code == 404
    return Case(guest, name)


def type_into(doc, text: str) -> None:
    source = YNotebook(doc).ycells[0]["source"]
    source.insert(len(source), text)


def source_of(doc) -> str:
    return YNotebook(doc).get()["cells"][0]["source"]


async def file_source(owner, cs3_path: str) -> str:
    notebook = json.loads(await owner.files.read_bytes(cs3_path))
    return "".join(notebook["cells"][0]["source"])


async def write_and_save(case: Case, owner_rooms, room: str, owner, cs3_path: str) -> dict:
    """The actor types into the room and asks to save; then the owner (a second client) types a
    sentinel and saves. What the owner's client and the file hold then tells whether the actor's
    edit was taken: both answers come after everything before them was stored and sent."""
    marker, sentinel = f"# by-{uuid.uuid4().hex[:6]}", f"# sentinel-{uuid.uuid4().hex[:6]}"
    outcome = {"write": False, "save": False}
    async with owner_rooms.client(room) as watcher:
        rooms = case.actor.rooms()
        try:
            actor = rooms.client(room)
            rooms._sessions[room] = owner_rooms._sessions[room]  # the sessionId of the room's history
            await actor.connect()
        except HTTPClientError as refused:
            assert refused.code in (401, 403, 404), refused
            return outcome
        try:
            type_into(actor.doc, marker)
            actor.save(1)
            await until(lambda: actor.save_answers() or actor.closed)
            answer = actor.save_answers()[0]["status"] if actor.save_answers() else "closed"
            outcome["save"] = answer in ("success", "skipped")
            type_into(watcher.doc, sentinel)
            watcher.save(1)
            await until(lambda: watcher.save_answers())
            assert watcher.save_answers()[0]["status"] in ("success", "skipped")  # skipped: saved already
            await until(lambda: sentinel in source_of(actor.doc) or actor.closed)
            seen, saved = marker in source_of(watcher.doc), marker in await file_source(owner, cs3_path)
            assert seen == saved, "what the others see and what the file holds must agree"
            outcome["write"] = seen
            if not seen:
                assert actor.notices("read-only"), "a viewer is told that their edits are not taken"
        finally:
            actor.disconnect()
    return outcome


@pytest.mark.parametrize("kind", list(MATRIX))
async def test_authorisation_matrix(kind, multi_user_server, owner, gateway, module_folder):
    server = multi_user_server
    notebook_path = f"{module_folder}/{kind}.ipynb"
    home = await owner.home()
    cs3_path = f"{home}/{notebook_path}"
    await owner.files.write(cs3_path, NOTEBOOK)
    await owner.files.write(f"{home}/{module_folder}/other.ipynb", NOTEBOOK)
    owner_api = basic_actor(server.url, "einstein", "relativity")
    case = await make_case(kind, server, owner, owner_api, gateway, notebook_path)
    actual = {}
    try:
        owner_rooms = owner_api.rooms()
        room = await owner_rooms.open(notebook_path)

        opened = await case.actor.open_session(case.path)
        actual["open"] = opened.status_code == 200
        if actual["open"]:
            # One room per resource: whichever path it was opened by.
            assert f"json:notebook:{opened.json()['fileId']}" == room
        else:
            assert opened.status_code in (401, 403, 404), opened.text

        read = await case.actor.contents(case.path)
        actual["read"] = read.status_code == 200
        if actual["read"]:
            assert read.json()["content"]["cells"][0]["source"].startswith("x = 1")
        else:
            assert read.status_code in (401, 403, 404), read.text

        actual.update(await write_and_save(case, owner_rooms, room, owner, cs3_path))

        parent = case.path.rsplit("/", 1)[0] if "/" in case.path else ""
        listing = await case.actor.contents(parent)
        names = [entry["name"] for entry in listing.json()["content"]] if listing.status_code == 200 else []
        actual["list"] = "other.ipynb" in names
        if listing.status_code != 200:
            assert listing.status_code in (401, 403, 404), listing.text

        onward = await case.actor.post(
            "/api/meshcollab/shares", json={"path": case.path, "username": "richard", "role": "viewer"}
        )
        actual["share"] = onward.status_code == 201
        if not actual["share"]:
            assert onward.status_code in (401, 403, 404), onward.text
            assert "message" in onward.json()
    finally:
        await case.actor.aclose()
        await owner_api.aclose()
    assert actual == MATRIX[kind]
