"""Project spaces in Jupyter paths: the read-only folder `Projects/` at the root of every member of
a project space, and `Projects/<space>/...` working like any other path (contents, rooms, sharing)."""

from __future__ import annotations

import json

import nbformat
import pytest
from identity_clients import DEMO, basic_actor
from notebook_edits import NOTEBOOK, cell_sources, eventually_in_cs3, type_into
from project_store import PROJECT, cs3_path
from room_clients import notebook, until

pytestmark = pytest.mark.anyio


def listing(model: dict) -> dict[str, dict]:
    return {entry["name"]: entry for entry in model["content"]}


async def test_members_see_the_projects_folder_and_others_do_not(files_server):
    einstein, richard = (basic_actor(files_server.url, user, DEMO[user]) for user in ("einstein", "richard"))
    root = (await einstein.contents("")).json()
    projects = listing(root)["Projects"]
    assert projects["type"] == "directory" and projects["writable"] is False

    folder = await einstein.contents("Projects")
    assert folder.status_code == 200
    assert folder.json()["writable"] is False
    assert listing(folder.json())[PROJECT]["type"] == "directory"

    assert "Projects" not in listing((await richard.contents("")).json())
    assert (await richard.contents("Projects")).status_code == 404


async def test_a_notebook_in_a_project_is_opened_edited_in_a_room_and_saved(
    files_server, einstein_cs3, project_folder
):
    einstein = basic_actor(files_server.url, "einstein", DEMO["einstein"])
    path = f"{project_folder}/paper.ipynb"
    created = await einstein.request(
        "PUT", f"/api/contents/{path}", json={"type": "notebook", "format": "json", "content": NOTEBOOK}
    )
    assert created.status_code == 201, created.text
    in_cs3 = cs3_path(path)
    assert nbformat.reads((await einstein_cs3.files.read_bytes(in_cs3)).decode(), as_version=4).cells

    assert list(listing((await einstein.contents(project_folder)).json())) == ["paper.ipynb"]

    rooms = einstein.rooms()
    room = await rooms.open(path)
    async with rooms.client(room) as client:
        type_into(client.doc, 1, "  # from the project")
        await until(lambda: "x = 1  # from the project" in cell_sources(notebook(client.doc)))
        await eventually_in_cs3(
            einstein_cs3, in_cs3, lambda saved: "x = 1  # from the project" in cell_sources(saved)
        )
    saved = await einstein.contents(path)
    assert "x = 1  # from the project" in cell_sources(saved.json()["content"])
    download = await einstein.get(f"/files/{path}")
    assert download.status_code == 200 and download.content == await einstein_cs3.files.read_bytes(in_cs3)

    # The sharing API names it by the same Jupyter path.
    link = await einstein.post("/api/meshcollab/links", json={"path": path, "role": "viewer"})
    assert link.status_code == 201, link.text
    assert link.json()["path"] == path


async def test_non_members_get_not_found_and_viewers_read_only(files_server, einstein_cs3, project_folder):
    path = f"{project_folder}/results.ipynb"
    await einstein_cs3.files.write(cs3_path(path), json.dumps(NOTEBOOK).encode())
    richard, marie = (basic_actor(files_server.url, user, DEMO[user]) for user in ("richard", "marie"))
    assert (await richard.contents(path)).status_code == 404
    assert (await richard.open_session(path)).status_code == 404

    read = await marie.contents(path)
    assert read.status_code == 200 and read.json()["writable"] is False
    refused = await marie.request(
        "PUT", f"/api/contents/{path}", json={"type": "notebook", "format": "json", "content": NOTEBOOK}
    )
    assert refused.status_code == 403


async def test_a_real_folder_named_projects_stays_reachable_next_to_the_spaces(files_server, marie_cs3):
    marie = basic_actor(files_server.url, "marie", DEMO["marie"])
    home = await marie_cs3.home()
    await marie_cs3.files.mkdir(f"{home}/Projects")
    await marie_cs3.files.write(f"{home}/Projects/mine.txt", b"my own notes")

    entries = listing((await marie.contents("Projects")).json())
    assert set(entries) == {"mine.txt", PROJECT}
    mine = await marie.contents("Projects/mine.txt")
    assert mine.status_code == 200 and mine.json()["content"] == "my own notes"
    assert (await marie.contents(f"Projects/{PROJECT}")).json()["writable"] is False  # a viewer of the space
