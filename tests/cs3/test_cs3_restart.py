"""What survives a restart of the store: ids, shares, links, locks, and the sessions themselves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from meshcollab.cs3 import VIEWER, CS3Gateway, ShareState

pytestmark = pytest.mark.anyio


async def test_a_restart_keeps_ids_content_locks_and_sessions(fresh_store, config_for) -> None:
    async with CS3Gateway(config_for(fresh_store)) as gateway:
        einstein = await gateway.login_basic("einstein", "relativity")
        home = await einstein.home()
        notebook = await einstein.files.write(f"{home}/kept.ipynb", b"before the restart")
        await einstein.files.write(f"{home}/kept.ipynb", b"after an overwrite")
        await einstein.locks.set(notebook, "room-lock", expiration=timedelta(hours=1))

        fresh_store.restart()

        # The same gateway and session go on: the channel reconnects, the token stays valid.
        assert (await einstein.files.stat(f"{home}/kept.ipynb")).id == notebook.id
        assert await einstein.files.read_bytes(notebook.id) == b"after an overwrite"
        assert (await einstein.locks.get(notebook.id)).lock_id == "room-lock"
        assert len(await einstein.versions.list(notebook.id)) == 1


async def test_a_restart_keeps_shares_and_links(fresh_store, config_for) -> None:
    async with CS3Gateway(config_for(fresh_store)) as gateway:
        einstein = await gateway.login_basic("einstein", "relativity")
        marie = await gateway.login_basic("marie", "radioactivity")
        notebook = await einstein.files.write(
            f"{await einstein.home()}/shared.ipynb", b"shared before the restart"
        )
        share = await einstein.shares.create(notebook, marie.user, VIEWER)
        await marie.shares.accept(share.id)
        link = await einstein.links.create(notebook, VIEWER, password="pw")

        fresh_store.restart()

        assert (await einstein.shares.get(share.id)).grantee == marie.user.id
        assert {r.share.id: r.state for r in await marie.shares.list_received()}[
            share.id
        ] is ShareState.ACCEPTED
        assert await marie.files.read_bytes(notebook.id) == b"shared before the restart"
        assert (await einstein.links.get(link.id)).token == link.token
        guest = await gateway.login_public_link(link.token, "pw")
        assert guest.public_link.resource_id == notebook.id
        assert await guest.files.read_bytes(notebook.id) == b"shared before the restart"
