"""The lock lifecycle, seen through an independent CS3 client: the room's lock while it is active and
none after; another application's lock blocks saving (clients told, file untouched, nothing lost) until
it goes; refreshes keep the lock past its TTL; a stolen lock stops writing; advisory locks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import anyio
import pytest
from collab_helpers import collab, eventually, read_stable, room_id
from jupyter_ydoc import YNotebook
from lockless_gateway import lockless_gateway
from room_clients import NOTEBOOK, notebook

from meshcollab.collab import ADVISORY_KEY, LeaseState, RoomRecord, SaveOutcome
from meshcollab.cs3 import CS3Config, CS3Gateway, CS3Session, LockType, Unsupported

pytestmark = pytest.mark.anyio


def append(doc, text: str) -> None:
    source = YNotebook(doc).ycells[1]["source"]
    source.insert(len(source), text)


async def cell_source(session: CS3Session, path: str) -> str:
    return json.loads(await read_stable(session, path))["cells"][1]["source"]


async def new_notebook(session: CS3Session, workdir: str, name: str = "nb.ipynb"):
    path = f"{workdir}/{name}"
    return path, await session.files.write(path, json.dumps(NOTEBOOK).encode())


async def test_the_room_holds_a_meshcollab_lock_while_active_and_none_after(
    tmp_path, einstein, outsider, workdir
):
    path, resource = await new_notebook(einstein, workdir)
    room = room_id(resource)
    async with collab(tmp_path, einstein, room_close_delay=0.1) as c:
        assert await outsider.locks.get(path) is None
        async with c.server.client(room=room) as client:
            lock = await outsider.locks.get(path)
            assert lock is not None
            assert lock.app_name == "meshcollab" and lock.type is LockType.WRITE
            assert lock.lock_id == c.lease(room).lock_id
            assert lock.expiration > datetime.now(UTC)
            append(client.doc, "\nlast = 1")
        # The last client left: after room_close_delay the final snapshot, then the unlock.
        await eventually(lambda: c.server.registry.get(room) is None)
        assert await outsider.locks.get(path) is None
        assert "last = 1" in await cell_source(outsider, path)

        # The next activation takes a lock of its own.
        async with c.server.client(room=room):
            second = await outsider.locks.get(path)
            assert second.app_name == "meshcollab" and second.lock_id != lock.lock_id
        await eventually(lambda: c.server.registry.get(room) is None)
        assert await outsider.locks.get(path) is None


async def test_a_lock_held_by_another_app_blocks_saving_until_it_goes(tmp_path, einstein, outsider, workdir):
    path, resource = await new_notebook(einstein, workdir)
    await outsider.locks.set(path, "wopi-lock-1", expiration=None, app_name="collabora")
    async with collab(tmp_path, einstein) as c:
        room = room_id(resource)
        async with c.server.client(room=room) as client:
            # Clients are told who holds the lock and until when.
            [notice] = await eventually(lambda: client.notices("save-blocked"))
            assert notice["reason"] == "locked" and notice["edits_kept"] is True
            assert notice["holder"]["app"] == "collabora" and notice["holder"]["expires"]
            # The holder by id (as before) and by the name people know them by.
            assert notice["holder"]["user"] == outsider.user.id.opaque_id
            assert notice["holder"]["name"] == "Albert Einstein"
            assert "collabora" in notice["message"] and "Albert Einstein" in notice["message"]
            lock = await outsider.locks.get(path)
            assert lock.lock_id == "wopi-lock-1"

            for i in range(5):
                append(client.doc, f"\nedit{i} = {i}")
            live = c.server.registry.get(room)
            await eventually(lambda: "edit4" in notebook(live.doc)["cells"][1]["source"])
            writer = c.writer(room)
            # The writer tried (and was refused by the lease) at least once before we look.
            await eventually(lambda: writer.last_outcome is SaveOutcome.BLOCKED)
            await anyio.sleep(0.3)  # a few debounce periods: still nothing may be written
            assert (await outsider.files.stat(path)).etag == resource.etag
            assert json.loads(await read_stable(outsider, path)) == NOTEBOOK
            assert writer.writes == 0

            # Nothing is lost: the room (and its store) has every edit.
            assert all(f"edit{i} = {i}" in notebook(live.doc)["cells"][1]["source"] for i in range(5))

            # The other application lets go: the room takes the lock and writes the pending snapshot.
            await outsider.locks.unlock(path, "wopi-lock-1", app_name="collabora")
            await eventually(lambda: c.lease(room).held)
            await eventually(lambda: _contains(outsider, path, "edit4 = 4"))
            assert (await outsider.locks.get(path)).app_name == "meshcollab"
            await eventually(lambda: client.notices("saved") and client.raw[-1].get("code") == "saved")


async def _contains(session, path, text) -> bool:
    return text in await cell_source(session, path)


async def test_refreshes_keep_the_lock_past_its_ttl(tmp_path, einstein, outsider, workdir):
    path, resource = await new_notebook(einstein, workdir)
    ttl = 1.5
    async with collab(tmp_path, einstein, lock_ttl=ttl) as c:
        room = room_id(resource)
        async with c.server.client(room=room) as client:
            first = await outsider.locks.get(path)
            # Wait until well past the first lock's expiry (a wait for a condition, not a measurement).
            await eventually(lambda: datetime.now(UTC) > first.expiration + _seconds(ttl))
            later = await outsider.locks.get(path)
            assert later is not None and later.lock_id == first.lock_id
            assert later.expiration > first.expiration
            append(client.doc, "\nstill = 'saving'")
            await eventually(lambda: _contains(outsider, path, "still = 'saving'"))


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


async def test_a_stolen_lock_stops_writing_and_is_taken_back_when_free(tmp_path, einstein, outsider, workdir):
    path, resource = await new_notebook(einstein, workdir)
    async with collab(tmp_path, einstein, lock_ttl=1.5) as c:
        room = room_id(resource)
        async with c.server.client(room=room) as client:
            lease = c.lease(room)
            # Another application removes the room's lock and takes its own.
            await outsider.locks.unlock(path, lease.lock_id, app_name="meshcollab")
            await outsider.locks.set(path, "thief", expiration=None, app_name="other-app")
            await eventually(lambda: lease.state is LeaseState.LOST)
            # Told at once that the lock was lost, then who holds it now.
            notice = await eventually(
                lambda: [
                    n for n in client.notices("save-blocked") if n["reason"] == "lock-lost" and n["holder"]
                ]
            )
            assert notice[-1]["holder"]["app"] == "other-app"
            assert notice[-1]["holder"]["name"] == "Albert Einstein"
            before = await outsider.files.stat(path)
            append(client.doc, "\nwhile_stolen = 1")
            live = c.server.registry.get(room)
            await eventually(lambda: "while_stolen" in notebook(live.doc)["cells"][1]["source"])
            await anyio.sleep(0.3)
            assert (await outsider.files.stat(path)).etag == before.etag

            await outsider.locks.unlock(path, "thief", app_name="other-app")
            await eventually(lambda: lease.held)
            await eventually(lambda: _contains(outsider, path, "while_stolen = 1"))


async def test_advisory_lock_in_metadata_when_the_storage_has_no_locks(tmp_path, einstein, outsider, workdir):
    path, resource = await new_notebook(einstein, workdir)
    # Someone else's unexpired advisory lock is honoured like a lock.
    theirs = {"lock_id": "x", "app": "notebook-tool", "user": "marie", "expires": "2999-01-01T00:00:00Z"}
    await outsider.files.set_metadata(path, {ADVISORY_KEY: json.dumps(theirs)})
    async with collab(tmp_path, einstein, lock_kind="advisory", room_close_delay=0.1) as c:
        room = room_id(resource)
        async with c.server.client(room=room) as client:
            [notice] = await eventually(lambda: client.notices("save-blocked"))
            assert notice["reason"] == "locked"
            assert notice["holder"] == {
                "app": "notebook-tool",
                "user": "marie",
                "expires": "2999-01-01T00:00:00Z",
                "advisory": True,
                "name": "Marie Curie",
            }
            append(client.doc, "\nadvisory = 1")
            await anyio.sleep(0.3)
            assert (await outsider.files.stat(path)).etag == resource.etag

            await outsider.files.unset_metadata(path, [ADVISORY_KEY])
            await eventually(lambda: c.lease(room).held)
            marked = json.loads(
                (await outsider.files.stat(path, metadata_keys=[ADVISORY_KEY])).metadata[ADVISORY_KEY]
            )
            assert marked["app"] == "meshcollab" and marked["user"] == "einstein"
            assert marked["lock_id"] == c.lease(room).lock_id
            await eventually(lambda: _contains(outsider, path, "advisory = 1"))
            assert client.notices("saved")[-1]["lock"] == "advisory"
            assert await outsider.locks.get(path) is None  # no CS3 lock was taken
        await eventually(lambda: c.server.registry.get(room) is None)
        after = await outsider.files.stat(path, metadata_keys=[ADVISORY_KEY])
        assert ADVISORY_KEY not in after.metadata


async def test_storage_without_locks_falls_back_to_an_advisory_lock_and_says_so(tmp_path, store, workdir):
    async with (
        lockless_gateway(store.grpc_address) as address,
        CS3Gateway(CS3Config(gateway=address, deadline=15, retries=2, retry_backoff=0.05)) as gateway,
    ):
        einstein = await gateway.login_basic("einstein", "relativity")
        with pytest.raises(Unsupported):
            await einstein.locks.set(f"{workdir}/probe", "x")  # as Reva's local driver answers
        path, resource = await new_notebook(einstein, workdir)
        async with collab(tmp_path, einstein, room_close_delay=0.05) as c:
            room = room_id(resource)
            async with c.server.client(room=room) as client:
                # The room's status, sent to every client, says so.
                notice = (await eventually(lambda: client.notices("saved")))[-1]
                assert notice["lock"] == "advisory" and "advisory lock" in notice["message"]
                assert c.lease(room).held and c.lease(room).advisory
                marked = await einstein.files.stat(path, metadata_keys=[ADVISORY_KEY])
                assert json.loads(marked.metadata[ADVISORY_KEY])["lock_id"] == c.lease(room).lock_id
                append(client.doc, "\nno_locks = 1")
                await eventually(lambda: _contains(einstein, path, "no_locks = 1"))
            await eventually(lambda: c.server.registry.get(room) is None)
            assert (
                ADVISORY_KEY not in (await einstein.files.stat(path, metadata_keys=[ADVISORY_KEY])).metadata
            )


async def test_a_lock_left_by_a_server_that_died_is_taken_over_by_the_same_room(
    tmp_path, einstein, outsider, workdir
):
    path, resource = await new_notebook(einstein, workdir)
    room = room_id(resource)
    async with collab(tmp_path, einstein) as c:
        # The room's previous activation locked the file and its server died before unlocking.
        await RoomRecord(c.server.registry.store, room).set_lock_id("meshcollab-previous")
        await outsider.locks.set(
            path, "meshcollab-previous", expiration=timedelta(minutes=5), app_name="meshcollab"
        )
        async with c.server.client(room=room) as client:
            lease = c.lease(room)
            assert lease.held
            lock = await outsider.locks.get(path)
            assert lock.lock_id == lease.lock_id != "meshcollab-previous"
            append(client.doc, "\nafter_restart = 1")
            await eventually(lambda: _contains(outsider, path, "after_restart = 1"))


async def test_a_lock_of_another_meshcollab_room_is_not_taken_over(tmp_path, einstein, outsider, workdir):
    path, resource = await new_notebook(einstein, workdir)
    room = room_id(resource)
    await outsider.locks.set(
        path, "meshcollab-elsewhere", expiration=timedelta(minutes=5), app_name="meshcollab"
    )
    async with collab(tmp_path, einstein) as c, c.server.client(room=room) as client:
        [notice] = await eventually(lambda: client.notices("save-blocked"))
        assert notice["reason"] == "locked" and notice["holder"]["app"] == "meshcollab"
        assert (await outsider.locks.get(path)).lock_id == "meshcollab-elsewhere"
    await outsider.locks.unlock(path, "meshcollab-elsewhere", app_name="meshcollab")


async def test_the_final_snapshot_is_written_when_the_room_closes(tmp_path, einstein, outsider, workdir):
    path, resource = await new_notebook(einstein, workdir)
    room = room_id(resource)
    # No debounced write can happen before the room closes: only the final snapshot saves.
    async with collab(tmp_path, einstein, save_delay=60, save_max_delay=120, room_close_delay=0.05) as c:
        async with c.server.client(room=room) as client:
            append(client.doc, "\nfinal = True")
            live = c.server.registry.get(room)
            await eventually(lambda: "final = True" in notebook(live.doc)["cells"][1]["source"])
        assert "final" not in await cell_source(outsider, path)
        await eventually(lambda: c.server.registry.get(room) is None)
        assert "final = True" in await cell_source(outsider, path)
        assert await outsider.locks.get(path) is None
