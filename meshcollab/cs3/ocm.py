"""Federated (OCM) shares: sharing with a user of another institution, and opening what another
institution shared with us.

    share = await einstein.ocm.create(notebook, "marie@institution-b.example", EDITOR)
    # ... at institution B, through B's gateway:
    pending = await marie.ocm.list_received(ShareState.PENDING)
    accepted = await marie.ocm.accept(pending[0].id)
    remote = marie.ocm.resource_id(accepted)           # a ResourceId at B's gateway
    data = await marie.files.read_bytes(remote)        # read, write, stat, lock as any resource

The recipient is a `UserId` whose `idp` is the domain of their institution (`federated_user`
reads an OCM address `<user>@<domain>`), e.g. one of `contacts()`, whom the user came to know with
the invitation workflow (`invite()` at one institution, `forward_invite()` at the other); the
institution must be in the mesh the gateway knows (`providers()`). A received share, once accepted, is reached through the recipient's own gateway by
the id `resource_id()` gives: Reva's OCM storage provider id, with the received share's id as the
space and as the opaque id of its root (below a shared folder: `Reference(resource_id=..., path=
"./sub/file.ipynb")`). The gateway fetches and pushes the contents from and to the sender's
institution with the share's secret; the sender's institution enforces the permissions.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from cs3.ocm.invite.v1beta1 import invite_api_pb2 as invite_api
from cs3.ocm.invite.v1beta1 import resources_pb2 as invite
from cs3.ocm.provider.v1beta1 import provider_api_pb2 as provider_api
from cs3.ocm.provider.v1beta1 import resources_pb2 as provider
from cs3.sharing.ocm.v1beta1 import ocm_api_pb2 as api
from cs3.sharing.ocm.v1beta1 import resources_pb2 as ocm
from cs3.storage.provider.v1beta1 import resources_pb2 as storage
from google.protobuf.field_mask_pb2 import FieldMask

from meshcollab.cs3.errors import InvalidArgument, NotFound
from meshcollab.cs3.files import resource_id_of
from meshcollab.cs3.models import (
    VIEWER,
    OCMInvite,
    OCMProvider,
    OCMShare,
    Permissions,
    ReceivedOCMShare,
    ShareState,
    User,
    UserId,
    to_timestamp,
)
from meshcollab.cs3.references import ResourceId, Target

if TYPE_CHECKING:
    from meshcollab.cs3.session import CS3Session

# Reva's utils.OCMStorageProviderID: the storage id under which a gateway serves received OCM shares.
OCM_STORAGE_ID = "89f37a33-858b-45fa-8890-a1f2b27d90e1"


def federated_user(address: str) -> UserId:
    """The UserId of an OCM address `<user>@<institution domain>` (the user part may hold '@')."""
    user, at, domain = address.rpartition("@")
    if not at or not user or not domain:
        raise InvalidArgument(
            f"{address!r} is not an OCM address <user>@<institution domain>", operation="CreateOCMShare"
        )
    return UserId(idp=domain, opaque_id=user, type="federated")


def _reference(share_id: str) -> ocm.ShareReference:
    return ocm.ShareReference(id=ocm.ShareId(opaque_id=share_id))


def _webdav_access(permissions: Permissions) -> ocm.AccessMethod:
    return ocm.AccessMethod(webdav_options=ocm.WebDAVAccessMethod(permissions=permissions.to_proto()))


class OCMService:
    def __init__(self, session: CS3Session) -> None:
        self._session = session

    # -- the mesh ---------------------------------------------------------------------------------

    async def providers(self) -> list[OCMProvider]:
        """The institutions of the mesh the gateway knows (its own included, where it says so)."""
        response = await self._session.call(
            "ListAllProviders", provider_api.ListAllProvidersRequest(), resource="OCM providers"
        )
        return [OCMProvider.from_proto(p) for p in response.providers]

    async def _provider_info(self, domain: str) -> provider.ProviderInfo:
        response = await self._session.call(
            "ListAllProviders", provider_api.ListAllProvidersRequest(), resource="OCM providers"
        )
        for info in response.providers:
            if info.domain.lower() == domain.lower():
                return info
        raise NotFound(
            f"{domain} is not an institution of this gateway's mesh",
            operation="CreateOCMShare",
            resource=domain,
        )

    # -- invitations: users of other institutions to share with ---------------------------------

    async def invite(self, description: str = "") -> OCMInvite:
        """A new invitation token of this user, for someone at another institution to forward."""
        request = invite_api.GenerateInviteTokenRequest(description=description)
        response = await self._session.call("GenerateInviteToken", request, resource="OCM invitation")
        return OCMInvite.from_proto(response.invite_token)

    async def forward_invite(self, invitation: OCMInvite | str, provider_domain: str) -> User:
        """Take an invitation made at `provider_domain`: its inviter and this user become each
        other's contacts. Returns the inviter (id.idp = their domain)."""
        token = invitation.token if isinstance(invitation, OCMInvite) else invitation
        request = invite_api.ForwardInviteRequest(
            invite_token=invite.InviteToken(token=token),
            origin_system_provider=await self._provider_info(provider_domain),
        )
        response = await self._session.call(
            "ForwardInvite", request, resource=f"invitation from {provider_domain}"
        )
        return User(
            id=UserId.from_proto(response.user_id),
            username=response.user_id.opaque_id,
            display_name=response.display_name,
            mail=response.email,
        )

    async def contacts(self, query: str = "") -> list[User]:
        """The users of other institutions this user knows through invitations (FindAcceptedUsers)."""
        response = await self._session.call(
            "FindAcceptedUsers", invite_api.FindAcceptedUsersRequest(filter=query), resource="OCM contacts"
        )
        return [User.from_proto(user) for user in response.accepted_users]

    async def remove_contact(self, contact: User | UserId) -> None:
        user_id = contact.id if isinstance(contact, User) else contact
        request = invite_api.DeleteAcceptedUserRequest(remote_user_id=user_id.to_proto())
        await self._session.call("DeleteAcceptedUser", request, resource=f"OCM contact {user_id.opaque_id}")

    # -- shares made by this user -----------------------------------------------------------------

    async def create(
        self,
        target: Target,
        recipient: str | UserId | User,
        permissions: Permissions = VIEWER,
        *,
        expiration: datetime | None = None,
    ) -> OCMShare:
        """Share the resource with a user of another institution (`"marie@institution-b"`, or a
        UserId whose idp is their institution's domain), as VIEWER or EDITOR (or any Permissions)."""
        if isinstance(recipient, str):
            user_id = federated_user(recipient)
        else:
            user_id = recipient.id if isinstance(recipient, User) else recipient
        if user_id is None or not user_id.idp:
            raise InvalidArgument(
                "the recipient of a federated share needs the domain of their institution (idp)",
                operation="CreateOCMShare",
            )
        resource_id = await resource_id_of(self._session, target)
        request = api.CreateOCMShareRequest(
            resource_id=resource_id.to_proto(),
            grantee=storage.Grantee(type=storage.GRANTEE_TYPE_USER, user_id=user_id.to_proto()),
            recipient_mesh_provider=await self._provider_info(user_id.idp),
            access_methods=[_webdav_access(permissions)],
        )
        if expiration is not None:
            request.expiration.CopyFrom(to_timestamp(expiration))
        response = await self._session.call("CreateOCMShare", request, resource=str(target))
        return OCMShare.from_proto(response.share)

    async def get(self, share_id: str) -> OCMShare:
        response = await self._session.call(
            "GetOCMShare", api.GetOCMShareRequest(ref=_reference(share_id)), resource=f"OCM share {share_id}"
        )
        return OCMShare.from_proto(response.share)

    async def list(self, target: Target | None = None) -> list[OCMShare]:
        """The federated shares this user made, of `target` only if given."""
        filters = []
        if target is not None:
            resource_id = await resource_id_of(self._session, target)
            filters.append(
                api.ListOCMSharesRequest.Filter(
                    type=api.ListOCMSharesRequest.Filter.TYPE_RESOURCE_ID, resource_id=resource_id.to_proto()
                )
            )
        shares = await self._session.call_paged(
            "ListOCMShares",
            api.ListOCMSharesRequest(filters=filters),
            items="shares",
            resource="my OCM shares",
        )
        return [OCMShare.from_proto(share) for share in shares]

    async def update(
        self, share_id: str, *, permissions: Permissions | None = None, expiration: datetime | None = None
    ) -> OCMShare:
        """Change what the remote user may do, or until when."""
        fields = []
        if permissions is not None:
            fields.append(api.UpdateOCMShareRequest.UpdateField(access_methods=_webdav_access(permissions)))
        if expiration is not None:
            fields.append(api.UpdateOCMShareRequest.UpdateField(expiration=to_timestamp(expiration)))
        if not fields:
            raise InvalidArgument("nothing to update", operation="UpdateOCMShare", resource=share_id)
        request = api.UpdateOCMShareRequest(ref=_reference(share_id), field=fields)
        await self._session.call("UpdateOCMShare", request, resource=f"OCM share {share_id}")
        return await self.get(share_id)

    async def remove(self, share_id: str) -> None:
        """Revoke the share: the remote user's access ends at once."""
        request = api.RemoveOCMShareRequest(ref=_reference(share_id))
        await self._session.call("RemoveOCMShare", request, resource=f"OCM share {share_id}")

    # -- shares received from other institutions --------------------------------------------------

    async def list_received(self, state: ShareState | None = None) -> list[ReceivedOCMShare]:
        """The federated shares made to this user, in `state` only if given."""
        shares = await self._session.call_paged(
            "ListReceivedOCMShares",
            api.ListReceivedOCMSharesRequest(),
            items="shares",
            resource="OCM shares received",
        )
        received = [ReceivedOCMShare.from_proto(share) for share in shares]
        return [share for share in received if state is None or share.state is state]

    async def get_received(self, share_id: str) -> ReceivedOCMShare:
        request = api.GetReceivedOCMShareRequest(ref=_reference(share_id))
        response = await self._session.call(
            "GetReceivedOCMShare", request, resource=f"received OCM share {share_id}"
        )
        return ReceivedOCMShare.from_proto(response.share)

    async def accept(self, share_id: str) -> ReceivedOCMShare:
        return await self._set_state(share_id, ShareState.ACCEPTED)

    async def reject(self, share_id: str) -> ReceivedOCMShare:
        return await self._set_state(share_id, ShareState.REJECTED)

    async def _set_state(self, share_id: str, state: ShareState) -> ReceivedOCMShare:
        share = ocm.ReceivedShare(id=ocm.ShareId(opaque_id=share_id), state=state.value)
        request = api.UpdateReceivedOCMShareRequest(share=share, update_mask=FieldMask(paths=["state"]))
        # The response carries no share (CS3 API): read it back.
        await self._session.call("UpdateReceivedOCMShare", request, resource=f"received OCM share {share_id}")
        return await self.get_received(share_id)

    def resource_id(self, share: ReceivedOCMShare | str) -> ResourceId:
        """Where an accepted share is reached through this user's gateway: give it (or a
        `Reference(resource_id=..., path="./relative")` below a shared folder) to `files`, `locks`."""
        share_id = share.id if isinstance(share, ReceivedOCMShare) else share
        return ResourceId(storage_id=OCM_STORAGE_ID, space_id=share_id, opaque_id=share_id)
