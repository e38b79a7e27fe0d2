"""`GET /api/meshcollab/spaces` and `GET /api/meshcollab/quota`: the caller's home and project
spaces with their Jupyter paths, roles and quota."""

from __future__ import annotations

import pytest
from identity_clients import DEMO, Actor, basic_actor
from project_store import PROJECT, cs3_path

pytestmark = pytest.mark.anyio


async def spaces_of(files_server, user: str) -> dict[str, dict]:
    answer = await basic_actor(files_server.url, user, DEMO[user]).get("/api/meshcollab/spaces")
    assert answer.status_code == 200, answer.text
    return {space["type"] + ":" + space["name"]: space for space in answer.json()["spaces"]}


async def test_spaces_are_the_home_and_the_project_spaces_with_roles_and_paths(files_server):
    einstein = await spaces_of(files_server, "einstein")
    assert list(einstein) == ["personal:einstein", f"project:{PROJECT}"]
    home, project = einstein["personal:einstein"], einstein[f"project:{PROJECT}"]
    assert (home["path"], home["role"]) == ("", "manager")
    assert (project["path"], project["role"]) == (f"Projects/{PROJECT}", "manager")
    for space in (home, project):
        assert space["id"] and isinstance(space["quota"]["used"], int)
        assert space["quota"]["total"] is None or space["quota"]["total"] >= space["quota"]["used"]

    marie = await spaces_of(files_server, "marie")
    assert marie[f"project:{PROJECT}"]["role"] == "viewer"
    assert marie[f"project:{PROJECT}"]["id"] == project["id"]
    assert list(await spaces_of(files_server, "richard")) == ["personal:richard"]


async def test_quota_is_that_of_the_space_holding_the_path(files_server, einstein_cs3, project_folder):
    einstein = basic_actor(files_server.url, "einstein", DEMO["einstein"])
    before = (await einstein.get("/api/meshcollab/quota", params={"path": project_folder})).json()
    await einstein_cs3.files.write(cs3_path(f"{project_folder}/data.bin"), b"x" * 100_000)
    after = (await einstein.get("/api/meshcollab/quota", params={"path": project_folder})).json()
    assert after["used"] >= before["used"] + 100_000
    home = await einstein.get("/api/meshcollab/quota")
    assert home.status_code == 200 and set(home.json()) == {"total", "used"}

    assert (await einstein.get("/api/meshcollab/quota", params={"path": "no/such/folder"})).status_code == 404
    richard = basic_actor(files_server.url, "richard", DEMO["richard"])
    assert (await richard.get("/api/meshcollab/quota", params={"path": project_folder})).status_code == 404


async def test_link_guests_reach_neither(files_server, einstein_cs3, home_folder):
    await einstein_cs3.files.write(f"{await einstein_cs3.home()}/{home_folder}/nb.ipynb", b"")
    einstein = basic_actor(files_server.url, "einstein", DEMO["einstein"])
    path = f"{home_folder}/nb.ipynb"
    link = await einstein.post("/api/meshcollab/links", json={"path": path, "role": "editor"})
    guest = Actor(files_server.url, name="guest")
    assert (await guest.join(link.json()["token"])).status_code == 200
    assert (await guest.get("/api/meshcollab/spaces")).status_code == 403
    assert (await guest.get("/api/meshcollab/quota")).status_code == 403
