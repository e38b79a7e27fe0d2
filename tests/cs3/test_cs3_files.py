"""Files and folders through the adapter, against the embedded store over real gRPC and HTTP."""

from __future__ import annotations

import pytest

from meshcollab.cs3 import (
    AlreadyExists,
    CS3Session,
    NotFound,
    PermissionDenied,
    Reference,
    ResourceId,
    ResourceType,
)

pytestmark = pytest.mark.anyio


async def test_mkdir_list_and_stat(einstein: CS3Session, workdir: str) -> None:
    await einstein.files.mkdir(f"{workdir}/sub")
    await einstein.files.touch(f"{workdir}/empty.ipynb")
    entries = {entry.name: entry for entry in await einstein.files.list(workdir)}
    assert set(entries) == {"sub", "empty.ipynb"}
    assert entries["sub"].type is ResourceType.CONTAINER and entries["sub"].is_container
    assert entries["empty.ipynb"].is_file and entries["empty.ipynb"].size == 0

    folder = await einstein.files.stat(workdir)
    assert folder.path == workdir and folder.name == workdir.rsplit("/", 1)[1]
    assert folder.owner is not None and folder.owner.opaque_id == einstein.user.id.opaque_id
    assert entries["sub"].parent_id == folder.id
    assert folder.permissions.can_write and folder.permissions.can_read


async def test_mkdir_twice_is_already_exists(einstein: CS3Session, workdir: str) -> None:
    await einstein.files.mkdir(f"{workdir}/twice")
    with pytest.raises(AlreadyExists) as caught:
        await einstein.files.mkdir(f"{workdir}/twice")
    assert f"{workdir}/twice" in str(caught.value)


async def test_stat_of_a_missing_file_names_it(einstein: CS3Session, workdir: str) -> None:
    with pytest.raises(NotFound) as caught:
        await einstein.files.stat(f"{workdir}/missing.ipynb")
    assert "missing.ipynb" in str(caught.value)
    assert not await einstein.files.exists(f"{workdir}/missing.ipynb")


async def test_references_by_id_and_by_id_plus_relative_path(einstein: CS3Session, workdir: str) -> None:
    written = await einstein.files.write(f"{workdir}/nb.ipynb", b"{}")
    folder = await einstein.files.stat(workdir)
    assert (await einstein.files.stat(written.id)).path == f"{workdir}/nb.ipynb"
    assert (await einstein.files.stat(Reference.child(folder.id, "nb.ipynb"))).id == written.id
    assert [entry.id for entry in await einstein.files.list(folder.id)] == [written.id]
    assert (await einstein.files.stat(written)).id == written.id  # a Resource names itself by its id


async def test_an_unknown_id_is_not_found(einstein: CS3Session, workdir: str) -> None:
    folder = await einstein.files.stat(workdir)
    ghost = ResourceId(folder.id.storage_id, "no-such-node", folder.id.space_id)
    with pytest.raises(NotFound):
        await einstein.files.stat(ghost)


async def test_ids_are_stable_across_overwrite_and_move(einstein: CS3Session, workdir: str) -> None:
    first = await einstein.files.write(f"{workdir}/nb.ipynb", b"one")
    second = await einstein.files.write(f"{workdir}/nb.ipynb", b"two")
    assert second.id == first.id and second.etag != first.etag

    await einstein.files.mkdir(f"{workdir}/moved")
    await einstein.files.move(f"{workdir}/nb.ipynb", f"{workdir}/moved/renamed.ipynb")
    moved = await einstein.files.stat(f"{workdir}/moved/renamed.ipynb")
    assert moved.id == first.id
    assert (await einstein.files.stat(first.id)).path == f"{workdir}/moved/renamed.ipynb"
    room_file_id = first.id.encode()  # what a room's fileId carries
    assert (await einstein.files.stat(ResourceId.decode(room_file_id))).path == moved.path
    assert await einstein.files.read_bytes(first.id) == b"two"
    with pytest.raises(NotFound):
        await einstein.files.stat(f"{workdir}/nb.ipynb")


async def test_delete_removes_files_and_folders(einstein: CS3Session, workdir: str) -> None:
    await einstein.files.mkdir(f"{workdir}/folder")
    await einstein.files.write(f"{workdir}/folder/inner.txt", b"x")
    await einstein.files.delete(f"{workdir}/folder")
    assert await einstein.files.list(workdir) == []
    with pytest.raises(NotFound):
        await einstein.files.delete(f"{workdir}/folder")


async def test_arbitrary_metadata_set_and_unset(einstein: CS3Session, workdir: str) -> None:
    path = f"{workdir}/meta.ipynb"
    await einstein.files.touch(path)
    await einstein.files.set_metadata(path, {"meshcollab.room": "abc", "other": "1"})
    assert (await einstein.files.stat(path, metadata_keys=["meshcollab.room", "other"])).metadata == {
        "meshcollab.room": "abc",
        "other": "1",
    }
    await einstein.files.unset_metadata(path, ["other"])
    assert (await einstein.files.stat(path)).metadata == {"meshcollab.room": "abc"}


async def test_quota_of_the_home(einstein: CS3Session) -> None:
    quota = await einstein.files.quota()
    assert quota.used_bytes >= 0 and quota.total_bytes >= 0


async def test_a_user_cannot_see_another_users_files(
    einstein: CS3Session, marie: CS3Session, workdir: str
) -> None:
    written = await einstein.files.write(f"{workdir}/private.ipynb", b"secret")
    for target in (written.id, f"{workdir}/private.ipynb"):
        with pytest.raises((NotFound, PermissionDenied)):
            await marie.files.stat(target)
