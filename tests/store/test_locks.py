"""Locks with Reva-on-EOS semantics."""

from __future__ import annotations

import time

import anyio
import grpc
import httpx
import pytest
from cs3.gateway.v1beta1.gateway_api_pb2_grpc import GatewayAPIStub
from cs3.rpc.v1beta1 import code_pb2
from cs3.storage.provider.v1beta1 import provider_api_pb2 as sp
from cs3.storage.provider.v1beta1 import resources_pb2 as rp
from cs3.types.v1beta1 import types_pb2
from storeclient import id_ref, path_ref


def lock(lock_id: str, app: str = "meshcollab", expires_in: float | None = 600) -> rp.Lock:
    expiration = None
    if expires_in is not None:
        when = time.time() + expires_in
        expiration = types_pb2.Timestamp(seconds=int(when), nanos=int((when % 1) * 1e9))
    return rp.Lock(lock_id=lock_id, type=rp.LOCK_TYPE_WRITE, app_name=app, expiration=expiration)


def set_lock(session, ref, the_lock) -> int:
    return session.call("SetLock", sp.SetLockRequest(ref=ref, lock=the_lock)).status.code


def get_lock(session, ref) -> sp.GetLockResponse:
    return session.call("GetLock", sp.GetLockRequest(ref=ref))


@pytest.fixture
def locked_file(einstein, home):
    ref = path_ref(f"{home}/locked.ipynb")
    einstein.write(ref, b"original")
    assert set_lock(einstein, ref, lock("room-1")) == code_pb2.CODE_OK
    return ref


def test_lock_lifecycle(einstein, home):
    ref = path_ref(f"{home}/f.txt")
    einstein.write(ref, b"x")
    assert get_lock(einstein, ref).status.code == code_pb2.CODE_NOT_FOUND
    assert set_lock(einstein, ref, lock("a", expires_in=300)) == code_pb2.CODE_OK
    held = get_lock(einstein, ref).lock
    assert (held.lock_id, held.app_name, held.type) == ("a", "meshcollab", rp.LOCK_TYPE_WRITE)
    assert held.user.opaque_id == einstein.user.id.opaque_id
    assert abs(held.expiration.seconds - (time.time() + 300)) < 60
    assert set_lock(einstein, ref, lock("b")) == code_pb2.CODE_FAILED_PRECONDITION
    refresh = einstein.call("RefreshLock", sp.RefreshLockRequest(ref=ref, lock=lock("a", expires_in=900)))
    assert refresh.status.code == code_pb2.CODE_OK
    assert get_lock(einstein, ref).lock.expiration.seconds > held.expiration.seconds
    wrong = einstein.call("RefreshLock", sp.RefreshLockRequest(ref=ref, lock=lock("zzz")))
    assert wrong.status.code == code_pb2.CODE_FAILED_PRECONDITION
    renamed = einstein.call(
        "RefreshLock", sp.RefreshLockRequest(ref=ref, lock=lock("a2"), existing_lock_id="a")
    )
    assert renamed.status.code == code_pb2.CODE_OK
    assert get_lock(einstein, ref).lock.lock_id == "a2"
    assert (
        einstein.call("Unlock", sp.UnlockRequest(ref=ref, lock=lock("a"))).status.code
        == code_pb2.CODE_FAILED_PRECONDITION
    )
    assert einstein.call("Unlock", sp.UnlockRequest(ref=ref, lock=lock("a2"))).status.code == code_pb2.CODE_OK
    assert get_lock(einstein, ref).status.code == code_pb2.CODE_NOT_FOUND
    assert (
        einstein.call("RefreshLock", sp.RefreshLockRequest(ref=ref, lock=lock("a2"))).status.code
        == code_pb2.CODE_NOT_FOUND
    )
    assert (
        einstein.call("Unlock", sp.UnlockRequest(ref=ref, lock=lock("a2"))).status.code
        == code_pb2.CODE_NOT_FOUND
    )


def test_a_lock_without_expiration_gets_the_default_ttl(einstein, home):
    ref = path_ref(f"{home}/default.txt")
    einstein.write(ref, b"x")
    assert set_lock(einstein, ref, lock("d", expires_in=None)) == code_pb2.CODE_OK
    assert get_lock(einstein, ref).lock.expiration.seconds > time.time() + 60


def test_an_expired_lock_is_no_lock(einstein, home):
    ref = path_ref(f"{home}/expiring.txt")
    einstein.write(ref, b"x")
    assert set_lock(einstein, ref, lock("short", expires_in=0.5)) == code_pb2.CODE_OK
    time.sleep(0.8)
    assert get_lock(einstein, ref).status.code == code_pb2.CODE_NOT_FOUND
    assert einstein.put(ref, b"free again").status_code == 200
    assert set_lock(einstein, ref, lock("next")) == code_pb2.CODE_OK


@pytest.mark.anyio
async def test_two_concurrent_setlocks_exactly_one_wins(store, einstein, home):
    ref = path_ref(f"{home}/contended.ipynb")
    einstein.write(ref, b"x")
    results: dict[str, int] = {}
    async with grpc.aio.insecure_channel(store.grpc_address) as channel:
        stub = GatewayAPIStub(channel)

        async def contend(lock_id: str) -> None:
            response = await stub.SetLock(
                sp.SetLockRequest(ref=ref, lock=lock(lock_id)), metadata=einstein.md
            )
            results[lock_id] = response.status.code

        for _ in range(5):
            results.clear()
            async with anyio.create_task_group() as tg:
                for lock_id in ("first", "second"):
                    tg.start_soon(contend, lock_id)
            assert sorted(results.values()) == sorted([code_pb2.CODE_OK, code_pb2.CODE_FAILED_PRECONDITION])
            winner = next(k for k, v in results.items() if v == code_pb2.CODE_OK)
            assert get_lock(einstein, ref).lock.lock_id == winner
            einstein.ok("Unlock", sp.UnlockRequest(ref=ref, lock=lock(winner)))


def test_writes_without_the_holders_lock_id_get_409(einstein, marie, locked_file):
    ref = locked_file
    # The upload may be initiated with the lock id; the PUT itself must carry it too (as on Reva).
    assert einstein.put(ref, b"no lock id", lock_id="room-1").status_code == 409
    assert einstein.put(ref, b"empty lock id", lock_id="room-1", header_lock_id="").status_code == 409
    assert einstein.put(ref, b"wrong lock id", lock_id="room-1", header_lock_id="room-2").status_code == 409
    assert einstein.read(ref) == b"original"
    refused = einstein.initiate_upload(ref, lock_id="room-2")
    assert refused.status.code == code_pb2.CODE_FAILED_PRECONDITION
    assert "einstein" in refused.status.message and "meshcollab" in refused.status.message
    assert (
        einstein.put(
            ref, b"holder", lock_id="room-1", header_lock_id="room-1", app_name="meshcollab"
        ).status_code
        == 200
    )
    assert einstein.read(ref) == b"holder"


def test_a_lock_taken_after_the_upload_began_still_wins(einstein, home):
    ref = path_ref(f"{home}/race.txt")
    einstein.write(ref, b"original")
    initiated = einstein.initiate_upload(ref)
    assert set_lock(einstein, ref, lock("late")) == code_pb2.CODE_OK
    protocol = initiated.protocols[0]
    response = httpx.put(
        protocol.upload_endpoint,
        content=b"sneaky",
        headers={"X-Reva-Transfer": protocol.token, "x-access-token": einstein.token, "X-Lock-Id": ""},
    )
    assert response.status_code == 409
    assert einstein.read(ref) == b"original"


def test_reads_stay_allowed_and_the_lock_shows_in_stat_not_in_metadata(einstein, locked_file):
    assert einstein.read(locked_file) == b"original"
    info = einstein.stat(locked_file)
    assert info.lock.lock_id == "room-1" and info.lock.app_name == "meshcollab"
    assert not any("lock" in key for key in info.arbitrary_metadata.metadata)


def test_the_lock_follows_a_move_and_delete_ignores_it(einstein, home, locked_file):
    info = einstein.stat(locked_file)
    einstein.ok("Move", sp.MoveRequest(source=locked_file, destination=path_ref(f"{home}/moved.ipynb")))
    assert get_lock(einstein, id_ref(info.id)).lock.lock_id == "room-1"
    einstein.ok("Delete", sp.DeleteRequest(ref=id_ref(info.id)))
    assert get_lock(einstein, id_ref(info.id)).status.code == code_pb2.CODE_NOT_FOUND


def test_locking_needs_write_permission(einstein, marie, locked_file):
    assert set_lock(marie, locked_file, lock("intruder")) == code_pb2.CODE_NOT_FOUND
    assert set_lock(einstein, path_ref("/home/einstein/does-not-exist"), lock("x")) == code_pb2.CODE_NOT_FOUND
    invalid = rp.Lock(type=rp.LOCK_TYPE_WRITE)
    assert set_lock(einstein, locked_file, invalid) == code_pb2.CODE_INVALID_ARGUMENT
