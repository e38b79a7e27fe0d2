"""File and folder operations, references, and paths that try to escape."""

from __future__ import annotations

import os
from pathlib import Path

from cs3.rpc.v1beta1 import code_pb2
from cs3.storage.provider.v1beta1 import provider_api_pb2 as sp
from cs3.storage.provider.v1beta1 import resources_pb2 as rp
from storeclient import id_ref, path_ref


def code_of(session, name, request) -> int:
    return session.call(name, request).status.code


def test_stat_by_path_id_and_relative_path(einstein, home):
    folder = einstein.mkdir(f"{home}/sub")
    einstein.write(path_ref(f"{home}/sub/a.txt"), b"hello")
    by_path = einstein.stat(path_ref(f"{home}/sub/a.txt"))
    assert by_path.type == rp.RESOURCE_TYPE_FILE
    assert (by_path.name, by_path.path, by_path.size) == ("a.txt", f"{home}/sub/a.txt", 5)
    assert by_path.etag.startswith('"') and by_path.etag.endswith('"')
    assert by_path.parent_id == folder.id
    assert by_path.owner.opaque_id == einstein.user.id.opaque_id
    assert by_path.permission_set.initiate_file_upload and by_path.permission_set.delete
    assert by_path.space.space_type == "personal" and by_path.id.space_id == by_path.space.root.opaque_id
    assert einstein.stat(id_ref(by_path.id)).path == by_path.path
    assert einstein.stat(id_ref(folder.id, "./a.txt")).id == by_path.id
    assert einstein.stat(rp.Reference(resource_id=by_path.id)).id == by_path.id


def test_list_container(einstein, home):
    einstein.mkdir(f"{home}/folder")
    einstein.write(path_ref(f"{home}/file.txt"), b"x")
    infos = einstein.ok("ListContainer", sp.ListContainerRequest(ref=path_ref(home))).infos
    assert {(i.name, i.type) for i in infos} == {
        ("folder", rp.RESOURCE_TYPE_CONTAINER),
        ("file.txt", rp.RESOURCE_TYPE_FILE),
    }
    streamed = list(
        einstein.stub.ListContainerStream(
            sp.ListContainerStreamRequest(ref=path_ref(home)), metadata=einstein.md
        )
    )
    assert {r.info.name for r in streamed} == {"folder", "file.txt"}
    not_a_folder = einstein.call("ListContainer", sp.ListContainerRequest(ref=path_ref(f"{home}/file.txt")))
    assert not_a_folder.status.code == code_pb2.CODE_FAILED_PRECONDITION


def test_create_container_and_touch_file(einstein, home):
    assert (
        code_of(einstein, "CreateContainer", sp.CreateContainerRequest(ref=path_ref(f"{home}/d")))
        == code_pb2.CODE_OK
    )
    assert (
        code_of(einstein, "CreateContainer", sp.CreateContainerRequest(ref=path_ref(f"{home}/d")))
        == code_pb2.CODE_ALREADY_EXISTS
    )
    assert (
        code_of(einstein, "CreateContainer", sp.CreateContainerRequest(ref=path_ref(f"{home}/no/d")))
        == code_pb2.CODE_FAILED_PRECONDITION
    )
    assert (
        code_of(einstein, "TouchFile", sp.TouchFileRequest(ref=path_ref(f"{home}/d/empty")))
        == code_pb2.CODE_OK
    )
    assert einstein.stat(path_ref(f"{home}/d/empty")).size == 0
    assert (
        code_of(einstein, "TouchFile", sp.TouchFileRequest(ref=path_ref(f"{home}/d/empty")))
        == code_pb2.CODE_ALREADY_EXISTS
    )


def test_delete(einstein, home):
    einstein.mkdir(f"{home}/d")
    einstein.write(path_ref(f"{home}/d/f"), b"x")
    info = einstein.stat(path_ref(f"{home}/d/f"))
    einstein.ok("Delete", sp.DeleteRequest(ref=path_ref(f"{home}/d")))
    assert code_of(einstein, "Stat", sp.StatRequest(ref=path_ref(f"{home}/d/f"))) == code_pb2.CODE_NOT_FOUND
    assert code_of(einstein, "Stat", sp.StatRequest(ref=id_ref(info.id))) == code_pb2.CODE_NOT_FOUND
    assert code_of(einstein, "Delete", sp.DeleteRequest(ref=path_ref(f"{home}/d"))) == code_pb2.CODE_NOT_FOUND
    assert (
        code_of(einstein, "Delete", sp.DeleteRequest(ref=path_ref("/home/einstein")))
        == code_pb2.CODE_PERMISSION_DENIED
    )


def test_move_keeps_ids_and_refuses_an_existing_target(einstein, home):
    einstein.mkdir(f"{home}/a")
    file = einstein.write(path_ref(f"{home}/a/nb.ipynb"), b"{}")
    folder = einstein.stat(path_ref(f"{home}/a"))
    einstein.ok("Move", sp.MoveRequest(source=path_ref(f"{home}/a"), destination=path_ref(f"{home}/b")))
    moved = einstein.stat(id_ref(file.id))
    assert moved.path == f"{home}/b/nb.ipynb" and moved.id == file.id
    assert einstein.stat(path_ref(f"{home}/b")).id == folder.id
    einstein.ok("Move", sp.MoveRequest(source=id_ref(file.id), destination=path_ref(f"{home}/renamed.ipynb")))
    assert einstein.stat(path_ref(f"{home}/renamed.ipynb")).id == file.id
    einstein.write(path_ref(f"{home}/other"), b"other")
    onto = einstein.call(
        "Move",
        sp.MoveRequest(source=path_ref(f"{home}/other"), destination=path_ref(f"{home}/renamed.ipynb")),
    )
    assert onto.status.code == code_pb2.CODE_ALREADY_EXISTS
    assert einstein.read(path_ref(f"{home}/renamed.ipynb")) == b"{}"
    into_itself = einstein.call(
        "Move", sp.MoveRequest(source=path_ref(f"{home}/b"), destination=path_ref(f"{home}/b/c"))
    )
    assert into_itself.status.code == code_pb2.CODE_INVALID_ARGUMENT


def test_get_path_and_quota(einstein, home):
    info = einstein.write(path_ref(f"{home}/q.bin"), b"12345")
    assert einstein.ok("GetPath", sp.GetPathRequest(resource_id=info.id)).path == f"{home}/q.bin"
    quota = einstein.ok("GetQuota", sp.GetQuotaRequest(ref=path_ref(home)))
    assert quota.total_bytes > 0 and quota.used_bytes >= 5


def test_arbitrary_metadata(einstein, home):
    ref = path_ref(f"{home}/m.txt")
    einstein.write(ref, b"x")
    metadata = rp.ArbitraryMetadata(metadata={"color": "blue", "size": "big"})
    einstein.ok("SetArbitraryMetadata", sp.SetArbitraryMetadataRequest(ref=ref, arbitrary_metadata=metadata))
    assert dict(einstein.stat(ref).arbitrary_metadata.metadata) == {"color": "blue", "size": "big"}
    only = einstein.ok("Stat", sp.StatRequest(ref=ref, arbitrary_metadata_keys=["color"])).info
    assert dict(only.arbitrary_metadata.metadata) == {"color": "blue"}
    einstein.ok(
        "UnsetArbitraryMetadata", sp.UnsetArbitraryMetadataRequest(ref=ref, arbitrary_metadata_keys=["color"])
    )
    assert dict(einstein.stat(ref).arbitrary_metadata.metadata) == {"size": "big"}


def test_etag_of_folders_changes_when_their_content_does(einstein, home):
    before = einstein.stat(path_ref(home)).etag
    einstein.write(path_ref(f"{home}/x"), b"1")
    assert einstein.stat(path_ref(home)).etag != before


def test_malformed_references_are_invalid_arguments(einstein, home):
    info = einstein.stat(path_ref(home))
    for ref in [
        rp.Reference(),
        rp.Reference(path="relative/path"),
        rp.Reference(resource_id=info.id, path="/abs"),
    ]:
        assert code_of(einstein, "Stat", sp.StatRequest(ref=ref)) == code_pb2.CODE_INVALID_ARGUMENT, ref
    unknown = rp.ResourceId(storage_id=info.id.storage_id, space_id=info.id.space_id, opaque_id="no-such-id")
    assert code_of(einstein, "Stat", sp.StatRequest(ref=id_ref(unknown))) == code_pb2.CODE_NOT_FOUND
    other_storage = rp.ResourceId(
        storage_id="another-storage", space_id=info.id.space_id, opaque_id=info.id.opaque_id
    )
    assert code_of(einstein, "Stat", sp.StatRequest(ref=id_ref(other_storage))) == code_pb2.CODE_NOT_FOUND
    long_name = path_ref(f"{home}/{'n' * 300}")
    assert code_of(einstein, "Stat", sp.StatRequest(ref=long_name)) == code_pb2.CODE_INVALID_ARGUMENT
    for outside in ["/", "/home", "/home/nobody/x", "/elsewhere/x"]:
        assert code_of(einstein, "Stat", sp.StatRequest(ref=path_ref(outside))) == code_pb2.CODE_NOT_FOUND, (
            outside
        )


def test_a_file_is_not_a_folder(einstein, home):
    einstein.write(path_ref(f"{home}/plain.txt"), b"x")
    assert (
        code_of(einstein, "Stat", sp.StatRequest(ref=path_ref(f"{home}/plain.txt/inner")))
        == code_pb2.CODE_NOT_FOUND
    )
    inside_a_file = sp.CreateContainerRequest(ref=path_ref(f"{home}/plain.txt/inner"))
    assert code_of(einstein, "CreateContainer", inside_a_file) == code_pb2.CODE_FAILED_PRECONDITION
    assert (
        einstein.initiate_upload(path_ref(f"{home}/plain.txt/inner")).status.code
        == code_pb2.CODE_FAILED_PRECONDITION
    )


def test_paths_that_escape_are_refused(store, einstein, marie, home):
    marie.write(path_ref("/home/marie/secret.txt"), b"marie's")
    for path in [f"{home}/../../marie/secret.txt", "/home/marie/../einstein/x\x00", f"{home}/a\x00b"]:
        assert (
            code_of(einstein, "Stat", sp.StatRequest(ref=path_ref(path))) == code_pb2.CODE_INVALID_ARGUMENT
        ), path
    info = einstein.stat(path_ref(home))
    climbing = id_ref(info.id, "./../../marie/secret.txt")
    assert code_of(einstein, "Stat", sp.StatRequest(ref=climbing)) == code_pb2.CODE_INVALID_ARGUMENT
    # A symbolic link planted inside the root is never followed, whatever it points to.
    folder = Path(store.root) / "files" / home.lstrip("/")
    os.symlink("/etc", folder / "etc-link")
    os.symlink(Path(store.root) / "files" / "home" / "marie", folder / "marie-link")
    for path in [f"{home}/etc-link/passwd", f"{home}/marie-link/secret.txt", f"{home}/etc-link"]:
        assert (
            code_of(einstein, "Stat", sp.StatRequest(ref=path_ref(path))) == code_pb2.CODE_PERMISSION_DENIED
        ), path
        upload = einstein.initiate_upload(path_ref(path))
        assert upload.status.code != code_pb2.CODE_OK
    names = {i.name for i in einstein.ok("ListContainer", sp.ListContainerRequest(ref=path_ref(home))).infos}
    assert not names & {"etc-link", "marie-link"}
    assert marie.read(path_ref("/home/marie/secret.txt")) == b"marie's"


def test_another_users_home_is_invisible(einstein, marie, home):
    info = einstein.write(path_ref(f"{home}/private.txt"), b"mine")
    assert (
        code_of(marie, "Stat", sp.StatRequest(ref=path_ref(f"{home}/private.txt"))) == code_pb2.CODE_NOT_FOUND
    )
    assert code_of(marie, "Stat", sp.StatRequest(ref=id_ref(info.id))) == code_pb2.CODE_NOT_FOUND
    assert marie.initiate_upload(path_ref(f"{home}/intruder.txt")).status.code == code_pb2.CODE_NOT_FOUND
    assert (
        code_of(marie, "Delete", sp.DeleteRequest(ref=path_ref(f"{home}/private.txt")))
        == code_pb2.CODE_NOT_FOUND
    )
