"""The independent `cs3client` package (CERN's Python CS3 client) against the store:
files, arbitrary metadata and locks, exactly as it would use a Reva gateway."""

from __future__ import annotations

import uuid

import pytest
from cs3client.cs3resource import Resource
from cs3client.exceptions import AlreadyExistsException, FileLockedException, NotFoundException
from independent_client import connect


@pytest.fixture
def client(store):
    cs3, token = connect(store.grpc_address)
    folder = Resource(abs_path=f"/home/einstein/cs3client-{uuid.uuid4().hex[:8]}")
    cs3.file.make_dir(token, folder)
    yield cs3, token, folder
    cs3.channel.close()


def at(folder: Resource, name: str) -> Resource:
    return Resource(abs_path=f"{folder._abs_path}/{name}")


def read(cs3, token, resource) -> bytes:
    return b"".join(cs3.file.read_file(token, resource))


def test_files(client):
    cs3, token, folder = client
    nb = at(folder, "nb.ipynb")
    cs3.file.write_file(token, nb, b'{"cells": []}', -1)
    info = cs3.file.stat(token, nb)
    assert info.size == len(b'{"cells": []}')
    assert read(cs3, token, nb) == b'{"cells": []}'
    cs3.file.write_file(token, nb, "second", -1)
    assert cs3.file.stat(token, nb).id == info.id

    by_id = Resource(opaque_id=info.id.opaque_id, storage_id=info.id.storage_id, space_id=info.id.space_id)
    assert read(cs3, token, by_id) == b"second"
    parent = cs3.file.stat(token, folder)
    relative = Resource(
        rel_path="/nb.ipynb",
        parent_id=parent.id.opaque_id,
        storage_id=parent.id.storage_id,
        space_id=parent.id.space_id,
    )
    assert cs3.file.stat(token, relative).id == info.id

    cs3.file.make_dir(token, at(folder, "sub"))
    with pytest.raises(AlreadyExistsException):
        cs3.file.make_dir(token, at(folder, "sub"))
    cs3.file.touch_file(token, at(folder, "sub/empty"))
    assert {i.name for i in cs3.file.list_dir(token, folder)} == {"nb.ipynb", "sub"}

    renamed = at(folder, "sub/renamed.ipynb")
    cs3.file.rename_file(token, nb, renamed)
    assert cs3.file.stat(token, renamed).id == info.id
    cs3.file.remove_file(token, renamed)
    with pytest.raises(NotFoundException):
        cs3.file.stat(token, renamed)


def test_metadata(client):
    cs3, token, folder = client
    f = at(folder, "tagged.txt")
    cs3.file.write_file(token, f, b"x", -1)
    cs3.file.set_xattr(token, f, "reviewed", "yes")
    assert cs3.file.stat(token, f).arbitrary_metadata.metadata["reviewed"] == "yes"
    cs3.file.remove_xattr(token, f, "reviewed")
    assert "reviewed" not in cs3.file.stat(token, f).arbitrary_metadata.metadata


def test_locks(client):
    cs3, token, folder = client
    f = at(folder, "locked.ipynb")
    cs3.file.write_file(token, f, b"original", -1)
    cs3.file.set_lock(token, f, app_name="meshcollab", lock_id="room-7")
    lock = cs3.file.get_lock(token, f)
    assert (lock["lock_id"], lock["app_name"]) == ("room-7", "meshcollab")
    with pytest.raises(FileLockedException):
        cs3.file.set_lock(token, f, app_name="other", lock_id="room-8")
    with pytest.raises(FileLockedException):
        cs3.file.write_file(token, f, b"intruder", -1)
    with pytest.raises(FileLockedException):
        cs3.file.write_file(token, f, b"intruder", -1, app_name="meshcollab", lock_id="room-8")
    assert read(cs3, token, f) == b"original"
    cs3.file.write_file(token, f, b"holder", -1, app_name="meshcollab", lock_id="room-7")
    assert read(cs3, token, f) == b"holder"
    cs3.file.refresh_lock(token, f, app_name="meshcollab", lock_id="room-7")
    with pytest.raises(FileLockedException):
        cs3.file.unlock(token, f, app_name="meshcollab", lock_id="room-8")
    cs3.file.unlock(token, f, app_name="meshcollab", lock_id="room-7")
    with pytest.raises(NotFoundException):
        cs3.file.get_lock(token, f)
