"""Public links against the store process: the token lookup anyone may do, the `publicshares` login
and the guest it gives (the linked resource alone, with the link's permissions), updates,
removal, expiry, the password at rest, and restarts."""

from __future__ import annotations

import sqlite3
import time
import uuid

import grpc
import httpx
import pytest
from cs3.gateway.v1beta1 import gateway_api_pb2 as gw
from cs3.gateway.v1beta1.gateway_api_pb2_grpc import GatewayAPIStub
from cs3.rpc.v1beta1 import code_pb2
from cs3.sharing.collaboration.v1beta1 import collaboration_api_pb2 as collab
from cs3.sharing.collaboration.v1beta1 import resources_pb2 as sharing
from cs3.sharing.link.v1beta1 import link_api_pb2 as link_api
from cs3.sharing.link.v1beta1 import resources_pb2 as links
from cs3.storage.provider.v1beta1 import provider_api_pb2 as sp
from cs3.storage.provider.v1beta1 import resources_pb2 as rp
from cs3.types.v1beta1 import types_pb2
from storeclient import Session, id_ref, login, path_ref

from meshcollab_store import permissions

VIEWER = permissions.from_names(permissions.VIEWER)
EDITOR = permissions.from_names(permissions.EDITOR)
Update = link_api.UpdatePublicShareRequest.Update
PASSWORD = "correct horse battery staple"


def create_link(
    owner: Session, info: rp.ResourceInfo, perms=VIEWER, password: str = "", expiration: int | None = None
) -> link_api.CreatePublicShareResponse:
    grant = links.Grant(permissions=links.PublicSharePermissions(permissions=perms), password=password)
    if expiration is not None:
        grant.expiration.CopyFrom(types_pb2.Timestamp(seconds=expiration))
    return owner.call("CreatePublicShare", link_api.CreatePublicShareRequest(resource_info=info, grant=grant))


def by_token(
    stub: GatewayAPIStub, token: str, password: str | None = None
) -> link_api.GetPublicShareByTokenResponse:
    """GetPublicShareByToken with no access token at all, as a browser opening a link."""
    request = link_api.GetPublicShareByTokenRequest(token=token)
    if password is not None:
        request.authentication.CopyFrom(links.PublicShareAuthentication(password=password))
    return stub.GetPublicShareByToken(request, timeout=10)


def authenticate(stub: GatewayAPIStub, token: str, secret: str) -> gw.AuthenticateResponse:
    return stub.Authenticate(
        gw.AuthenticateRequest(type="publicshares", client_id=token, client_secret=secret), timeout=10
    )


def guest(stub: GatewayAPIStub, token: str, password: str = "") -> Session:
    response = authenticate(stub, token, f"password|{password}")
    assert response.status.code == code_pb2.CODE_OK, response.status
    return Session(stub, response.token, response.user)


def refused_outright(call) -> grpc.StatusCode:
    """The gRPC code of a call that Reva's auth interceptor refuses before any handler runs."""
    with pytest.raises(grpc.RpcError) as failure:
        call()
    return failure.value.code()


def update(owner: Session, share: links.PublicShare, **fields) -> link_api.UpdatePublicShareResponse:
    request = link_api.UpdatePublicShareRequest(
        ref=links.PublicShareReference(id=share.id), update=Update(**fields)
    )
    return owner.call("UpdatePublicShare", request)


@pytest.fixture
def folder(einstein, home) -> rp.ResourceInfo:
    """A folder with a notebook in it, beside a private file."""
    einstein.write(path_ref(f"{home}/private.txt"), b"private")
    info = einstein.mkdir(f"{home}/linked")
    einstein.write(path_ref(f"{home}/linked/nb.ipynb"), b'{"cells": []}')
    return info


@pytest.fixture
def notebook(einstein, home) -> rp.ResourceInfo:
    einstein.write(path_ref(f"{home}/private.txt"), b"private")
    return einstein.write(path_ref(f"{home}/nb-{uuid.uuid4().hex[:6]}.ipynb"), b'{"cells": []}')


def test_get_by_token_needs_no_access_token_and_checks_the_password(einstein, notebook):
    created = create_link(einstein, notebook, password=PASSWORD)
    assert created.status.code == code_pb2.CODE_OK
    link = created.share
    assert link.password_protected and len(link.token) >= 15 and link.resource_id == notebook.id
    assert link.owner.opaque_id == einstein.user.id.opaque_id == link.creator.opaque_id
    stub = einstein.stub
    assert by_token(stub, link.token).status.code == code_pb2.CODE_PERMISSION_DENIED
    assert by_token(stub, link.token, "wrong").status.code == code_pb2.CODE_PERMISSION_DENIED
    found = by_token(stub, link.token, PASSWORD)
    assert found.status.code == code_pb2.CODE_OK and found.share.id == link.id and not found.password_hash
    assert by_token(stub, "no-such-token", PASSWORD).status.code == code_pb2.CODE_NOT_FOUND
    unprotected = create_link(einstein, notebook).share
    assert by_token(stub, unprotected.token).status.code == code_pb2.CODE_OK


def test_a_guest_reaches_the_linked_file_and_nothing_else(einstein, marie, notebook, home):
    link = create_link(einstein, notebook, password=PASSWORD).share
    assert (
        authenticate(einstein.stub, link.token, "password|wrong").status.code
        == code_pb2.CODE_PERMISSION_DENIED
    )
    assert (
        authenticate(einstein.stub, "unknown", f"password|{PASSWORD}").status.code == code_pb2.CODE_NOT_FOUND
    )
    visitor = guest(einstein.stub, link.token, PASSWORD)

    info = visitor.stat(id_ref(notebook.id))
    assert info.id == notebook.id and not info.permission_set.initiate_file_upload
    assert not info.permission_set.add_grant
    assert visitor.read(id_ref(notebook.id)) == b'{"cells": []}'
    assert visitor.stat(path_ref(f"/public/{link.token}")).id == notebook.id
    # Read-only: no upload, no metadata writes.
    assert visitor.initiate_upload(id_ref(notebook.id)).status.code == code_pb2.CODE_PERMISSION_DENIED
    # Nothing beside it: not the owner's home, not a sibling, not by path.
    denied = grpc.StatusCode.PERMISSION_DENIED
    assert (
        refused_outright(lambda: visitor.call("Stat", sp.StatRequest(ref=path_ref("/home/einstein"))))
        == denied
    )
    assert (
        refused_outright(lambda: visitor.call("Stat", sp.StatRequest(ref=path_ref(f"{home}/private.txt"))))
        == denied
    )
    assert (
        refused_outright(lambda: visitor.call("ListContainer", sp.ListContainerRequest(ref=path_ref(home))))
        == denied
    )
    # No sharing of any kind, and no view of the owner's shares or links.
    grant = sharing.ShareGrant(
        grantee=rp.Grantee(type=rp.GRANTEE_TYPE_USER, user_id=marie.user.id),
        permissions=sharing.SharePermissions(permissions=VIEWER),
    )
    assert (
        refused_outright(
            lambda: visitor.call("CreateShare", collab.CreateShareRequest(resource_info=info, grant=grant))
        )
        == denied
    )
    assert refused_outright(lambda: create_link(visitor, info)) == denied
    assert refused_outright(lambda: visitor.call("ListShares", collab.ListSharesRequest())) == denied
    assert (
        refused_outright(lambda: visitor.call("ListPublicShares", link_api.ListPublicSharesRequest()))
        == denied
    )
    # ... but it may read the link that let it in, as Reva's publicshare scope allows.
    own = visitor.ok(
        "GetPublicShare", link_api.GetPublicShareRequest(ref=links.PublicShareReference(token=link.token))
    )
    assert own.share.id == link.id


def test_an_editor_link_on_a_folder_lets_the_guest_upload_below_it(einstein, folder):
    link = create_link(einstein, folder, perms=EDITOR).share
    visitor = guest(einstein.stub, link.token)
    created = visitor.write(id_ref(folder.id, "./from-guest.txt"), b"guest was here")
    assert created.path == f"{folder.path}/from-guest.txt"
    assert einstein.read(path_ref(f"{folder.path}/from-guest.txt")) == b"guest was here"
    notebook = visitor.stat(id_ref(folder.id, "./nb.ipynb"))
    assert visitor.write(id_ref(notebook.id), b'{"cells": [1]}').id == notebook.id
    listed = visitor.ok("ListContainer", sp.ListContainerRequest(ref=path_ref(f"/public/{link.token}"))).infos
    assert {i.name for i in listed} == {"nb.ipynb", "from-guest.txt"}


def test_downgrade_password_change_and_removal_reach_existing_guests(einstein, notebook):
    link = create_link(einstein, notebook, perms=EDITOR, password=PASSWORD).share
    visitor = guest(einstein.stub, link.token, PASSWORD)
    assert visitor.initiate_upload(id_ref(notebook.id)).status.code == code_pb2.CODE_OK

    viewer = links.Grant(permissions=links.PublicSharePermissions(permissions=VIEWER))
    downgraded = update(einstein, link, type=Update.TYPE_PERMISSIONS, grant=viewer)
    assert downgraded.status.code == code_pb2.CODE_OK
    assert permissions.names_of(downgraded.share.permissions.permissions) == permissions.VIEWER
    assert visitor.initiate_upload(id_ref(notebook.id)).status.code == code_pb2.CODE_PERMISSION_DENIED

    assert (
        update(einstein, link, type=Update.TYPE_PASSWORD, grant=links.Grant(password="new one")).status.code
        == code_pb2.CODE_OK
    )
    assert (
        authenticate(einstein.stub, link.token, f"password|{PASSWORD}").status.code
        == code_pb2.CODE_PERMISSION_DENIED
    )
    assert authenticate(einstein.stub, link.token, "password|new one").status.code == code_pb2.CODE_OK
    renamed = update(einstein, link, type=Update.TYPE_DISPLAYNAME, display_name="for the seminar")
    assert renamed.share.display_name == "for the seminar"
    assert update(einstein, link, type=Update.TYPE_INVALID).status.code == code_pb2.CODE_INVALID_ARGUMENT

    ref = links.PublicShareReference(id=link.id)
    assert (
        einstein.call("RemovePublicShare", link_api.RemovePublicShareRequest(ref=ref)).status.code
        == code_pb2.CODE_OK
    )
    assert (
        refused_outright(lambda: visitor.call("Stat", sp.StatRequest(ref=id_ref(notebook.id))))
        == grpc.StatusCode.PERMISSION_DENIED
    )
    assert by_token(einstein.stub, link.token, "new one").status.code == code_pb2.CODE_NOT_FOUND
    assert (
        einstein.call("GetPublicShare", link_api.GetPublicShareRequest(ref=ref)).status.code
        == code_pb2.CODE_NOT_FOUND
    )


def test_an_expired_link_is_absent(einstein, notebook):
    past = int(time.time()) - 60
    expired = create_link(einstein, notebook, expiration=past).share
    assert by_token(einstein.stub, expired.token).status.code == code_pb2.CODE_NOT_FOUND
    assert authenticate(einstein.stub, expired.token, "").status.code == code_pb2.CODE_NOT_FOUND
    assert expired.id.opaque_id not in {
        s.id.opaque_id for s in einstein.ok("ListPublicShares", link_api.ListPublicSharesRequest()).share
    }

    live = create_link(einstein, notebook, expiration=int(time.time()) + 3600).share
    visitor = guest(einstein.stub, live.token)
    assert visitor.stat(id_ref(notebook.id)).id == notebook.id
    ended = links.Grant(expiration=types_pb2.Timestamp(seconds=past))
    assert update(einstein, live, type=Update.TYPE_EXPIRATION, grant=ended).status.code == code_pb2.CODE_OK
    assert by_token(einstein.stub, live.token).status.code == code_pb2.CODE_NOT_FOUND
    assert (
        refused_outright(lambda: visitor.call("Stat", sp.StatRequest(ref=id_ref(notebook.id))))
        == grpc.StatusCode.PERMISSION_DENIED
    )


def test_only_the_owner_sees_and_changes_a_link(einstein, marie, notebook):
    link = create_link(einstein, notebook).share
    ref = links.PublicShareReference(id=link.id)
    assert (
        marie.call("GetPublicShare", link_api.GetPublicShareRequest(ref=ref)).status.code
        == code_pb2.CODE_NOT_FOUND
    )
    assert (
        marie.call("RemovePublicShare", link_api.RemovePublicShareRequest(ref=ref)).status.code
        == code_pb2.CODE_NOT_FOUND
    )
    assert link.id.opaque_id not in {
        s.id.opaque_id for s in marie.ok("ListPublicShares", link_api.ListPublicSharesRequest()).share
    }
    assert create_link(marie, notebook).status.code == code_pb2.CODE_NOT_FOUND
    # A viewer recipient of a user share may not make links either (no add_grant).
    grant = sharing.ShareGrant(
        grantee=rp.Grantee(type=rp.GRANTEE_TYPE_USER, user_id=marie.user.id),
        permissions=sharing.SharePermissions(permissions=VIEWER),
    )
    einstein.ok("CreateShare", collab.CreateShareRequest(resource_info=notebook, grant=grant))
    assert create_link(marie, notebook).status.code == code_pb2.CODE_PERMISSION_DENIED


def test_list_filters_existing_links_and_signatures(einstein, notebook, folder):
    on_notebook = create_link(einstein, notebook, password=PASSWORD).share
    create_link(einstein, folder)
    by_resource = link_api.ListPublicSharesRequest.Filter(
        type=link_api.ListPublicSharesRequest.Filter.TYPE_RESOURCE_ID, resource_id=notebook.id
    )
    listed = einstein.ok(
        "ListPublicShares", link_api.ListPublicSharesRequest(filters=[by_resource], sign=True)
    ).share
    assert [s.id for s in listed] == [on_notebook.id]
    existing = einstein.ok(
        "ListExistingPublicShares", link_api.ListPublicSharesRequest(filters=[by_resource])
    ).share_infos
    assert [(e.public_share.id, e.resource_info.id) for e in existing] == [(on_notebook.id, notebook.id)]
    # A signed link logs a guest in without the password, as Reva's `signature|...` secret.
    signed = listed[0].signature
    assert signed.signature
    expiry = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(signed.signature_expiration.seconds))
    response = authenticate(einstein.stub, on_notebook.token, f"signature|{signed.signature}|{expiry}")
    assert response.status.code == code_pb2.CODE_OK
    forged = authenticate(einstein.stub, on_notebook.token, f"signature|{'0' * 64}|{expiry}")
    assert forged.status.code == code_pb2.CODE_PERMISSION_DENIED


def test_the_password_is_stored_hashed_and_links_survive_a_restart(fresh_store):
    einstein = login(fresh_store.grpc_address, "einstein")
    notebook = einstein.write(path_ref("/home/einstein/kept.ipynb"), b"kept")
    link = create_link(einstein, notebook, perms=EDITOR, password=PASSWORD).share
    visitor = guest(einstein.stub, link.token, PASSWORD)

    fresh_store.restart()

    stub = GatewayAPIStub(grpc.insecure_channel(fresh_store.grpc_address))
    assert by_token(stub, link.token, "wrong").status.code == code_pb2.CODE_PERMISSION_DENIED
    assert by_token(stub, link.token, PASSWORD).share.id == link.id
    again = guest(stub, link.token, PASSWORD)
    assert again.write(id_ref(notebook.id), b"by a guest").id == notebook.id
    # A guest token issued before the restart still works: the link is still there.
    visitor = Session(stub, visitor.token, visitor.user)
    assert visitor.read(id_ref(notebook.id)) == b"by a guest"
    fresh_store.stop()

    meta = fresh_store.root / ".meshcollab-store"
    for stored in meta.glob("store.db*"):
        assert PASSWORD.encode() not in stored.read_bytes(), stored
    with sqlite3.connect(meta / "store.db") as conn:
        [(stored_hash,)] = conn.execute(
            "SELECT password_hash FROM links_links WHERE token = ?", (link.token,)
        ).fetchall()
    assert stored_hash.startswith("scrypt$") and PASSWORD not in stored_hash


def test_a_guest_transfer_needs_the_guest_token(einstein, notebook):
    link = create_link(einstein, notebook).share
    visitor = guest(einstein.stub, link.token)
    endpoint = visitor.download_endpoint(id_ref(notebook.id))
    assert httpx.get(endpoint, timeout=10).status_code == 401
    assert (
        httpx.get(endpoint, headers={"x-access-token": visitor.token}, timeout=10).content == b'{"cells": []}'
    )
