"""Locks as Reva has them: atomic SetLock, lock ids on writes, expiry."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import anyio
import pytest

from meshcollab.cs3 import Conflict, CS3Session, Locked, LockType, NotFound

pytestmark = pytest.mark.anyio


def new_lock_id() -> str:
    return f"room-{uuid.uuid4().hex}"


async def test_a_lock_is_seen_by_get_and_stat(einstein: CS3Session, workdir: str) -> None:
    path = f"{workdir}/nb.ipynb"
    await einstein.files.write(path, b"{}")
    lock_id = new_lock_id()
    until = datetime.now(timezone.utc) + timedelta(minutes=5)
    await einstein.locks.set(path, lock_id, expiration=until)

    lock = await einstein.locks.get(path)
    assert lock is not None
    assert lock.lock_id == lock_id and lock.type is LockType.WRITE and lock.app_name == "meshcollab"
    assert lock.expiration is not None and abs((lock.expiration - until).total_seconds()) < 1
    info = await einstein.files.stat(path)
    assert info.lock == lock
    assert not any(lock_id in value for value in info.metadata.values())


async def test_no_lock_is_none(einstein: CS3Session, workdir: str) -> None:
    await einstein.files.touch(f"{workdir}/free.ipynb")
    assert await einstein.locks.get(f"{workdir}/free.ipynb") is None
    assert (await einstein.files.stat(f"{workdir}/free.ipynb")).lock is None


async def test_of_two_concurrent_set_locks_exactly_one_wins(
    einstein: CS3Session, marie: CS3Session, workdir: str
) -> None:
    path = f"{workdir}/contended.ipynb"
    info = await einstein.files.write(path, b"{}")
    lock_ids = [new_lock_id() for _ in range(8)]
    outcomes: dict[str, str] = {}

    async def try_lock(lock_id: str) -> None:
        try:
            await einstein.locks.set(info.id, lock_id, expiration=timedelta(minutes=5))
            outcomes[lock_id] = "won"
        except Conflict:
            outcomes[lock_id] = "refused"

    async with anyio.create_task_group() as tasks:
        for lock_id in lock_ids:
            tasks.start_soon(try_lock, lock_id)

    winners = [lock_id for lock_id, outcome in outcomes.items() if outcome == "won"]
    assert len(winners) == 1 and len(outcomes) == len(lock_ids)
    assert (await einstein.locks.get(path)).lock_id == winners[0]


async def test_a_write_without_the_lock_id_is_locked_out(einstein: CS3Session, workdir: str) -> None:
    path = f"{workdir}/locked.ipynb"
    await einstein.files.write(path, b"original")
    lock_id = new_lock_id()
    await einstein.locks.set(path, lock_id, expiration=timedelta(minutes=5))

    for wrong in ("", new_lock_id()):
        with pytest.raises(Locked) as caught:
            await einstein.files.write(path, b"clobbered", lock_id=wrong)
        assert path in str(caught.value)
        assert await einstein.files.read_bytes(path) == b"original"  # reads stay allowed

    written = await einstein.files.write(path, b"by the holder", lock_id=lock_id)
    assert written.lock is not None and written.lock.lock_id == lock_id
    assert await einstein.files.read_bytes(path) == b"by the holder"


async def test_refresh_and_unlock_need_the_lock_id(einstein: CS3Session, workdir: str) -> None:
    path = f"{workdir}/refresh.ipynb"
    await einstein.files.write(path, b"{}")
    lock_id = new_lock_id()
    await einstein.locks.set(path, lock_id, expiration=timedelta(minutes=1))

    later = datetime.now(timezone.utc) + timedelta(minutes=30)
    await einstein.locks.refresh(path, lock_id, expiration=later)
    assert abs(((await einstein.locks.get(path)).expiration - later).total_seconds()) < 1

    with pytest.raises(Conflict):
        await einstein.locks.refresh(path, new_lock_id(), expiration=timedelta(minutes=5))
    with pytest.raises(Conflict):
        await einstein.locks.unlock(path, new_lock_id())
    assert (await einstein.locks.get(path)).lock_id == lock_id

    await einstein.locks.unlock(path, lock_id)
    assert await einstein.locks.get(path) is None
    with pytest.raises((NotFound, Conflict)):
        await einstein.locks.unlock(path, lock_id)
    await einstein.files.write(path, b"free again")


async def test_a_second_set_lock_on_a_held_lock_is_a_conflict(einstein: CS3Session, workdir: str) -> None:
    path = f"{workdir}/held.ipynb"
    await einstein.files.write(path, b"{}")
    await einstein.locks.set(path, new_lock_id(), expiration=timedelta(minutes=5))
    with pytest.raises(Conflict):
        await einstein.locks.set(path, new_lock_id(), expiration=timedelta(minutes=5))


async def test_a_lock_expires_by_itself(einstein: CS3Session, workdir: str) -> None:
    path = f"{workdir}/expiring.ipynb"
    await einstein.files.write(path, b"before")
    await einstein.locks.set(path, new_lock_id(), expiration=timedelta(seconds=1))
    with anyio.fail_after(30):
        while await einstein.locks.get(path) is not None:
            await anyio.sleep(0.2)
    assert (await einstein.files.stat(path)).lock is None
    await einstein.files.write(path, b"after")  # no lock id needed any more
    await einstein.locks.set(
        path, new_lock_id(), expiration=timedelta(minutes=5)
    )  # and it can be taken again


async def test_a_lock_taken_during_an_upload_refuses_it_at_the_put(
    einstein: CS3Session, workdir: str
) -> None:
    path = f"{workdir}/raced.ipynb"
    await einstein.files.write(path, b"original")
    lock_id = new_lock_id()

    async def body():
        # The upload was initiated without a lock; another room takes one before the bytes arrive.
        await einstein.locks.set(path, lock_id, expiration=timedelta(minutes=5))
        yield b"clobbered"

    with pytest.raises(Locked) as caught:
        await einstein.files.write(path, body())
    assert caught.value.code == "HTTP 409" and "meshcollab" in str(caught.value)
    assert await einstein.files.read_bytes(path) == b"original"
    assert (await einstein.locks.get(path)).lock_id == lock_id
