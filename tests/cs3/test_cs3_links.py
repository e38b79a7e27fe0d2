"""Public links: a guest with the link token (and password) reaches the linked file and nothing else."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from meshcollab.cs3 import EDITOR, VIEWER, CS3Gateway, CS3Session, NotFound, PermissionDenied, Unauthenticated

pytestmark = pytest.mark.anyio


async def test_a_link_guest_reaches_the_linked_file_and_nothing_else(
    gateway: CS3Gateway, einstein: CS3Session, workdir: str
) -> None:
    notebook = await einstein.files.write(f"{workdir}/linked.ipynb", b"for everyone with the link")
    other = await einstein.files.write(f"{workdir}/other.ipynb", b"not linked")
    link = await einstein.links.create(notebook, VIEWER, password="s3cret")
    assert link.token and link.password_protected and link.resource_id == notebook.id

    with pytest.raises(Unauthenticated):
        await gateway.login_public_link(link.token, "wrong")
    with pytest.raises(Unauthenticated):
        await gateway.login_public_link(link.token)

    guest = await gateway.login_public_link(link.token, "s3cret")
    assert guest.public_link is not None and guest.public_link.resource_id == notebook.id
    assert await guest.files.read_bytes(guest.public_link.resource_id) == b"for everyone with the link"
    assert (await guest.files.stat(notebook.id)).permissions.can_read

    for elsewhere in (other.id, f"{workdir}/other.ipynb", workdir, "/home/einstein"):
        with pytest.raises((PermissionDenied, NotFound)):
            await guest.files.stat(elsewhere)
    with pytest.raises((PermissionDenied, NotFound)):
        await guest.files.read_bytes(other.id)
    with pytest.raises(PermissionDenied):
        await guest.files.write(notebook.id, b"defaced")
    assert await einstein.files.read_bytes(notebook.id) == b"for everyone with the link"


async def test_an_editor_link_lets_the_guest_write_the_file(
    gateway: CS3Gateway, einstein: CS3Session, workdir: str
) -> None:
    notebook = await einstein.files.write(f"{workdir}/open.ipynb", b"v1")
    link = await einstein.links.create(notebook, EDITOR)
    guest = await gateway.login_public_link(link.token)
    await guest.files.write(link.resource_id, b"v2 by a guest")
    assert await einstein.files.read_bytes(notebook.id) == b"v2 by a guest"


async def test_managing_links(gateway: CS3Gateway, einstein: CS3Session, workdir: str) -> None:
    notebook = await einstein.files.write(f"{workdir}/managed.ipynb", b"{}")
    expiry = datetime.now(timezone.utc) + timedelta(days=7)
    link = await einstein.links.create(notebook, VIEWER, expiration=expiry)
    assert link.expiration is not None and abs((link.expiration - expiry).total_seconds()) < 1

    assert (await einstein.links.get(link.id)).token == link.token
    assert (await einstein.links.get_by_token(link.token)).id == link.id
    assert [found.id for found in await einstein.links.list(notebook)] == [link.id]
    assert link.id in {found.id for found in await einstein.links.list()}

    updated = await einstein.links.update(link.id, permissions=EDITOR, password="now-protected")
    assert updated.permissions.can_write and updated.password_protected
    assert updated.expiration is not None  # what was not given stays
    lasting = await einstein.links.update(link.id, remove_expiration=True)
    assert lasting.expiration is None and (await einstein.links.get(link.id)).expiration is None
    assert lasting.permissions.can_write and lasting.password_protected
    with pytest.raises(Unauthenticated):
        await gateway.login_public_link(link.token)
    await gateway.login_public_link(link.token, "now-protected")

    await einstein.links.remove(link.id)
    with pytest.raises(NotFound):
        await einstein.links.get(link.id)
    with pytest.raises((Unauthenticated, NotFound)):
        await gateway.login_public_link(link.token, "now-protected")


async def test_an_expired_link_lets_nobody_in(
    gateway: CS3Gateway, einstein: CS3Session, workdir: str
) -> None:
    notebook = await einstein.files.write(f"{workdir}/expired.ipynb", b"{}")
    link = await einstein.links.create(notebook, VIEWER)
    await einstein.links.update(link.id, expiration=datetime.now(timezone.utc) - timedelta(minutes=1))
    with pytest.raises((Unauthenticated, NotFound)):
        await gateway.login_public_link(link.token)
