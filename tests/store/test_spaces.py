"""Storage spaces: personal spaces and project spaces configured in the users file."""

from __future__ import annotations

import json

import pytest
from cs3.rpc.v1beta1 import code_pb2
from cs3.storage.provider.v1beta1 import provider_api_pb2 as sp
from cs3.storage.provider.v1beta1 import spaces_api_pb2 as spaces
from storeclient import login, path_ref

Filter = spaces.ListStorageSpacesRequest.Filter
DEMO_USERS = [
    {
        "id": {"opaqueId": "4c510ada-c86b-4815-8820-42cdf82c3d51", "idp": "http://localhost:20080"},
        "username": "einstein",
        "secret": "relativity",
        "mail": "einstein@example.org",
        "display_name": "Albert Einstein",
    },
    {
        "id": {"opaqueId": "f7fbf8c8-139b-4376-b307-cf0a8c2d0d9c", "idp": "http://localhost:20080"},
        "username": "marie",
        "secret": "radioactivity",
        "mail": "marie@example.org",
        "display_name": "Marie Curie",
    },
    {
        "id": {"opaqueId": "932b4540-8d16-481e-8ef4-588e4b6b151c", "idp": "http://localhost:20080"},
        "username": "richard",
        "secret": "superfluidity",
        "mail": "richard@example.org",
        "display_name": "Richard Feynman",
    },
]


@pytest.fixture
def project_store(fresh_store, tmp_path):
    """A store whose users file configures the project space `physics`."""
    users_file = tmp_path / "users.json"
    users_file.write_text(
        json.dumps(
            {
                "users": DEMO_USERS,
                "projects": [
                    {
                        "name": "physics",
                        "description": "shared notebooks",
                        "members": {"einstein": "manager", "marie": "editor", "richard": "viewer"},
                    }
                ],
            }
        )
    )
    fresh_store.stop()
    fresh_store.users_file = users_file
    fresh_store.start()
    return fresh_store


def list_spaces(session, *filters) -> list:
    return list(
        session.ok("ListStorageSpaces", spaces.ListStorageSpacesRequest(filters=filters)).storage_spaces
    )


def test_personal_space(einstein):
    [personal] = list_spaces(einstein, Filter(type=Filter.TYPE_SPACE_TYPE, space_type="personal"))
    assert personal.name == "einstein" and personal.space_type == "personal"
    assert personal.owner.id.opaque_id == einstein.user.id.opaque_id
    home = einstein.stat(path_ref("/home/einstein"))
    assert personal.root == home.id
    assert personal.root_info.path == "/home/einstein"


def test_project_spaces_and_roles(project_store):
    einstein, marie, richard = (
        login(project_store.grpc_address, u) for u in ("einstein", "marie", "richard")
    )
    [project] = list_spaces(marie, Filter(type=Filter.TYPE_SPACE_TYPE, space_type="project"))
    assert (project.name, project.description) == ("physics", "shared notebooks")
    assert {s.space_type for s in list_spaces(richard)} == {"personal", "project"}
    by_id = list_spaces(einstein, Filter(type=Filter.TYPE_ID, id=project.id))
    assert [s.root for s in by_id] == [project.root]

    einstein.write(path_ref("/projects/physics/paper.ipynb"), b"{}")
    assert (
        marie.write(path_ref("/projects/physics/paper.ipynb"), b'{"cells": []}').id.space_id
        == project.root.space_id
    )
    assert richard.read(path_ref("/projects/physics/paper.ipynb")) == b'{"cells": []}'
    info = richard.stat(path_ref("/projects/physics/paper.ipynb"))
    assert info.permission_set.stat and not info.permission_set.initiate_file_upload
    viewer_upload = richard.initiate_upload(path_ref("/projects/physics/paper.ipynb"))
    assert viewer_upload.status.code == code_pb2.CODE_PERMISSION_DENIED
    delete = richard.call("Delete", sp.DeleteRequest(ref=path_ref("/projects/physics/paper.ipynb")))
    assert delete.status.code == code_pb2.CODE_PERMISSION_DENIED


def test_moving_across_spaces_is_refused(project_store):
    einstein = login(project_store.grpc_address, "einstein")
    einstein.write(path_ref("/home/einstein/mine.txt"), b"x")
    response = einstein.call(
        "Move",
        sp.MoveRequest(
            source=path_ref("/home/einstein/mine.txt"), destination=path_ref("/projects/physics/mine.txt")
        ),
    )
    assert response.status.code == code_pb2.CODE_UNIMPLEMENTED
    assert einstein.read(path_ref("/home/einstein/mine.txt")) == b"x"
