"""Versions: every overwrite keeps the previous content; list, download, restore."""

from __future__ import annotations

import httpx
from cs3.rpc.v1beta1 import code_pb2
from cs3.storage.provider.v1beta1 import provider_api_pb2 as sp
from cs3.storage.provider.v1beta1 import resources_pb2 as rp
from cs3.types.v1beta1 import types_pb2
from storeclient import id_ref, path_ref


def versions_of(session, ref) -> list[rp.FileVersion]:
    return list(session.ok("ListFileVersions", sp.ListFileVersionsRequest(ref=ref)).versions)


def version_ref(info: rp.ResourceInfo, key: str) -> rp.Reference:
    return rp.Reference(
        resource_id=rp.ResourceId(storage_id=info.id.storage_id, space_id=info.id.space_id, opaque_id=key)
    )


def test_overwrites_keep_versions_that_can_be_downloaded(einstein, home):
    ref = path_ref(f"{home}/v.txt")
    first = einstein.write(ref, b"one")
    second = einstein.write(ref, b"two!")
    einstein.write(ref, b"three")
    versions = versions_of(einstein, ref)
    assert len(versions) == 2
    by_etag = {v.etag: v for v in versions}
    assert by_etag[first.etag].size == 3 and by_etag[second.etag].size == 4
    assert all(v.mtime > 0 and v.key for v in versions)
    assert einstein.read(version_ref(first, by_etag[first.etag].key)) == b"one"
    assert einstein.read(version_ref(first, by_etag[second.etag].key)) == b"two!"
    assert einstein.read(ref) == b"three"


def test_restore_keeps_the_id_and_the_current_content_as_a_version(einstein, home):
    ref = path_ref(f"{home}/r.txt")
    original = einstein.write(ref, b"original")
    einstein.write(ref, b"edited")
    key = versions_of(einstein, ref)[0].key
    einstein.ok("RestoreFileVersion", sp.RestoreFileVersionRequest(ref=ref, key=key))
    restored = einstein.stat(ref)
    assert einstein.read(ref) == b"original"
    assert restored.id == original.id
    assert restored.etag != original.etag
    contents = {einstein.read(version_ref(original, v.key)) for v in versions_of(einstein, ref)}
    assert contents == {b"original", b"edited"}


def test_restore_respects_the_lock_and_unknown_keys(einstein, home):
    ref = path_ref(f"{home}/locked.txt")
    einstein.write(ref, b"a")
    einstein.write(ref, b"b")
    key = versions_of(einstein, ref)[0].key
    the_lock = rp.Lock(lock_id="L", type=rp.LOCK_TYPE_WRITE, app_name="meshcollab")
    einstein.ok("SetLock", sp.SetLockRequest(ref=ref, lock=the_lock))
    refused = einstein.call("RestoreFileVersion", sp.RestoreFileVersionRequest(ref=ref, key=key))
    assert refused.status.code == code_pb2.CODE_FAILED_PRECONDITION
    assert einstein.read(ref) == b"b"
    einstein.ok("RestoreFileVersion", sp.RestoreFileVersionRequest(ref=ref, key=key, lock_id="L"))
    assert einstein.read(ref) == b"a"
    unknown = einstein.call("RestoreFileVersion", sp.RestoreFileVersionRequest(ref=ref, key="nope.REV.1"))
    assert unknown.status.code == code_pb2.CODE_NOT_FOUND


def test_versions_follow_moves_and_stay_private(einstein, marie, home):
    ref = path_ref(f"{home}/m.txt")
    info = einstein.write(ref, b"1")
    einstein.write(ref, b"2")
    einstein.ok("Move", sp.MoveRequest(source=ref, destination=path_ref(f"{home}/n.txt")))
    [version] = versions_of(einstein, id_ref(info.id))
    assert einstein.read(version_ref(info, version.key)) == b"1"
    denied = marie.call(
        "InitiateFileDownload", sp.InitiateFileDownloadRequest(ref=version_ref(info, version.key))
    )
    assert denied.status.code == code_pb2.CODE_NOT_FOUND
    endpoint = einstein.download_endpoint(version_ref(info, version.key))
    assert httpx.get(endpoint, headers={"x-access-token": marie.token}).status_code == 403


def test_a_version_can_also_be_named_in_the_opaque_map(einstein, home):
    ref = path_ref(f"{home}/o.txt")
    einstein.write(ref, b"old")
    einstein.write(ref, b"new")
    [version] = versions_of(einstein, ref)

    def download(key: str):
        opaque = types_pb2.Opaque(
            map={"version_key": types_pb2.OpaqueEntry(decoder="plain", value=key.encode())}
        )
        return einstein.call("InitiateFileDownload", sp.InitiateFileDownloadRequest(ref=ref, opaque=opaque))

    endpoint = download(version.key).protocols[0].download_endpoint
    assert httpx.get(endpoint, headers={"x-access-token": einstein.token}).content == b"old"
    assert download("unknown.REV.1").status.code == code_pb2.CODE_NOT_FOUND
    assert download("not-a-version-key").status.code == code_pb2.CODE_NOT_FOUND
