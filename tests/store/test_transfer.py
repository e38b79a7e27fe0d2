"""Uploads and downloads over the data server: ids, etags, preconditions, Range, cut uploads."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import httpx
from cs3.gateway.v1beta1 import gateway_api_pb2 as gw
from cs3.rpc.v1beta1 import code_pb2
from storeclient import id_ref, login, path_ref


def test_upload_creates_then_overwrite_keeps_the_id_and_changes_the_etag(einstein, home):
    ref = path_ref(f"{home}/nb.ipynb")
    first = einstein.write(ref, b"one")
    second = einstein.write(ref, b"two, longer")
    assert second.id == first.id
    assert second.etag != first.etag
    assert second.size == len(b"two, longer")
    assert einstein.read(ref) == b"two, longer"


def test_upload_by_parent_id_and_relative_path(einstein, home):
    folder = einstein.stat(path_ref(home))
    created = einstein.write(id_ref(folder.id, "./by-id.txt"), b"via id")
    assert created.path == f"{home}/by-id.txt"
    assert einstein.read(id_ref(created.id)) == b"via id"


def test_large_body_streams_both_ways(einstein, home):
    data = bytes(range(256)) * 20_000  # 5 MB, several chunks
    ref = path_ref(f"{home}/big.bin")
    assert einstein.write(ref, data).size == len(data)
    assert einstein.read(ref) == data


def test_range_requests(einstein, home):
    ref = path_ref(f"{home}/r.txt")
    einstein.write(ref, b"0123456789")
    for header, status, body in [
        ("bytes=2-4", 206, b"234"),
        ("bytes=7-", 206, b"789"),
        ("bytes=-3", 206, b"789"),
        ("bytes=5-100", 206, b"56789"),
    ]:
        response = einstein.get(ref, {"Range": header})
        assert (response.status_code, response.content) == (status, body), header
    assert einstein.get(ref, {"Range": "bytes=2-4"}).headers["Content-Range"] == "bytes 2-4/10"
    unsatisfiable = einstein.get(ref, {"Range": "bytes=10-"})
    assert unsatisfiable.status_code == 416
    assert unsatisfiable.headers["Content-Range"] == "bytes */10"


def test_etag_and_existence_preconditions(einstein, home):
    ref = path_ref(f"{home}/p.txt")
    info = einstein.write(ref, b"v1")
    assert einstein.initiate_upload(ref, if_match=info.etag).status.code == code_pb2.CODE_OK
    assert einstein.initiate_upload(ref, if_match='"stale"').status.code == code_pb2.CODE_FAILED_PRECONDITION
    assert einstein.initiate_upload(ref, if_not_exist=True).status.code == code_pb2.CODE_ALREADY_EXISTS
    assert (
        einstein.initiate_upload(path_ref(f"{home}/new.txt"), if_not_exist=True).status.code
        == code_pb2.CODE_OK
    )
    assert (
        einstein.initiate_upload(path_ref(f"{home}/missing/new.txt")).status.code
        == code_pb2.CODE_FAILED_PRECONDITION
    )


def put_to(session, initiated: gw.InitiateFileUploadResponse, data: bytes) -> httpx.Response:
    assert initiated.status.code == code_pb2.CODE_OK, initiated.status
    protocol = next(p for p in initiated.protocols if p.protocol == "simple")
    headers = {"X-Reva-Transfer": protocol.token, "x-access-token": session.token}
    return httpx.put(protocol.upload_endpoint, content=data, headers=headers, timeout=10)


def test_preconditions_hold_until_the_content_lands(einstein, home):
    """A write made between InitiateFileUpload and the PUT breaks the upload's preconditions: the PUT
    is refused (412, as Reva's data provider) and the other write (here einstein's sync client) stays,
    never overwritten."""
    ref = path_ref(f"{home}/race.txt")
    seen = einstein.write(ref, b"seen")
    initiated = einstein.initiate_upload(ref, if_match=seen.etag)
    theirs = einstein.write(ref, b"theirs")
    refused = put_to(einstein, initiated, b"over theirs")
    assert refused.status_code == 412
    assert theirs.etag in refused.text
    assert einstein.read(ref) == b"theirs"
    assert einstein.stat(ref).etag == theirs.etag

    new = path_ref(f"{home}/created-meanwhile.txt")
    initiated = einstein.initiate_upload(new, if_not_exist=True)
    einstein.write(new, b"first")
    assert put_to(einstein, initiated, b"second").status_code == 412
    assert einstein.read(new) == b"first"

    # Without a precondition the last write wins, as before.
    initiated = einstein.initiate_upload(ref)
    einstein.write(ref, b"in between")
    assert put_to(einstein, initiated, b"last").status_code == 200
    assert einstein.read(ref) == b"last"


def test_transfers_need_both_tokens(store, einstein, home):
    ref = path_ref(f"{home}/t.txt")
    einstein.write(ref, b"content")
    initiated = einstein.initiate_upload(ref)
    protocol = initiated.protocols[0]
    assert httpx.put(protocol.upload_endpoint, content=b"x").status_code == 401
    assert (
        httpx.put(protocol.upload_endpoint, content=b"x", headers={"x-access-token": "forged"}).status_code
        == 401
    )
    forged = protocol.upload_endpoint.rsplit("/", 1)[0] + "/forged"
    assert httpx.put(forged, content=b"x", headers={"x-access-token": einstein.token}).status_code == 401
    marie = login(store.grpc_address, "marie")
    assert (
        httpx.put(protocol.upload_endpoint, content=b"x", headers={"x-access-token": marie.token}).status_code
        == 403
    )
    assert einstein.read(ref) == b"content"


def test_a_cut_upload_leaves_the_content_intact(einstein, home):
    ref = path_ref(f"{home}/cut.txt")
    before = einstein.write(ref, b"precious")
    protocol = einstein.initiate_upload(ref).protocols[0]
    url = urlsplit(protocol.upload_endpoint)
    with socket.create_connection((url.hostname, url.port)) as conn:
        conn.sendall(
            f"PUT {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\nx-access-token: {einstein.token}\r\n"
            f"X-Reva-Transfer: {protocol.token}\r\nContent-Length: 100000\r\n\r\n".encode()
            + b"partial" * 100
        )
    after = einstein.stat(ref)
    assert einstein.read(ref) == b"precious"
    assert (after.etag, after.size) == (before.etag, before.size)
    assert einstein.write(ref, b"next") and einstein.read(ref) == b"next"


def test_another_users_download_endpoint_is_refused(einstein, marie, home):
    ref = path_ref(f"{home}/mine.txt")
    einstein.write(ref, b"x")
    endpoint = einstein.download_endpoint(ref)
    assert httpx.get(endpoint, headers={"x-access-token": marie.token}).status_code == 403
