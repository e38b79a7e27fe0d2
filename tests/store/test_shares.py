"""User shares against the store process: what the owner grants, what the recipient reaches (by id,
and under their share folder once accepted), states, downgrade, removal, and restarts."""

from __future__ import annotations

import uuid

import httpx
import pytest
from cs3.rpc.v1beta1 import code_pb2
from cs3.sharing.collaboration.v1beta1 import collaboration_api_pb2 as collab
from cs3.sharing.collaboration.v1beta1 import resources_pb2 as sharing
from cs3.storage.provider.v1beta1 import provider_api_pb2 as sp
from cs3.storage.provider.v1beta1 import resources_pb2 as rp
from google.protobuf.field_mask_pb2 import FieldMask
from storeclient import Session, id_ref, login, path_ref

from meshcollab_store import permissions

VIEWER = permissions.from_names(permissions.VIEWER)
EDITOR = permissions.from_names(permissions.EDITOR)
PENDING, ACCEPTED, REJECTED = (
    sharing.SHARE_STATE_PENDING,
    sharing.SHARE_STATE_ACCEPTED,
    sharing.SHARE_STATE_REJECTED,
)
Filter = sharing.Filter


@pytest.fixture
def richard(store) -> Session:
    return login(store.grpc_address, "richard")


@pytest.fixture
def notebook(einstein, home) -> rp.ResourceInfo:
    return einstein.write(path_ref(f"{home}/nb-{uuid.uuid4().hex[:6]}.ipynb"), b'{"cells": []}')


def share(owner: Session, info: rp.ResourceInfo, grantee: Session, perms: rp.ResourcePermissions):
    grant = sharing.ShareGrant(
        grantee=rp.Grantee(type=rp.GRANTEE_TYPE_USER, user_id=grantee.user.id),
        permissions=sharing.SharePermissions(permissions=perms),
    )
    return owner.call("CreateShare", collab.CreateShareRequest(resource_info=info, grant=grant))


def by_id(share_id: str) -> sharing.ShareReference:
    return sharing.ShareReference(id=sharing.ShareId(opaque_id=share_id))


def update_received(
    session: Session, created: sharing.Share, paths: list[str], state: int = PENDING, mount_point: str = ""
) -> collab.UpdateReceivedShareResponse:
    wanted = sharing.ReceivedShare(share=created, state=state, mount_point=rp.Reference(path=mount_point))
    return session.call(
        "UpdateReceivedShare",
        collab.UpdateReceivedShareRequest(share=wanted, update_mask=FieldMask(paths=paths)),
    )


def received(session: Session, *filters: sharing.Filter) -> list[sharing.ReceivedShare]:
    return list(session.ok("ListReceivedShares", collab.ListReceivedSharesRequest(filters=filters)).shares)


def code(response) -> int:
    return response.status.code


def test_a_viewer_reads_by_id_and_cannot_write_or_reshare(einstein, marie, richard, notebook):
    created = share(einstein, notebook, marie, VIEWER)
    assert code(created) == code_pb2.CODE_OK
    assert created.share.owner.opaque_id == einstein.user.id.opaque_id == created.share.creator.opaque_id
    assert created.share.resource_id == notebook.id
    assert created.share.grantee.user_id.opaque_id == marie.user.id.opaque_id

    info = marie.stat(id_ref(notebook.id))
    assert permissions.names_of(info.permission_set) == permissions.VIEWER
    assert info.owner.opaque_id == einstein.user.id.opaque_id
    assert marie.read(id_ref(notebook.id)) == b'{"cells": []}'
    assert code(marie.initiate_upload(id_ref(notebook.id))) == code_pb2.CODE_PERMISSION_DENIED
    # The viewer's access token does not write even with a transfer token the owner initiated.
    protocol = einstein.initiate_upload(id_ref(notebook.id)).protocols[0]
    headers = {"X-Reva-Transfer": protocol.token, "x-access-token": marie.token}
    assert (
        httpx.put(protocol.upload_endpoint, content=b"viewer", headers=headers, timeout=10).status_code == 403
    )
    assert einstein.read(id_ref(notebook.id)) == b'{"cells": []}'
    # Sharing needs add_grant, which a viewer lacks.
    assert code(share(marie, notebook, richard, VIEWER)) == code_pb2.CODE_PERMISSION_DENIED


def test_an_editor_writes_and_the_id_stays(einstein, marie, notebook):
    assert code(share(einstein, notebook, marie, EDITOR)) == code_pb2.CODE_OK
    written = marie.write(id_ref(notebook.id), b'{"cells": ["marie"]}')
    assert written.id == notebook.id
    assert einstein.read(path_ref(notebook.path)) == b'{"cells": ["marie"]}'


def test_a_folder_share_covers_what_is_below_and_nothing_beside(einstein, marie, home):
    folder = einstein.mkdir(f"{home}/shared")
    inner = einstein.write(path_ref(f"{home}/shared/inner.txt"), b"inner")
    beside = einstein.write(path_ref(f"{home}/beside.txt"), b"beside")
    assert code(share(einstein, folder, marie, EDITOR)) == code_pb2.CODE_OK
    assert marie.read(id_ref(inner.id)) == b"inner"
    assert marie.write(id_ref(folder.id, "./new.txt"), b"by marie").path == f"{home}/shared/new.txt"
    assert code(marie.call("Stat", sp.StatRequest(ref=id_ref(beside.id)))) == code_pb2.CODE_NOT_FOUND
    listed = marie.ok("ListContainer", sp.ListContainerRequest(ref=id_ref(folder.id))).infos
    assert {i.name for i in listed} == {"inner.txt", "new.txt"}


def test_pending_then_accepted_mounts_under_the_share_folder(einstein, marie, richard, notebook):
    created = share(einstein, notebook, marie, VIEWER).share
    [mine] = [r for r in received(marie) if r.share.id == created.id]
    assert mine.state == PENDING and not mine.mount_point.path
    # Pending: reachable by id (as Reva grants at creation), not yet under the share folder.
    assert marie.stat(id_ref(notebook.id)).id == notebook.id
    mounted = f"/home/marie/MyShares/{notebook.name}"
    assert code(marie.call("Stat", sp.StatRequest(ref=path_ref(mounted)))) == code_pb2.CODE_NOT_FOUND

    accepted = update_received(marie, created, ["state"], ACCEPTED)
    assert code(accepted) == code_pb2.CODE_OK
    assert accepted.share.state == ACCEPTED and accepted.share.mount_point.path == notebook.name
    assert marie.stat(path_ref(mounted)).id == notebook.id
    assert marie.read(path_ref(mounted)) == b'{"cells": []}'
    assert [
        r.state
        for r in received(marie, Filter(type=Filter.TYPE_STATE, state=ACCEPTED))
        if r.share.id == created.id
    ] == [ACCEPTED]
    assert not [
        r for r in received(marie, Filter(type=Filter.TYPE_STATE, state=PENDING)) if r.share.id == created.id
    ]
    got = marie.ok("GetReceivedShare", collab.GetReceivedShareRequest(ref=by_id(created.id.opaque_id))).share
    assert got.state == ACCEPTED

    # Renamed through the mount_point mask; the old name no longer leads anywhere.
    renamed = update_received(marie, created, ["mount_point"], mount_point=f"renamed-{notebook.name}")
    assert code(renamed) == code_pb2.CODE_OK
    assert marie.stat(path_ref(f"/home/marie/MyShares/renamed-{notebook.name}")).id == notebook.id
    assert code(marie.call("Stat", sp.StatRequest(ref=path_ref(mounted)))) == code_pb2.CODE_NOT_FOUND
    # Someone else's share folder path gives richard nothing.
    assert (
        code(
            richard.call(
                "Stat", sp.StatRequest(ref=path_ref(f"/home/marie/MyShares/renamed-{notebook.name}"))
            )
        )
        == code_pb2.CODE_NOT_FOUND
    )


def test_two_shares_of_the_same_name_get_distinct_mount_points(einstein, marie, home):
    einstein.mkdir(f"{home}/a")
    einstein.mkdir(f"{home}/b")
    first = einstein.write(path_ref(f"{home}/a/same.ipynb"), b"a")
    second = einstein.write(path_ref(f"{home}/b/same.ipynb"), b"b")
    mounts = []
    for info in (first, second):
        created = share(einstein, info, marie, VIEWER).share
        mounts.append(update_received(marie, created, ["state"], ACCEPTED).share.mount_point.path)
    assert mounts[0] != mounts[1]
    assert {marie.read(path_ref(f"/home/marie/MyShares/{m}")) for m in mounts} == {b"a", b"b"}
    # Cleaned up so that later tests find the name free.
    for info in (first, second):
        einstein.ok("Delete", sp.DeleteRequest(ref=id_ref(info.id)))


def test_rejected_is_listed_as_such_and_unmounted(einstein, marie, notebook):
    created = share(einstein, notebook, marie, VIEWER).share
    assert code(update_received(marie, created, ["state"], ACCEPTED)) == code_pb2.CODE_OK
    rejected = update_received(marie, created, ["state"], REJECTED)
    assert code(rejected) == code_pb2.CODE_OK and rejected.share.state == REJECTED and rejected.share.hidden
    assert [r.state for r in received(marie) if r.share.id == created.id] == [REJECTED]
    mounted = f"/home/marie/MyShares/{notebook.name}"
    assert code(marie.call("Stat", sp.StatRequest(ref=path_ref(mounted)))) == code_pb2.CODE_NOT_FOUND


def test_update_received_share_refuses_unknown_fields_and_strangers(einstein, marie, richard, notebook):
    created = share(einstein, notebook, marie, VIEWER).share
    assert code(update_received(marie, created, ["permissions"], ACCEPTED)) == code_pb2.CODE_INVALID_ARGUMENT
    assert code(update_received(marie, created, [], ACCEPTED)) == code_pb2.CODE_INVALID_ARGUMENT
    assert code(update_received(richard, created, ["state"], ACCEPTED)) == code_pb2.CODE_NOT_FOUND
    assert (
        code(update_received(marie, created, ["mount_point"], mount_point="a/b"))
        == code_pb2.CODE_INVALID_ARGUMENT
    )


def test_downgrade_and_removal_take_effect_on_the_next_call(einstein, marie, notebook):
    created = share(einstein, notebook, marie, EDITOR).share
    assert marie.write(id_ref(notebook.id), b"as editor").id == notebook.id

    viewer = sharing.SharePermissions(permissions=VIEWER)
    updated = einstein.call(
        "UpdateShare",
        collab.UpdateShareRequest(
            ref=by_id(created.id.opaque_id), field=collab.UpdateShareRequest.UpdateField(permissions=viewer)
        ),
    )
    assert code(updated) == code_pb2.CODE_OK
    assert permissions.names_of(updated.share.permissions.permissions) == permissions.VIEWER
    assert code(marie.initiate_upload(id_ref(notebook.id))) == code_pb2.CODE_PERMISSION_DENIED
    # Back up through the update mask, with the share carrying the new permissions.
    editor = sharing.Share(id=created.id, permissions=sharing.SharePermissions(permissions=EDITOR))
    masked = einstein.call(
        "UpdateShare",
        collab.UpdateShareRequest(
            ref=by_id(created.id.opaque_id), share=editor, update_mask=FieldMask(paths=["permissions"])
        ),
    )
    assert code(masked) == code_pb2.CODE_OK
    assert code(marie.initiate_upload(id_ref(notebook.id))) == code_pb2.CODE_OK
    # The recipient cannot change the share.
    assert (
        code(
            marie.call(
                "UpdateShare",
                collab.UpdateShareRequest(
                    ref=by_id(created.id.opaque_id),
                    field=collab.UpdateShareRequest.UpdateField(permissions=viewer),
                ),
            )
        )
        == code_pb2.CODE_PERMISSION_DENIED
    )
    assert (
        code(marie.call("RemoveShare", collab.RemoveShareRequest(ref=by_id(created.id.opaque_id))))
        == code_pb2.CODE_PERMISSION_DENIED
    )

    assert (
        code(einstein.call("RemoveShare", collab.RemoveShareRequest(ref=by_id(created.id.opaque_id))))
        == code_pb2.CODE_OK
    )
    assert code(marie.call("Stat", sp.StatRequest(ref=id_ref(notebook.id)))) == code_pb2.CODE_NOT_FOUND
    assert not [r for r in received(marie) if r.share.id == created.id]
    assert (
        code(einstein.call("GetShare", collab.GetShareRequest(ref=by_id(created.id.opaque_id))))
        == code_pb2.CODE_NOT_FOUND
    )


def test_duplicates_self_shares_and_strangers(einstein, marie, richard, notebook):
    assert code(share(einstein, notebook, marie, VIEWER)) == code_pb2.CODE_OK
    assert code(share(einstein, notebook, marie, EDITOR)) == code_pb2.CODE_ALREADY_EXISTS
    assert code(share(einstein, notebook, einstein, VIEWER)) == code_pb2.CODE_INVALID_ARGUMENT
    # richard can neither see the file nor share it, and sees none of its shares.
    assert code(share(richard, notebook, richard, VIEWER)) == code_pb2.CODE_NOT_FOUND
    assert code(richard.call("Stat", sp.StatRequest(ref=id_ref(notebook.id)))) == code_pb2.CODE_NOT_FOUND
    resource = Filter(type=Filter.TYPE_RESOURCE_ID, resource_id=notebook.id)
    assert not richard.ok("ListShares", collab.ListSharesRequest(filters=[resource])).shares
    assert not [r for r in received(richard) if r.share.resource_id == notebook.id]
    [mine] = einstein.ok("ListShares", collab.ListSharesRequest(filters=[resource])).shares
    key = sharing.ShareKey(
        owner=einstein.user.id,
        resource_id=notebook.id,
        grantee=rp.Grantee(type=rp.GRANTEE_TYPE_USER, user_id=marie.user.id),
    )
    assert (
        einstein.ok("GetShare", collab.GetShareRequest(ref=sharing.ShareReference(key=key))).share.id
        == mine.id
    )
    assert marie.ok("GetShare", collab.GetShareRequest(ref=by_id(mine.id.opaque_id))).share.id == mine.id
    assert (
        code(richard.call("GetShare", collab.GetShareRequest(ref=by_id(mine.id.opaque_id))))
        == code_pb2.CODE_NOT_FOUND
    )


def test_list_filters_and_existing_shares_with_resource_info(einstein, marie, richard, notebook):
    share(einstein, notebook, marie, VIEWER)
    share(einstein, notebook, richard, EDITOR)
    resource = Filter(type=Filter.TYPE_RESOURCE_ID, resource_id=notebook.id)
    to_marie = Filter(
        type=Filter.TYPE_GRANTEE, grantee=rp.Grantee(type=rp.GRANTEE_TYPE_USER, user_id=marie.user.id)
    )
    users = Filter(type=Filter.TYPE_GRANTEE_TYPE, grantee_type=rp.GRANTEE_TYPE_USER)
    groups = Filter(type=Filter.TYPE_GRANTEE_TYPE, grantee_type=rp.GRANTEE_TYPE_GROUP)
    creator = Filter(type=Filter.TYPE_CREATOR, creator=einstein.user.id)
    listed = einstein.ok("ListShares", collab.ListSharesRequest(filters=[resource, users, creator])).shares
    assert {s.grantee.user_id.opaque_id for s in listed} == {
        marie.user.id.opaque_id,
        richard.user.id.opaque_id,
    }
    assert [
        s.grantee.user_id.opaque_id
        for s in einstein.ok("ListShares", collab.ListSharesRequest(filters=[resource, to_marie])).shares
    ] == [marie.user.id.opaque_id]
    assert not einstein.ok("ListShares", collab.ListSharesRequest(filters=[resource, groups])).shares

    existing = einstein.ok("ListExistingShares", collab.ListSharesRequest(filters=[resource])).share_infos
    assert len(existing) == 2 and {e.resource_info.id.opaque_id for e in existing} == {notebook.id.opaque_id}
    assert all(e.resource_info.path == notebook.path for e in existing)
    theirs = marie.ok(
        "ListExistingReceivedShares",
        collab.ListReceivedSharesRequest(
            filters=[Filter(type=Filter.TYPE_RESOURCE_ID, resource_id=notebook.id)]
        ),
    ).share_infos
    assert [e.resource_info.id for e in theirs] == [notebook.id]
    assert theirs[0].received_share.state == PENDING
    assert permissions.names_of(theirs[0].resource_info.permission_set) == permissions.VIEWER


def test_restart_keeps_shares_states_and_mount_points(fresh_store):
    einstein = login(fresh_store.grpc_address, "einstein")
    marie = login(fresh_store.grpc_address, "marie")
    info = einstein.write(path_ref("/home/einstein/kept.ipynb"), b"kept")
    created = share(einstein, info, marie, EDITOR).share
    assert code(update_received(marie, created, ["state"], ACCEPTED)) == code_pb2.CODE_OK

    fresh_store.restart()

    einstein = login(fresh_store.grpc_address, "einstein")
    marie = login(fresh_store.grpc_address, "marie")
    [again] = einstein.ok("ListShares", collab.ListSharesRequest()).shares
    assert (
        again.id == created.id and permissions.names_of(again.permissions.permissions) == permissions.EDITOR
    )
    [theirs] = received(marie)
    assert theirs.state == ACCEPTED and theirs.mount_point.path == "kept.ipynb"
    assert marie.write(path_ref("/home/marie/MyShares/kept.ipynb"), b"after restart").id == info.id
    assert einstein.read(path_ref("/home/einstein/kept.ipynb")) == b"after restart"


def test_a_group_grantee_is_not_supported(einstein, notebook):
    grant = sharing.ShareGrant(
        grantee=rp.Grantee(type=rp.GRANTEE_TYPE_GROUP),
        permissions=sharing.SharePermissions(permissions=VIEWER),
    )
    response = einstein.call("CreateShare", collab.CreateShareRequest(resource_info=notebook, grant=grant))
    assert code(response) == code_pb2.CODE_UNIMPLEMENTED
