"""Joining from a public link with a password: a wrong password is refused (403) and repeated wrong
passwords are slowed down (429), the right one joins the room, and the guest reaches that notebook
alone: no listing, no other file, no sharing API, no kernels or terminals. The browser page asks for
the password and opens JupyterLab on the notebook."""

from __future__ import annotations

import json
import re
import uuid

import nbformat
import pytest
from identity_clients import Actor, basic_actor
from jupyter_ydoc import YNotebook
from room_clients import until

pytestmark = pytest.mark.anyio

def page_config(page) -> dict:
    """JupyterLab's page config, as the page carries it."""
    assert page.status_code == 200, page.text
    found = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page.text, re.S)
    return json.loads(found.group(1))


NOTEBOOK = nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", id="c1")])).encode()


async def test_a_guest_with_the_password_joins_the_room_and_reaches_nothing_else(
    multi_user_server, owner, module_folder
):
    server = multi_user_server
    home = await owner.home()
    name = f"linked-{uuid.uuid4().hex[:6]}.ipynb"
    await owner.files.write(f"{home}/{module_folder}/{name}", NOTEBOOK)
    await owner.files.write(f"{home}/{module_folder}/private.ipynb", NOTEBOOK)
    einstein = basic_actor(server.url, "einstein", "relativity")
    guest, intruder = Actor(server.url), Actor(server.url)
    try:
        created = await einstein.post(
            "/api/meshcollab/links",
            json={"path": f"{module_folder}/{name}", "role": "editor", "password": "s3cret"},
        )
        assert created.status_code == 201, created.text
        link = created.json()
        assert link["password_protected"] and link["url"].endswith(f"/meshcollab/join/{link['token']}")
        assert "s3cret" not in created.text

        assert (await intruder.join(link["token"], "wrong")).status_code == 403
        assert (await intruder.join(link["token"])).status_code == 403
        assert (await intruder.join("no-such-token", "s3cret")).status_code == 404
        assert (await intruder.get("/api/me")).status_code == 403  # nothing signed in

        joined = await guest.join(link["token"], "s3cret")
        assert joined.status_code == 200, joined.text
        answer = joined.json()
        assert answer == {
            "path": name,
            "fileId": answer["fileId"],
            "format": "json",
            "type": "notebook",
            "permissions": "editor",
            "name": name,
        }
        me = (await guest.get("/api/me")).json()["identity"]
        assert me["username"].startswith("guest-") and me["display_name"] == "Guest"
        assert link["token"] not in json.dumps(me)  # the token is a secret: not a name others see

        # The cookie works for the session endpoint and the room; an editor link edits.
        opened = await guest.open_session(answer["path"])
        assert opened.status_code == 200 and opened.json()["fileId"] == answer["fileId"]
        einstein_rooms, guest_rooms = einstein.rooms(), guest.rooms()
        room = await einstein_rooms.open(f"{module_folder}/{name}")
        assert await guest_rooms.open(answer["path"]) == room
        async with einstein_rooms.client(room) as einstein_client, guest_rooms.client(room) as guest_client:
            YNotebook(guest_client.doc).ycells[0]["source"].insert(0, "# from the guest\n")
            await until(lambda: "from the guest" in YNotebook(einstein_client.doc).get()["cells"][0]["source"])

        # Nothing else: no listing of the folder, no other file, no sharing, no code.
        refused = {
            "list the root": await guest.contents(""),
            "list the folder by path": await guest.contents(module_folder),
            "another file by path": await guest.contents(f"{module_folder}/private.ipynb"),
            "another file by name": await guest.contents("private.ipynb"),
            "escape": await guest.contents(f"{name}/../private.ipynb"),
            "create a file": await guest.request("PUT", "/api/contents/new.ipynb", json={"type": "notebook", "content": nbformat.v4.new_notebook()}),
            "find users": await guest.get("/api/meshcollab/users", params={"q": "marie"}),
            "share onward": await guest.post(
                "/api/meshcollab/shares", json={"path": name, "username": "richard", "role": "viewer"}
            ),
            "make a link": await guest.post("/api/meshcollab/links", json={"path": name, "role": "viewer"}),
            "list kernels": await guest.get("/api/kernels"),
            "list kernels to start": await guest.get("/api/kernelspecs"),
            "start a kernel": await guest.post("/api/kernels", json={"name": "python3"}),
            "start a session": await guest.post(
                "/api/sessions", json={"path": name, "type": "notebook", "kernel": {"name": "python3"}}
            ),
            "list terminals": await guest.get("/api/terminals"),
            "start a terminal": await guest.post("/api/terminals"),
            "shut the server down": await guest.post("/api/shutdown"),
        }
        allowed = {what: answer.status_code for what, answer in refused.items() if answer.status_code < 400}
        assert allowed == {}
        assert refused["another file by path"].status_code == 404
        assert refused["find users"].status_code == 403 and refused["start a kernel"].status_code == 403
        assert (await guest.contents(name)).status_code == 200  # while the linked notebook reads fine
    finally:
        for actor in (einstein, guest, intruder):
            await actor.aclose()


async def test_repeated_wrong_passwords_are_slowed_down(multi_user_server, owner, module_folder):
    name = f"guessed-{uuid.uuid4().hex[:6]}.ipynb"
    await owner.files.write(f"{await owner.home()}/{module_folder}/{name}", NOTEBOOK)
    einstein = basic_actor(multi_user_server.url, "einstein", "relativity")
    guesser = Actor(multi_user_server.url)
    try:
        link = (await einstein.post(
            "/api/meshcollab/links", json={"path": f"{module_folder}/{name}", "role": "viewer", "password": "right"}
        )).json()
        answers = [(await guesser.join(link["token"], f"guess-{n}")).status_code for n in range(3)]
        assert answers == [403, 403, 403]
        slowed = await guesser.join(link["token"], "right")  # even the right one must wait now
        assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) >= 1
    finally:
        await einstein.aclose()
        await guesser.aclose()


async def test_the_join_page_asks_for_the_password_then_opens_jupyterlab_on_the_notebook(
    multi_user_server, owner, module_folder
):
    name = f"page-{uuid.uuid4().hex[:6]}.ipynb"
    await owner.files.write(f"{await owner.home()}/{module_folder}/{name}", NOTEBOOK)
    einstein = basic_actor(multi_user_server.url, "einstein", "relativity")
    browser = Actor(multi_user_server.url)
    try:
        link = (await einstein.post(
            "/api/meshcollab/links", json={"path": f"{module_folder}/{name}", "role": "viewer", "password": "pw"}
        )).json()
        form = await browser.http.get(f"/meshcollab/join/{link['token']}")
        assert form.status_code == 200 and 'type="password"' in form.text
        xsrf = browser.http.cookies.get("_xsrf")
        wrong = await browser.http.post(f"/meshcollab/join/{link['token']}", data={"password": "no", "_xsrf": xsrf})
        assert wrong.status_code == 403 and "Wrong password" in wrong.text
        right = await browser.http.post(f"/meshcollab/join/{link['token']}", data={"password": "pw", "_xsrf": xsrf})
        assert right.status_code == 302 and right.headers["location"] == f"/lab/tree/{name}"
        assert (await browser.contents(name)).status_code == 200
        # The JupyterLab it lands in offers neither sharing nor kernels (which the server refuses a guest).
        guest_page = page_config(await browser.get(right.headers["location"]))
        assert guest_page["meshcollabMayShare"] == "false" and guest_page["notebookStartsKernel"] == "false"
        assert page_config(await einstein.get(f"/lab/tree/{module_folder}"))["meshcollabMayShare"] == "true"
        gone = await Actor(multi_user_server.url).http.get("/meshcollab/join/unknown-token")
        assert gone.status_code == 404
    finally:
        await einstein.aclose()
        await browser.aclose()
