"""Federated shares survive a restart of either institution's store."""

from __future__ import annotations

import pytest
from ocm_mesh import DOMAIN_B, config_for

from meshcollab.cs3 import EDITOR, CS3Gateway, ShareState

pytestmark = pytest.mark.anyio


async def test_restarting_either_store_keeps_the_shares(fresh_mesh) -> None:
    async with (
        CS3Gateway(config_for(fresh_mesh.a)) as gateway_a,
        CS3Gateway(config_for(fresh_mesh.b)) as gateway_b,
    ):
        einstein = await gateway_a.login_basic("einstein", "relativity")
        marie = await gateway_b.login_basic("marie", "radioactivity")
        notebook = await einstein.files.write("/home/einstein/kept.ipynb", b"v1")
        share = await einstein.ocm.create(notebook, f"marie@{DOMAIN_B}", EDITOR)
        pending = await marie.ocm.list_received()
        accepted = await marie.ocm.accept(pending[0].id)

        fresh_mesh.a.restart()
        fresh_mesh.b.restart()

        assert [s.id for s in await einstein.ocm.list()] == [share.id]
        [again] = await marie.ocm.list_received()
        assert again.id == accepted.id and again.state is ShareState.ACCEPTED
        remote = marie.ocm.resource_id(again)
        assert await marie.files.read_bytes(remote) == b"v1"
        await marie.files.write(remote, b"v2 after restarts")
        assert await einstein.files.read_bytes(notebook) == b"v2 after restarts"

        fresh_mesh.a.restart()  # the secret still works after the provider restarts, until revoked
        await einstein.ocm.remove(share.id)
        with pytest.raises(Exception) as refused:
            await marie.files.read_bytes(remote)
        assert type(refused.value).__name__ in ("NotFound", "PermissionDenied")
