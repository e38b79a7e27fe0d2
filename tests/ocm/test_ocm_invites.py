"""The invitation workflow: einstein at institution A invites, marie at institution B forwards the
invitation from B; each then knows the other, and einstein shares with his new contact."""

from __future__ import annotations

import httpx
import pytest
from ocm_mesh import DOMAIN_A, DOMAIN_B

from meshcollab.cs3 import EDITOR, AlreadyExists, CS3Session, NotFound

pytestmark = pytest.mark.anyio


async def test_invite_forward_and_share_with_the_contact(
    mesh, einstein: CS3Session, marie: CS3Session, workdir: str
) -> None:
    invitation = await einstein.ocm.invite("for the relativity notebooks")
    assert invitation.token and invitation.inviter == einstein.user.id and invitation.expiration

    inviter = await marie.ocm.forward_invite(invitation, DOMAIN_A)
    assert inviter.id.idp == DOMAIN_A and inviter.id.opaque_id == einstein.user.id.opaque_id
    assert inviter.display_name == "Albert Einstein"
    assert (await marie.ocm.contacts("einstein"))[0].id == inviter.id
    [contact] = await einstein.ocm.contacts("curie")
    assert contact.id.idp == DOMAIN_B and contact.id.opaque_id == marie.user.id.opaque_id
    assert contact.display_name == "Marie Curie" and contact.mail == "marie@example.org"
    with pytest.raises(AlreadyExists):  # once is enough
        await marie.ocm.forward_invite(invitation, DOMAIN_A)

    notebook = await einstein.files.write(f"{workdir}/for-marie.ipynb", b"{}")
    await einstein.ocm.create(notebook, contact, EDITOR)
    assert "for-marie.ipynb" in {r.name for r in await marie.ocm.list_received()}

    await einstein.ocm.remove_contact(contact)
    assert await einstein.ocm.contacts("curie") == []
    with pytest.raises(NotFound):
        await einstein.ocm.remove_contact(contact)


async def test_unknown_or_untrusted_invitations_are_refused(mesh, marie: CS3Session) -> None:
    with pytest.raises(NotFound):
        await marie.ocm.forward_invite("no-such-token", DOMAIN_A)
    with pytest.raises(NotFound):  # not an institution of B's mesh
        await marie.ocm.forward_invite("whatever", "elsewhere.example")
    async with httpx.AsyncClient() as client:
        untrusted = await client.post(
            f"{mesh.a.data_url}/ocm/invite-accepted",
            json={"token": "x", "userID": "mallory", "recipientProvider": "evil.example"},
        )
        incomplete = await client.post(f"{mesh.a.data_url}/ocm/invite-accepted", json={"token": "x"})
    assert untrusted.status_code == 403 and incomplete.status_code == 400
