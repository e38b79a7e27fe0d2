"""Shares with other users: what the owner creates, and what the recipient accepts or rejects."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from cs3.sharing.collaboration.v1beta1 import collaboration_api_pb2 as api
from cs3.sharing.collaboration.v1beta1 import resources_pb2 as collaboration
from cs3.storage.provider.v1beta1 import resources_pb2 as storage
from google.protobuf.field_mask_pb2 import FieldMask

from meshcollab.cs3.files import resource_id_of, stat_message
from meshcollab.cs3.models import (
    VIEWER,
    Permissions,
    ReceivedShare,
    Share,
    ShareState,
    User,
    UserId,
    to_timestamp,
)
from meshcollab.cs3.references import Target, to_reference

if TYPE_CHECKING:
    from meshcollab.cs3.session import CS3Session


def _share_reference(share_id: str) -> collaboration.ShareReference:
    return collaboration.ShareReference(id=collaboration.ShareId(opaque_id=share_id))


class ShareService:
    def __init__(self, session: CS3Session) -> None:
        self._session = session

    async def create(
        self,
        target: Target,
        grantee: UserId | User,
        permissions: Permissions = VIEWER,
        *,
        expiration: datetime | None = None,
    ) -> Share:
        """Share the resource with a user (VIEWER or EDITOR from models, or any Permissions)."""
        reference = to_reference(target)
        user_id = grantee.id if isinstance(grantee, User) else grantee
        grant = collaboration.ShareGrant(
            grantee=storage.Grantee(type=storage.GRANTEE_TYPE_USER, user_id=user_id.to_proto()),
            permissions=collaboration.SharePermissions(permissions=permissions.to_proto()),
        )
        if expiration is not None:
            grant.expiration.CopyFrom(to_timestamp(expiration))
        info = await stat_message(self._session, reference)
        request = api.CreateShareRequest(resource_info=info, grant=grant)
        response = await self._session.call("CreateShare", request, resource=str(reference))
        return Share.from_proto(response.share)

    async def get(self, share_id: str) -> Share:
        request = api.GetShareRequest(ref=_share_reference(share_id))
        response = await self._session.call("GetShare", request, resource=f"share {share_id}")
        return Share.from_proto(response.share)

    async def update(self, share_id: str, permissions: Permissions) -> Share:
        """Change what the recipient may do."""
        granted = collaboration.SharePermissions(permissions=permissions.to_proto())
        # Reva reads `field`; gateways that follow the newer API read `update_mask` and `share`.
        request = api.UpdateShareRequest(
            ref=_share_reference(share_id),
            field=api.UpdateShareRequest.UpdateField(permissions=granted),
            update_mask=FieldMask(paths=["permissions"]),
            share=collaboration.Share(id=collaboration.ShareId(opaque_id=share_id), permissions=granted),
        )
        response = await self._session.call("UpdateShare", request, resource=f"share {share_id}")
        return Share.from_proto(response.share)

    async def remove(self, share_id: str) -> None:
        request = api.RemoveShareRequest(ref=_share_reference(share_id))
        await self._session.call("RemoveShare", request, resource=f"share {share_id}")

    async def list(self, target: Target | None = None) -> list[Share]:
        """The shares this user made, of `target` only if given."""
        filters = []
        if target is not None:
            resource_id = await resource_id_of(self._session, target)
            filters.append(
                collaboration.Filter(
                    type=collaboration.Filter.TYPE_RESOURCE_ID, resource_id=resource_id.to_proto()
                )
            )
        shares = await self._session.call_paged(
            "ListShares",
            api.ListSharesRequest(filters=filters),
            items="shares",
            resource=str(target or "my shares"),
        )
        return [Share.from_proto(share) for share in shares]

    async def list_received(self, state: ShareState | None = None) -> list[ReceivedShare]:
        """The shares made to this user, in `state` only if given."""
        shares = await self._session.call_paged(
            "ListReceivedShares", api.ListReceivedSharesRequest(), items="shares", resource="shares received"
        )
        received = [ReceivedShare.from_proto(share) for share in shares]
        # Filtered here: not every gateway implements the state filter.
        return [share for share in received if state is None or share.state is state]

    async def get_received(self, share_id: str) -> ReceivedShare:
        return ReceivedShare.from_proto(await self._received_message(share_id))

    async def _received_message(self, share_id: str) -> collaboration.ReceivedShare:
        request = api.GetReceivedShareRequest(ref=_share_reference(share_id))
        response = await self._session.call(
            "GetReceivedShare", request, resource=f"received share {share_id}"
        )
        return response.share

    async def accept(self, share_id: str) -> ReceivedShare:
        return await self._set_state(share_id, ShareState.ACCEPTED)

    async def reject(self, share_id: str) -> ReceivedShare:
        return await self._set_state(share_id, ShareState.REJECTED)

    async def _set_state(self, share_id: str, state: ShareState) -> ReceivedShare:
        # The gateway mounts an accepted share from the received share it is sent, so send it whole.
        received = await self._received_message(share_id)
        received.state = state.value
        request = api.UpdateReceivedShareRequest(share=received, update_mask=FieldMask(paths=["state"]))
        response = await self._session.call(
            "UpdateReceivedShare", request, resource=f"received share {share_id}"
        )
        return ReceivedShare.from_proto(response.share)
