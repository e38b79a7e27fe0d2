"""Federated shares between two institutions (two store processes, real gRPC and HTTP): einstein
at institution A shares a notebook with marie at institution B; B lists it pending, marie accepts,
reads and edits it through B's gateway; A enforces what the share grants, and revocation ends it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import anyio
import httpx
import pytest
from ocm_mesh import DOMAIN_A, DOMAIN_B

from meshcollab.cs3 import (
    EDITOR,
    OCM_STORAGE_ID,
    VIEWER,
    Conflict,
    CS3Session,
    InvalidArgument,
    Locked,
    NotFound,
    PermissionDenied,
    Reference,
    ShareState,
)

pytestmark = pytest.mark.anyio

NOTEBOOK = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()
EDITED = NOTEBOOK.replace(
    b'"cells": []', b'"cells": [{"cell_type": "markdown", "metadata": {}, "source": "marie"}]'
)


async def _received(marie: CS3Session, name: str):
    found = [r for r in await marie.ocm.list_received() if r.name == name]
    assert len(found) == 1, [r.name for r in await marie.ocm.list_received()]
    return found[0]


async def test_share_accept_open_edit(einstein: CS3Session, marie: CS3Session, workdir: str) -> None:
    notebook = await einstein.files.write(f"{workdir}/relativity.ipynb", NOTEBOOK)
    share = await einstein.ocm.create(notebook, f"marie@{DOMAIN_B}", EDITOR)
    assert share.resource_id == notebook.id and share.name == "relativity.ipynb"
    assert share.grantee.idp == DOMAIN_B and share.grantee.opaque_id == "marie"
    assert share.permissions.can_write
    assert [s.id for s in await einstein.ocm.list(notebook)] == [share.id]

    received = await _received(marie, "relativity.ipynb")
    assert received.state is ShareState.PENDING
    assert received.provider == DOMAIN_A and received.owner.opaque_id == einstein.user.id.opaque_id
    assert received.remote_share_id == share.id and received.permissions.can_write and not received.is_folder
    remote = marie.ocm.resource_id(received)
    assert remote.storage_id == OCM_STORAGE_ID
    with pytest.raises(PermissionDenied):  # not before she accepts
        await marie.files.read_bytes(remote)

    accepted = await marie.ocm.accept(received.id)
    assert accepted.state is ShareState.ACCEPTED and accepted.mount_point == "OCM/relativity.ipynb"
    assert (await marie.ocm.list_received(ShareState.ACCEPTED))[0].id == received.id

    seen = await marie.files.stat(remote)
    assert seen.id == remote and seen.name == "relativity.ipynb" and seen.is_file
    assert seen.owner.idp == DOMAIN_A and seen.permissions.can_write
    assert seen.etag == (await einstein.files.stat(notebook)).etag
    assert await marie.files.read_bytes(remote) == NOTEBOOK

    by_path = await marie.files.stat(f"{await marie.home()}/{accepted.mount_point}")  # mounted in her home
    assert by_path.etag == seen.etag and by_path.path == f"/home/marie/{accepted.mount_point}"

    written = await marie.files.write(remote, EDITED)
    assert await einstein.files.read_bytes(notebook.id) == EDITED
    mine = await einstein.files.stat(notebook.id)
    assert written.etag == mine.etag and mine.id == notebook.id  # the same resource, a new version
    assert await marie.files.read_bytes(remote) == EDITED


async def test_a_federated_write_never_lands_over_a_change_made_while_it_was_under_way(
    einstein: CS3Session, marie: CS3Session, workdir: str
) -> None:
    """B relays marie's upload to A only once its body has arrived: her etag goes with it, and A
    refuses the write if einstein changed the notebook in the meantime."""
    notebook = await einstein.files.write(f"{workdir}/raced.ipynb", NOTEBOOK)
    await einstein.ocm.create(notebook, f"marie@{DOMAIN_B}", EDITOR)
    remote = marie.ocm.resource_id(await marie.ocm.accept((await _received(marie, "raced.ipynb")).id))
    seen = await marie.files.stat(remote)

    async def edited_while_einstein_writes():
        await einstein.files.write(notebook.id, b"einstein's change")
        yield EDITED

    with pytest.raises(Conflict) as caught:
        await marie.files.write(remote, edited_while_einstein_writes(), if_match=seen.etag)
    assert not isinstance(caught.value, Locked)  # a change, not someone's lock: the room merges it
    assert await einstein.files.read_bytes(notebook.id) == b"einstein's change"


async def test_a_viewer_share_refuses_writes(einstein: CS3Session, marie: CS3Session, workdir: str) -> None:
    notebook = await einstein.files.write(f"{workdir}/viewer.ipynb", NOTEBOOK)
    share = await einstein.ocm.create(notebook, f"marie@{DOMAIN_B}", VIEWER)
    assert not share.permissions.can_write
    received = await marie.ocm.accept((await _received(marie, "viewer.ipynb")).id)
    remote = marie.ocm.resource_id(received)
    assert not (await marie.files.stat(remote)).permissions.can_write
    assert await marie.files.read_bytes(remote) == NOTEBOOK
    with pytest.raises(PermissionDenied):
        await marie.files.write(remote, EDITED)
    assert await einstein.files.read_bytes(notebook) == NOTEBOOK

    # Upgraded by einstein: the same share now takes her edit.
    await einstein.ocm.update(share.id, permissions=EDITOR)
    await marie.files.write(remote, EDITED)
    assert await einstein.files.read_bytes(notebook) == EDITED


async def test_revocation_stops_access(einstein: CS3Session, marie: CS3Session, workdir: str) -> None:
    notebook = await einstein.files.write(f"{workdir}/revoked.ipynb", NOTEBOOK)
    share = await einstein.ocm.create(notebook, f"marie@{DOMAIN_B}", EDITOR)
    received = await marie.ocm.accept((await _received(marie, "revoked.ipynb")).id)
    remote = marie.ocm.resource_id(received)
    assert await marie.files.read_bytes(remote) == NOTEBOOK

    await einstein.ocm.remove(share.id)
    assert share.id not in {s.id for s in await einstein.ocm.list()}
    with pytest.raises(NotFound):
        await einstein.ocm.get(share.id)
    with pytest.raises((NotFound, PermissionDenied)):
        await marie.files.read_bytes(remote)
    with pytest.raises((NotFound, PermissionDenied)):
        await marie.files.write(remote, EDITED)
    assert await einstein.files.read_bytes(notebook) == NOTEBOOK
    # Told by A (and confirmed with A), B drops it from her inbox.
    assert received.id not in {r.id for r in await marie.ocm.list_received()}


async def test_a_revoked_secret_is_refused_even_if_the_recipient_was_not_told(
    mesh, einstein: CS3Session, marie: CS3Session, workdir: str
) -> None:
    notebook = await einstein.files.write(f"{workdir}/untold.ipynb", NOTEBOOK)
    share = await einstein.ocm.create(notebook, f"marie@{DOMAIN_B}", EDITOR)
    received = await marie.ocm.accept((await _received(marie, "untold.ipynb")).id)
    remote = marie.ocm.resource_id(received)
    config_b = mesh.a.root / "ocm.json"
    saved = config_b.read_text()
    # A forgets where B's OCM API is (its notification fails), then revokes.
    broken = json.loads(saved)
    broken["peers"][0]["ocm"] = "http://127.0.0.1:9/ocm"
    config_b.write_text(json.dumps(broken))
    try:
        await einstein.ocm.remove(share.id)
    finally:
        config_b.write_text(saved)
    assert received.id in {r.id for r in await marie.ocm.list_received()}  # B was not told
    with pytest.raises((NotFound, PermissionDenied)):
        await marie.files.read_bytes(remote)


async def test_a_rejected_share_cannot_be_opened(
    einstein: CS3Session, marie: CS3Session, workdir: str
) -> None:
    notebook = await einstein.files.write(f"{workdir}/declined.ipynb", NOTEBOOK)
    await einstein.ocm.create(notebook, f"marie@{DOMAIN_B}", VIEWER)
    rejected = await marie.ocm.reject((await _received(marie, "declined.ipynb")).id)
    assert rejected.state is ShareState.REJECTED and rejected.hidden
    with pytest.raises(PermissionDenied):
        await marie.files.stat(marie.ocm.resource_id(rejected))


async def test_a_shared_folder_is_listed_and_its_files_edited(
    einstein: CS3Session, marie: CS3Session, workdir: str
) -> None:
    folder = f"{workdir}/project"
    await einstein.files.mkdir(folder)
    await einstein.files.write(f"{folder}/a.ipynb", NOTEBOOK)
    await einstein.ocm.create(folder, f"marie@{DOMAIN_B}", EDITOR)
    received = await marie.ocm.accept((await _received(marie, "project")).id)
    assert received.is_folder
    root = marie.ocm.resource_id(received)
    entries = await marie.files.list(root)
    assert [e.name for e in entries] == ["a.ipynb"]
    assert await marie.files.read_bytes(entries[0].id) == NOTEBOOK
    await marie.files.write(Reference(resource_id=root, path="./b.ipynb"), EDITED)
    assert await einstein.files.read_bytes(f"{folder}/b.ipynb") == EDITED
    assert (await marie.files.stat(Reference(resource_id=root, path="./b.ipynb"))).name == "b.ipynb"
    with pytest.raises((NotFound, InvalidArgument)):  # nothing above the shared folder is reachable
        await marie.files.stat(Reference(resource_id=root, path="./../x"))


async def test_a_lock_taken_through_the_share_guards_the_owners_file(
    einstein: CS3Session, marie: CS3Session, workdir: str
) -> None:
    notebook = await einstein.files.write(f"{workdir}/locked.ipynb", NOTEBOOK)
    await einstein.ocm.create(notebook, f"marie@{DOMAIN_B}", EDITOR)
    remote = marie.ocm.resource_id(await marie.ocm.accept((await _received(marie, "locked.ipynb")).id))
    await marie.locks.set(remote, "room-at-b", app_name="meshcollab")
    assert (await einstein.locks.get(notebook)).lock_id == "room-at-b"
    with pytest.raises(Locked):
        await einstein.files.write(notebook, b"einstein without the lock")
    await marie.files.write(remote, EDITED, lock_id="room-at-b")
    await marie.locks.unlock(remote, "room-at-b")
    assert await einstein.locks.get(notebook) is None
    assert await einstein.files.read_bytes(notebook) == EDITED


async def test_only_trusted_institutions_and_known_users(
    mesh, einstein: CS3Session, marie: CS3Session, workdir: str
) -> None:
    notebook = await einstein.files.write(f"{workdir}/private.ipynb", NOTEBOOK)
    with pytest.raises(NotFound):  # not in A's mesh
        await einstein.ocm.create(notebook, "marie@elsewhere.example", VIEWER)
    with pytest.raises(NotFound):  # B has no such user: it refuses, A keeps nothing
        await einstein.ocm.create(notebook, f"nobody@{DOMAIN_B}", VIEWER)
    assert await einstein.ocm.list(notebook) == []
    with pytest.raises((PermissionDenied, NotFound)):  # someone else's file
        await marie.ocm.create(notebook, f"einstein@{DOMAIN_A}", VIEWER)

    share = {
        "shareWith": f"marie@{DOMAIN_B}",
        "name": "forged.ipynb",
        "providerId": "x",
        "owner": f"einstein@{DOMAIN_A}",
        "sender": f"einstein@{DOMAIN_A}",
        "shareType": "user",
        "resourceType": "file",
        "protocol": {"name": "multi", "cs3": {"sharedSecret": "guessed", "permissions": ["read"]}},
    }
    async with httpx.AsyncClient() as client:
        forged = await client.post(f"{mesh.b.data_url}/ocm/shares", json=share)
        untrusted = await client.post(
            f"{mesh.b.data_url}/ocm/shares", json={**share, "sender": "mallory@evil.example"}
        )
        malformed = await client.post(
            f"{mesh.b.data_url}/ocm/shares", content=b"{", headers={"Content-Type": "application/json"}
        )
        discovery = (await client.get(f"{mesh.b.data_url}/ocm-provider")).json()
    assert forged.status_code == 400 and "cannot be reached" in forged.json()["message"]
    assert untrusted.status_code == 403
    assert malformed.status_code == 400
    assert discovery["enabled"] and discovery["endPoint"].endswith("/ocm")
    assert "forged.ipynb" not in {r.name for r in await marie.ocm.list_received()}
    assert {p.domain for p in await einstein.ocm.providers()} == {DOMAIN_A, DOMAIN_B}


async def test_an_expired_share_ends_access(einstein: CS3Session, marie: CS3Session, workdir: str) -> None:
    notebook = await einstein.files.write(f"{workdir}/expiring.ipynb", NOTEBOOK)
    share = await einstein.ocm.create(notebook, f"marie@{DOMAIN_B}", EDITOR)
    remote = marie.ocm.resource_id(await marie.ocm.accept((await _received(marie, "expiring.ipynb")).id))
    assert await marie.files.read_bytes(remote) == NOTEBOOK
    soon = datetime.now(UTC) + timedelta(seconds=1)
    assert (await einstein.ocm.update(share.id, expiration=soon)).expiration is not None
    await anyio.sleep(1.5)
    with pytest.raises((NotFound, PermissionDenied)):
        await marie.files.read_bytes(remote)
    assert share.id not in {s.id for s in await einstein.ocm.list()}
