"""Public links: shares by token, optionally protected by a password and an expiration."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from cs3.sharing.link.v1beta1 import link_api_pb2 as api
from cs3.sharing.link.v1beta1 import resources_pb2 as link

from meshcollab.cs3.files import resource_id_of, stat_message
from meshcollab.cs3.models import VIEWER, Permissions, PublicLink, to_timestamp
from meshcollab.cs3.references import Target, to_reference

if TYPE_CHECKING:
    from meshcollab.cs3.session import CS3Session

_Update = api.UpdatePublicShareRequest.Update


def _link_reference(link_id: str) -> link.PublicShareReference:
    return link.PublicShareReference(id=link.PublicShareId(opaque_id=link_id))


def _grant(
    permissions: Permissions | None = None, password: str | None = None, expiration: datetime | None = None
) -> link.Grant:
    grant = link.Grant(password=password or "")
    if permissions is not None:
        grant.permissions.permissions.CopyFrom(permissions.to_proto())
    if expiration is not None:
        grant.expiration.CopyFrom(to_timestamp(expiration))
    return grant


class LinkService:
    def __init__(self, session: CS3Session) -> None:
        self._session = session

    async def create(
        self,
        target: Target,
        permissions: Permissions = VIEWER,
        *,
        password: str | None = None,
        expiration: datetime | None = None,
        description: str = "",
    ) -> PublicLink:
        """A link to the resource; its `token` is what the link's URL carries."""
        reference = to_reference(target)
        info = await stat_message(self._session, reference)
        request = api.CreatePublicShareRequest(
            resource_info=info, grant=_grant(permissions, password, expiration), description=description
        )
        response = await self._session.call("CreatePublicShare", request, resource=str(reference))
        return PublicLink.from_proto(response.share)

    async def get(self, link_id: str) -> PublicLink:
        request = api.GetPublicShareRequest(ref=_link_reference(link_id))
        response = await self._session.call("GetPublicShare", request, resource=f"public link {link_id}")
        return PublicLink.from_proto(response.share)

    async def get_by_token(self, token: str, password: str | None = None) -> PublicLink:
        """The link a token names; a password-protected link needs its password."""
        request = api.GetPublicShareByTokenRequest(token=token)
        if password is not None:
            request.authentication.password = password
        response = await self._session.call("GetPublicShareByToken", request, resource="public link by token")
        return PublicLink.from_proto(response.share)

    async def list(self, target: Target | None = None) -> list[PublicLink]:
        """The links this user made, of `target` only if given."""
        filters = []
        if target is not None:
            resource_id = await resource_id_of(self._session, target)
            filters.append(
                api.ListPublicSharesRequest.Filter(
                    type=api.ListPublicSharesRequest.Filter.TYPE_RESOURCE_ID,
                    resource_id=resource_id.to_proto(),
                )
            )
        shares = await self._session.call_paged(
            "ListPublicShares",
            api.ListPublicSharesRequest(filters=filters),
            items="share",
            resource=str(target or "my links"),
        )
        return [PublicLink.from_proto(share) for share in shares]

    async def update(
        self,
        link_id: str,
        *,
        permissions: Permissions | None = None,
        password: str | None = None,
        expiration: datetime | None = None,
        remove_expiration: bool = False,
        display_name: str | None = None,
        description: str | None = None,
    ) -> PublicLink:
        """Change what is given (one UpdatePublicShare call each); password "" removes the password,
        `remove_expiration` the expiration (an expiration update without one, as Reva takes it)."""
        if remove_expiration and expiration is not None:
            raise ValueError("give an expiration or remove it, not both")
        updates = []
        if permissions is not None:
            updates.append(_Update(type=_Update.TYPE_PERMISSIONS, grant=_grant(permissions=permissions)))
        if password is not None:
            updates.append(_Update(type=_Update.TYPE_PASSWORD, grant=_grant(password=password)))
        if expiration is not None or remove_expiration:
            updates.append(_Update(type=_Update.TYPE_EXPIRATION, grant=_grant(expiration=expiration)))
        if display_name is not None:
            updates.append(_Update(type=_Update.TYPE_DISPLAYNAME, display_name=display_name))
        if description is not None:
            updates.append(_Update(type=_Update.TYPE_DESCRIPTION, description=description))
        if not updates:
            return await self.get(link_id)
        for update in updates:
            request = api.UpdatePublicShareRequest(ref=_link_reference(link_id), update=update)
            response = await self._session.call(
                "UpdatePublicShare", request, resource=f"public link {link_id}"
            )
        # From the last answer: a link updated to an expiration in the past cannot be fetched any more.
        return PublicLink.from_proto(response.share)

    async def remove(self, link_id: str) -> None:
        request = api.RemovePublicShareRequest(ref=_link_reference(link_id))
        await self._session.call("RemovePublicShare", request, resource=f"public link {link_id}")
