"""`GET /api/meshcollab/info/{path}`: everything about one file in one answer, as its owner, a
viewer and a link guest see it."""

from __future__ import annotations

from datetime import datetime

import anyio
import pytest
from identity_clients import DEMO, Actor, basic_actor
from versioned_notebooks import nb

from meshcollab.cs3 import VIEWER

pytestmark = pytest.mark.anyio


async def info(actor: Actor, path: str) -> dict:
    answer = await actor.get(f"/api/meshcollab/info/{path}")
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_the_owner_sees_everything(files_server, einstein_cs3, marie_cs3, versioned, home_folder):
    path, target = versioned
    home = await einstein_cs3.home()
    await einstein_cs3.shares.create(target, marie_cs3.user, VIEWER)
    await einstein_cs3.links.create(target, VIEWER)
    copy = "nb.marie.2026-01-02_03_04_05.conflict.ipynb"
    for name in (copy, "nb.v2.ipynb", "other.marie.2026-01-02_03_04_05.conflict.ipynb"):
        await einstein_cs3.files.write(f"{home}/{home_folder}/{name}", nb("copy"))
    await einstein_cs3.locks.set(target, "wopi-1", app_name="collabora")
    einstein = basic_actor(files_server.url, "einstein", DEMO["einstein"])

    about = await info(einstein, path)
    session = (await einstein.open_session(path)).json()
    assert (about["path"], about["name"], about["type"]) == (path, "nb.ipynb", "notebook")
    assert about["fileId"] == session["fileId"]
    assert about["size"] == len(nb("v = 3")) and datetime.fromisoformat(about["modified"])
    assert about["owner"]["username"] == "einstein" and about["owner"]["display_name"] == "Albert Einstein"
    assert about["permissions"] == {"read": True, "write": True, "share": True}
    assert about["lock"]["app"] == "collabora" and about["lock"]["meshcollab"] is False
    assert about["lock"]["holder"]["display_name"] == "Albert Einstein" and about["lock"]["expires"]
    [share] = about["shares"]
    assert share["grantee"]["username"] == "marie" and share["role"] == "viewer" and share["path"] == path
    [link] = about["links"]
    assert link["role"] == "viewer" and link["path"] == path
    assert about["federated"] == []
    assert [version["size"] for version in about["versions"]] == [len(nb("v = 2")), len(nb("v = 1"))]
    newest = about["versions"][0]
    assert await einstein_cs3.versions.read_bytes(target, newest["key"]) == nb("v = 2")
    assert datetime.fromisoformat(newest["modified"])
    assert about["conflict_copies"] == [
        {"path": f"{home_folder}/{copy}", "user": "marie", "created": "2026-01-02T03:04:05+00:00"}
    ]
    assert about["room"] == {"active": False, "members": 0}


async def test_an_open_room_and_its_lock(files_server, versioned):
    path, _ = versioned
    einstein = basic_actor(files_server.url, "einstein", DEMO["einstein"])
    rooms = einstein.rooms()
    room = await rooms.open(path)
    async with rooms.client(room), rooms.client(room):
        with anyio.fail_after(30):  # the lock is taken as the room becomes active
            while not (about := await info(einstein, path))["lock"]:
                await anyio.sleep(0.05)
        assert about["room"] == {"active": True, "members": 2}
        assert about["lock"]["app"] == "meshcollab" and about["lock"]["meshcollab"] is True


async def test_a_viewer_sees_no_shares_and_may_not_write(files_server, einstein_cs3, marie_cs3, versioned):
    path, target = versioned
    share = await einstein_cs3.shares.create(target, marie_cs3.user, VIEWER)
    received = await marie_cs3.shares.accept(share.id)
    marie = basic_actor(files_server.url, "marie", DEMO["marie"])

    about = await info(marie, f"MyShares/{received.mount_point}")
    assert about["permissions"] == {"read": True, "write": False, "share": False}
    assert about["shares"] == about["links"] == about["federated"] == []
    assert about["owner"]["username"] == "einstein"
    assert len(about["versions"]) == 2


async def test_a_folder(files_server, home_folder):
    einstein = basic_actor(files_server.url, "einstein", DEMO["einstein"])
    about = await info(einstein, home_folder)
    assert (about["type"], about["versions"], about["conflict_copies"]) == ("directory", [], [])
    assert about["room"] == {"active": False, "members": 0}
    assert about["permissions"]["write"] is True


async def test_a_link_guest_sees_their_file_only_and_little_of_it(
    files_server, einstein_cs3, marie_cs3, versioned
):
    path, target = versioned
    await einstein_cs3.shares.create(target, marie_cs3.user, VIEWER)
    einstein = basic_actor(files_server.url, "einstein", DEMO["einstein"])
    link = (await einstein.post("/api/meshcollab/links", json={"path": path, "role": "editor"})).json()
    guest = Actor(files_server.url, name="guest")
    joined = (await guest.join(link["token"])).json()

    about = await info(guest, joined["path"])
    assert about["fileId"] == joined["fileId"] and about["type"] == "notebook"
    assert about["permissions"] == {"read": True, "write": True, "share": False}
    assert about["shares"] == about["links"] == about["federated"] == []
    assert about["versions"] == about["conflict_copies"] == []
    assert (await guest.get("/api/meshcollab/info/")).status_code == 403
    assert (await guest.get(f"/api/meshcollab/info/{path}")).status_code == 404


async def test_unknown_and_unreachable_paths(files_server, versioned):
    path, _ = versioned
    einstein, richard = (basic_actor(files_server.url, user, DEMO[user]) for user in ("einstein", "richard"))
    assert (await einstein.get("/api/meshcollab/info/no/such.ipynb")).status_code == 404
    assert (await richard.get(f"/api/meshcollab/info/{path}")).status_code == 404
    assert (await einstein.get("/api/meshcollab/info/a/%2E%2E/b")).status_code == 400
