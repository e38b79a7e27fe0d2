"""Shares between users: created by the owner, accepted or rejected by the recipient, with exactly
the granted permissions."""

from __future__ import annotations

import pytest

from meshcollab.cs3 import EDITOR, VIEWER, CS3Session, NotFound, PermissionDenied, ShareState

pytestmark = pytest.mark.anyio


async def test_a_viewer_share_lets_the_recipient_read_but_not_write(
    einstein: CS3Session, marie: CS3Session, workdir: str
) -> None:
    notebook = await einstein.files.write(f"{workdir}/shared.ipynb", b"einstein's notebook")
    share = await einstein.shares.create(notebook, marie.user, VIEWER)
    assert share.resource_id == notebook.id and share.grantee == marie.user.id
    assert share.permissions.can_read and not share.permissions.can_write

    received = {r.share.id: r for r in await marie.shares.list_received()}
    assert received[share.id].state is ShareState.PENDING
    accepted = await marie.shares.accept(share.id)
    assert accepted.state is ShareState.ACCEPTED
    assert (await marie.shares.get_received(share.id)).state is ShareState.ACCEPTED

    seen = await marie.files.stat(notebook.id)
    assert seen.id == notebook.id and seen.permissions.can_read and not seen.permissions.can_write
    assert await marie.files.read_bytes(notebook.id) == b"einstein's notebook"
    with pytest.raises(PermissionDenied):
        await marie.files.write(notebook.id, b"marie was here")
    assert await einstein.files.read_bytes(notebook.id) == b"einstein's notebook"


async def test_an_editor_share_lets_the_recipient_write(
    einstein: CS3Session, marie: CS3Session, workdir: str
) -> None:
    notebook = await einstein.files.write(f"{workdir}/edit.ipynb", b"v1")
    share = await einstein.shares.create(notebook.id, marie.user.id, EDITOR)
    await marie.shares.accept(share.id)
    written = await marie.files.write(notebook.id, b"v2 by marie")
    assert written.id == notebook.id
    assert await einstein.files.read_bytes(notebook.id) == b"v2 by marie"


async def test_updating_and_removing_a_share(einstein: CS3Session, marie: CS3Session, workdir: str) -> None:
    notebook = await einstein.files.write(f"{workdir}/changing.ipynb", b"v1")
    share = await einstein.shares.create(notebook, marie.user, VIEWER)
    await marie.shares.accept(share.id)

    assert [s.id for s in await einstein.shares.list(notebook)] == [share.id]
    assert share.id in {s.id for s in await einstein.shares.list()}
    assert (await einstein.shares.get(share.id)).permissions == VIEWER

    updated = await einstein.shares.update(share.id, EDITOR)
    assert updated.permissions.can_write and (await einstein.shares.get(share.id)).permissions.can_write
    await marie.files.write(notebook.id, b"v2")

    await einstein.shares.remove(share.id)
    with pytest.raises(NotFound):
        await einstein.shares.get(share.id)
    with pytest.raises((NotFound, PermissionDenied)):
        await marie.files.stat(notebook.id)
    assert share.id not in {r.share.id for r in await marie.shares.list_received()}


async def test_a_rejected_share_stays_rejected(einstein: CS3Session, marie: CS3Session, workdir: str) -> None:
    notebook = await einstein.files.write(f"{workdir}/unwanted.ipynb", b"{}")
    share = await einstein.shares.create(notebook, marie.user, VIEWER)
    rejected = await marie.shares.reject(share.id)
    assert rejected.state is ShareState.REJECTED
    assert share.id in {r.share.id for r in await marie.shares.list_received(ShareState.REJECTED)}
    assert share.id not in {r.share.id for r in await marie.shares.list_received(ShareState.ACCEPTED)}


async def test_only_the_owner_manages_a_share(einstein: CS3Session, marie: CS3Session, workdir: str) -> None:
    notebook = await einstein.files.write(f"{workdir}/owned.ipynb", b"{}")
    share = await einstein.shares.create(notebook, marie.user, VIEWER)
    await marie.shares.accept(share.id)
    with pytest.raises((PermissionDenied, NotFound)):
        await marie.shares.update(share.id, EDITOR)
    with pytest.raises((PermissionDenied, NotFound)):
        await marie.shares.create(notebook.id, einstein.user, EDITOR)


async def test_an_accepted_share_is_the_same_resource_under_the_share_folder(
    einstein: CS3Session, marie: CS3Session, workdir: str
) -> None:
    # The owner's path and the recipient's mount are two names of one resource: one room.
    notebook = await einstein.files.write(f"{workdir}/both.ipynb", b"{}")
    share = await einstein.shares.create(notebook, marie.user, EDITOR)
    accepted = await marie.shares.accept(share.id)
    assert accepted.mount_point
    # "MyShares" is the default share_folder of Reva's gateway.
    mounted = await marie.files.stat(f"{await marie.home()}/MyShares/{accepted.mount_point}")
    assert mounted.id == notebook.id
    assert mounted.id.encode() == notebook.id.encode()
