"""A room's file is locked and written as a user of the room who may write: a viewer alone in the
room locks and writes nothing (the room says it cannot save), an editor who joins takes the lock as
themselves and their edits reach the file; the owner never needs to be there."""

from __future__ import annotations

import json
import uuid

import anyio
import nbformat
import pytest
from identity_clients import basic_actor
from jupyter_ydoc import YNotebook
from room_clients import until

from meshcollab.cs3 import EDITOR, VIEWER

pytestmark = pytest.mark.anyio

NOTEBOOK = nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", id="c1")])).encode()


async def first_source(session, path: str) -> str:
    """The first cell's source in CS3 ("" while a write is under way: a read may mix two versions)."""
    try:
        return "".join(json.loads(await session.files.read_bytes(path))["cells"][0]["source"])
    except ValueError:
        return ""


async def test_the_file_is_locked_and_written_by_a_member_who_may_write(multi_user_server, owner, gateway, module_folder):
    name = f"writers-{uuid.uuid4().hex[:6]}.ipynb"
    cs3_path = f"{await owner.home()}/{module_folder}/{name}"
    resource = await owner.files.write(cs3_path, NOTEBOOK)
    marie_cs3 = await gateway.login_basic("marie", "radioactivity")
    richard_cs3 = await gateway.login_basic("richard", "superfluidity")
    for session, role in ((marie_cs3, EDITOR), (richard_cs3, VIEWER)):
        share = await owner.shares.create(resource.id, session.user, role)
        await session.shares.accept(share.id)
    marie = basic_actor(multi_user_server.url, "marie", "radioactivity")
    richard = basic_actor(multi_user_server.url, "richard", "superfluidity")
    try:
        richard_rooms, marie_rooms = richard.rooms(), marie.rooms()
        room = await richard_rooms.open(f"MyShares/{name}")
        async with richard_rooms.client(room) as viewer:
            await until(lambda: any(n.get("reason") == "read-only" for n in viewer.notices("save-blocked")))
            assert await owner.locks.get(resource.id) is None

            assert await marie_rooms.open(f"MyShares/{name}") == room
            async with marie_rooms.client(room) as editor:
                with anyio.fail_after(20):
                    while (lock := await owner.locks.get(resource.id)) is None:
                        await anyio.sleep(0.05)
                assert lock.app_name == "meshcollab" and lock.user.opaque_id == marie_cs3.user.id.opaque_id
                YNotebook(editor.doc).ycells[0]["source"].insert(0, "# marie\n")
                await until(lambda: "# marie" in YNotebook(viewer.doc).get()["cells"][0]["source"])
                with anyio.fail_after(20):
                    while "# marie" not in await first_source(owner, cs3_path):
                        await anyio.sleep(0.05)
    finally:
        await marie.aclose()
        await richard.aclose()
