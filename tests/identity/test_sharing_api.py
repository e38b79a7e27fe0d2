"""The sharing API as a frontend uses it: find users; share a notebook with a user, list what I
shared (all, or of one path), what I received (pending, accepted, rejected), accept and decline,
change the role, revoke; public links: create, list, change, revoke. Errors are JSON with the right
status. A notebook accepted from "shared with me" opens into the owner's room."""

from __future__ import annotations

import uuid

import nbformat
import pytest
from identity_clients import basic_actor

pytestmark = pytest.mark.anyio

NOTEBOOK = nbformat.writes(nbformat.v4.new_notebook()).encode()


async def test_shares_from_creation_to_revocation(multi_user_server, owner, module_folder):
    server = multi_user_server
    home = await owner.home()
    first, second = (f"api-{uuid.uuid4().hex[:6]}.ipynb" for _ in range(2))
    for name in (first, second):
        await owner.files.write(f"{home}/{module_folder}/{name}", NOTEBOOK)
    einstein = basic_actor(server.url, "einstein", "relativity")
    marie = basic_actor(server.url, "marie", "radioactivity")
    try:
        found = await einstein.get("/api/meshcollab/users", params={"q": "mar"})
        assert found.status_code == 200
        assert [user["username"] for user in found.json()["users"]] == ["marie"]
        assert found.json()["users"][0]["display_name"] == "Marie Curie"
        assert (await einstein.get("/api/meshcollab/users")).status_code == 400

        created = {}
        for name, role in ((first, "editor"), (second, "viewer")):
            answer = await einstein.post(
                "/api/meshcollab/shares", json={"path": f"{module_folder}/{name}", "username": "marie", "role": role}
            )
            assert answer.status_code == 201, answer.text
            share = answer.json()
            assert share["path"] == f"{module_folder}/{name}" and share["role"] == role
            assert share["grantee"]["username"] == "marie" and share["owner"]["username"] == "einstein"
            created[name] = share

        mine = (await einstein.get("/api/meshcollab/shares")).json()["shares"]
        assert {share["id"] for share in created.values()} <= {share["id"] for share in mine}
        of_first = (await einstein.get("/api/meshcollab/shares", params={"path": f"{module_folder}/{first}"})).json()
        assert [share["id"] for share in of_first["shares"]] == [created[first]["id"]]

        pending = (await marie.get("/api/meshcollab/shares/received", params={"state": "pending"})).json()["shares"]
        ids = {share["id"]: share for share in pending}
        assert created[first]["id"] in ids and created[second]["id"] in ids
        assert ids[created[first]["id"]]["name"] == first and ids[created[first]["id"]]["path"] is None

        accepted = await marie.post(f"/api/meshcollab/shares/received/{created[first]['id']}/accept")
        assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
        assert accepted.json()["path"] == f"MyShares/{first}"
        declined = await marie.post(f"/api/meshcollab/shares/received/{created[second]['id']}/decline")
        assert declined.status_code == 200 and declined.json()["state"] == "rejected"
        states = {
            state: [s["id"] for s in (await marie.get("/api/meshcollab/shares/received", params={"state": state})).json()["shares"]]
            for state in ("accepted", "rejected")
        }
        assert created[first]["id"] in states["accepted"] and created[second]["id"] in states["rejected"]

        # "Shared with me" is a folder JupyterLab can list, and opens the owner's room.
        shared_with_me = await marie.contents("MyShares")
        assert shared_with_me.status_code == 200, shared_with_me.text
        assert first in [entry["name"] for entry in shared_with_me.json()["content"]]
        assert second not in [entry["name"] for entry in shared_with_me.json()["content"]]
        room = await einstein.rooms().open(f"{module_folder}/{first}")
        assert await marie.rooms().open(f"MyShares/{first}") == room

        changed = await einstein.request("PATCH", f"/api/meshcollab/shares/{created[first]['id']}", json={"role": "viewer"})
        assert changed.status_code == 200 and changed.json()["role"] == "viewer"
        assert (await marie.contents(f"MyShares/{first}")).json()["writable"] is False

        # Not hers to change or revoke, and errors say why, as JSON.
        refused = await marie.request("DELETE", f"/api/meshcollab/shares/{created[first]['id']}")
        assert refused.status_code in (403, 404) and refused.json()["message"]
        bad_role = await einstein.post(
            "/api/meshcollab/shares", json={"path": f"{module_folder}/{first}", "username": "marie", "role": "owner"}
        )
        assert bad_role.status_code == 400 and "role" in bad_role.json()["message"]
        nobody = await einstein.post(
            "/api/meshcollab/shares", json={"path": f"{module_folder}/{first}", "username": "nobody", "role": "viewer"}
        )
        assert nobody.status_code == 404
        missing = await einstein.post(
            "/api/meshcollab/shares", json={"path": f"{module_folder}/missing.ipynb", "username": "marie", "role": "viewer"}
        )
        assert missing.status_code == 404
        twice = await einstein.post(
            "/api/meshcollab/shares", json={"path": f"{module_folder}/{second}", "username": "marie", "role": "viewer"}
        )
        assert twice.status_code == 409
        assert twice.json()["message"] == (
            f"'{module_folder}/{second}' is already shared with marie: change the role of that share instead"
        )

        revoked = await einstein.request("DELETE", f"/api/meshcollab/shares/{created[first]['id']}")
        assert revoked.status_code == 204
        assert (await marie.contents(f"MyShares/{first}")).status_code == 404
        assert created[first]["id"] not in {s["id"] for s in (await einstein.get("/api/meshcollab/shares")).json()["shares"]}
    finally:
        await einstein.aclose()
        await marie.aclose()


async def test_public_links_from_creation_to_revocation(multi_user_server, owner, module_folder):
    name = f"links-{uuid.uuid4().hex[:6]}.ipynb"
    await owner.files.write(f"{await owner.home()}/{module_folder}/{name}", NOTEBOOK)
    einstein = basic_actor(multi_user_server.url, "einstein", "relativity")
    try:
        created = await einstein.post(
            "/api/meshcollab/links",
            json={"path": f"{module_folder}/{name}", "role": "viewer", "expiration": "2999-01-01T00:00:00+00:00"},
        )
        assert created.status_code == 201, created.text
        link = created.json()
        assert link["role"] == "viewer" and not link["password_protected"]
        assert link["expiration"].startswith("2999-01-01") and link["path"] == f"{module_folder}/{name}"

        listed = (await einstein.get("/api/meshcollab/links", params={"path": f"{module_folder}/{name}"})).json()
        assert [entry["id"] for entry in listed["links"]] == [link["id"]]

        changed = await einstein.request(
            "PATCH", f"/api/meshcollab/links/{link['id']}", json={"role": "editor", "password": "now-secret"}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["role"] == "editor" and changed.json()["password_protected"]
        assert changed.json()["expiration"].startswith("2999-01-01")  # not given: unchanged
        lasting = await einstein.request("PATCH", f"/api/meshcollab/links/{link['id']}", json={"expiration": None})
        assert lasting.status_code == 200, lasting.text
        assert lasting.json()["expiration"] is None and lasting.json()["role"] == "editor"

        marie = basic_actor(multi_user_server.url, "marie", "radioactivity")
        assert (await marie.request("DELETE", f"/api/meshcollab/links/{link['id']}")).status_code in (403, 404)
        await marie.aclose()

        assert (await einstein.request("DELETE", f"/api/meshcollab/links/{link['id']}")).status_code == 204
        assert (await einstein.get("/api/meshcollab/links", params={"path": f"{module_folder}/{name}"})).json()["links"] == []
        from identity_clients import Actor

        late = Actor(multi_user_server.url)
        assert (await late.join(link["token"], "now-secret")).status_code == 404
        await late.aclose()
    finally:
        await einstein.aclose()
