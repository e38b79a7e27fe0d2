"""Users and spaces."""

from __future__ import annotations

import pytest

from meshcollab.cs3 import CS3Session, NotFound

pytestmark = pytest.mark.anyio


async def test_users_by_id_claim_and_search(einstein: CS3Session, marie: CS3Session) -> None:
    assert (await einstein.users.get(marie.user.id)).username == "marie"
    by_name = await einstein.users.get_by_claim("username", "marie")
    assert by_name.id == marie.user.id and by_name.display_name
    assert "marie" in {user.username for user in await einstein.users.find("mar")}
    with pytest.raises(NotFound):
        await einstein.users.get_by_claim("username", "nobody-by-that-name")


async def test_the_personal_space_is_listed(einstein: CS3Session) -> None:
    spaces = await einstein.spaces.list()
    personal = [space for space in spaces if space.space_type == "personal"]
    assert personal and personal[0].root is not None
    root = await einstein.files.stat(personal[0].root)
    assert root.path == await einstein.home()
    assert [space.id for space in await einstein.spaces.list("personal")] == [space.id for space in personal]
