"""What must survive a restart of the store: ids, locks, versions, metadata, tokens."""

from __future__ import annotations

import signal

from cs3.storage.provider.v1beta1 import provider_api_pb2 as sp
from cs3.storage.provider.v1beta1 import resources_pb2 as rp
from storeclient import id_ref, login, path_ref


def test_restart_keeps_ids_locks_versions_and_metadata(fresh_store):
    einstein = login(fresh_store.grpc_address, "einstein")
    ref = path_ref("/home/einstein/kept.ipynb")
    first = einstein.write(ref, b"v1")
    einstein.write(ref, b"v2")
    home = einstein.stat(path_ref("/home/einstein"))
    metadata = rp.ArbitraryMetadata(metadata={"tag": "kept"})
    einstein.ok("SetArbitraryMetadata", sp.SetArbitraryMetadataRequest(ref=ref, arbitrary_metadata=metadata))
    the_lock = rp.Lock(lock_id="survivor", type=rp.LOCK_TYPE_WRITE, app_name="meshcollab")
    einstein.ok("SetLock", sp.SetLockRequest(ref=ref, lock=the_lock))
    [version] = einstein.ok("ListFileVersions", sp.ListFileVersionsRequest(ref=ref)).versions

    fresh_store.restart()

    again = login(fresh_store.grpc_address, "einstein")
    info = again.stat(id_ref(first.id))
    assert info.path == "/home/einstein/kept.ipynb"
    assert info.id == first.id and again.stat(path_ref("/home/einstein")).id == home.id
    assert info.lock.lock_id == "survivor"
    assert dict(info.arbitrary_metadata.metadata) == {"tag": "kept"}
    assert [v.key for v in again.ok("ListFileVersions", sp.ListFileVersionsRequest(ref=ref)).versions] == [
        version.key
    ]
    assert again.read(ref) == b"v2"
    assert again.put(ref, b"no lock id", lock_id="survivor").status_code == 409
    # A token issued before the restart stays valid: the signing secret is persisted.
    assert einstein.stat(ref).id == first.id


def test_sigint_stops_the_store_cleanly(fresh_store):
    process = fresh_store.process
    fresh_store.stop(signal.SIGINT)
    assert process.returncode == 0
