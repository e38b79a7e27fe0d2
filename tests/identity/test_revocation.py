"""A share revoked or downgraded while its recipient is in the room takes effect in the room at once:
a revoked recipient is disconnected with a reason, a downgraded one becomes read-only and is told so;
in both cases their later edits reach neither the others nor the file."""

from __future__ import annotations

import json
import uuid

import nbformat
import pytest
from identity_clients import basic_actor
from jupyter_ydoc import YNotebook
from room_clients import until

from meshcollab.auth.members import ACCESS_REVOKED

pytestmark = pytest.mark.anyio

NOTEBOOK = nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", id="c1")])).encode()


def type_into(doc, text: str) -> None:
    source = YNotebook(doc).ycells[0]["source"]
    source.insert(len(source), text)


def source_of(doc) -> str:
    return YNotebook(doc).get()["cells"][0]["source"]


async def shared_room(server, owner, folder: str, name: str):
    """einstein's notebook shared with marie as editor (accepted); both actors and the room id."""
    home = await owner.home()
    await owner.files.write(f"{home}/{folder}/{name}", NOTEBOOK)
    einstein, marie = basic_actor(server.url, "einstein", "relativity"), basic_actor(server.url, "marie", "radioactivity")
    created = await einstein.post(
        "/api/meshcollab/shares", json={"path": f"{folder}/{name}", "username": "marie", "role": "editor"}
    )
    assert created.status_code == 201, created.text
    share_id = created.json()["id"]
    accepted = await marie.post(f"/api/meshcollab/shares/received/{share_id}/accept")
    einstein_rooms, marie_rooms = einstein.rooms(), marie.rooms()
    room = await einstein_rooms.open(f"{folder}/{name}")
    assert await marie_rooms.open(accepted.json()["path"]) == room
    return einstein, marie, einstein_rooms, marie_rooms, room, share_id


@pytest.mark.parametrize("change", ["revoke", "downgrade"])
async def test_a_share_changed_while_its_recipient_is_in_the_room_applies_at_once(
    change, multi_user_server, owner, module_folder
):
    name = f"{change}-{uuid.uuid4().hex[:6]}.ipynb"
    einstein, marie, einstein_rooms, marie_rooms, room, share_id = await shared_room(
        multi_user_server, owner, module_folder, name
    )
    try:
        async with einstein_rooms.client(room) as einstein_client, marie_rooms.client(room) as marie_client:
            type_into(marie_client.doc, " # marie while editor")
            await until(lambda: "marie while editor" in source_of(einstein_client.doc))

            if change == "revoke":
                answer = await einstein.request("DELETE", f"/api/meshcollab/shares/{share_id}")
                assert answer.status_code == 204
                # At once: by the time the API answered, the room had closed her connection.
                await until(lambda: marie_client.closed, timeout=5)
                assert marie_client.close_code == ACCESS_REVOKED and "access" in marie_client.close_reason
            else:
                answer = await einstein.request(
                    "PATCH", f"/api/meshcollab/shares/{share_id}", json={"role": "viewer"}
                )
                assert answer.status_code == 200 and answer.json()["role"] == "viewer"
                await until(lambda: marie_client.notices("read-only"), timeout=5)
                assert marie_client.notices("read-only")[0]["reason"] == "permissions-changed"
                type_into(marie_client.doc, " # marie after the change")
                marie_client.save(7)
                await until(lambda: marie_client.save_answers())
                assert marie_client.save_answers()[0]["status"] == "failed"

            type_into(einstein_client.doc, " # sentinel")
            einstein_client.save(1)
            await until(lambda: einstein_client.save_answers())
            assert "after the change" not in source_of(einstein_client.doc)
            saved = json.loads(await owner.files.read_bytes(f"{await owner.home()}/{module_folder}/{name}"))
            saved_source = "".join(saved["cells"][0]["source"])
            assert "marie while editor" in saved_source and "after the change" not in saved_source
    finally:
        await einstein.aclose()
        await marie.aclose()
