"""The JSON shapes of the sharing API: users, shares, received shares, public links, federated shares.

Paths are Jupyter paths of the caller (None when the resource is not below their root); `fileId` is
the resource id as the room endpoints encode it, so a client can tell which room a share opens.
"""

from __future__ import annotations

from datetime import datetime

from meshcollab.cs3 import (
    EDITOR,
    VIEWER,
    CS3Error,
    CS3Session,
    OCMShare,
    Permissions,
    PublicLink,
    ReceivedShare,
    ResourceId,
    Share,
    User,
    UserId,
)

ROLES = {"viewer": VIEWER, "editor": EDITOR}


def role_of(permissions: Permissions) -> str:
    """"editor" when the grant lets the recipient write, else "viewer"."""
    return "editor" if permissions.can_write else "viewer"


def when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def user_json(user: User) -> dict:
    return {
        "username": user.username,
        "display_name": user.display_name or user.username,
        "mail": user.mail,
        "idp": user.id.idp if user.id else "",
        "opaque_id": user.id.opaque_id if user.id else "",
    }


class UserNames:
    """Who user ids are, asked of the gateway once per id per request."""

    def __init__(self, session: CS3Session) -> None:
        self._session = session
        self._known: dict[tuple[str, str], dict] = {}

    async def of(self, user_id: UserId | None) -> dict | None:
        if user_id is None:
            return None
        key = (user_id.idp, user_id.opaque_id)
        if key not in self._known:
            try:
                self._known[key] = user_json(await self._session.users.get(user_id))
            except CS3Error:
                self._known[key] = {"username": user_id.opaque_id, "display_name": user_id.opaque_id,
                                    "mail": "", "idp": user_id.idp, "opaque_id": user_id.opaque_id}
        return self._known[key]


def _file_id(resource_id: ResourceId | None) -> str | None:
    return resource_id.encode() if resource_id is not None else None


async def share_json(share: Share, names: UserNames, path: str | None) -> dict:
    return {
        "id": share.id,
        "fileId": _file_id(share.resource_id),
        "path": path,
        "role": role_of(share.permissions),
        "permissions": sorted(share.permissions.granted),
        "grantee": await names.of(share.grantee),
        "owner": await names.of(share.owner),
        "creator": await names.of(share.creator),
        "created": when(share.created),
        "expiration": when(share.expiration),
    }


async def received_json(received: ReceivedShare, names: UserNames, path: str | None, name: str) -> dict:
    return {
        **await share_json(received.share, names, path),
        "state": received.state.name.lower(),
        "name": name,
        "mount_point": received.mount_point,
    }


def link_json(link: PublicLink, path: str | None, base_url: str) -> dict:
    return {
        "id": link.id,
        "token": link.token,
        "url": f"{base_url}meshcollab/join/{link.token}",
        "fileId": _file_id(link.resource_id),
        "path": path,
        "role": role_of(link.permissions),
        "permissions": sorted(link.permissions.granted),
        "password_protected": link.password_protected,
        "expiration": when(link.expiration),
        "display_name": link.display_name,
        "created": when(link.created),
    }


def federated_name(user: UserId | None) -> str | None:
    """A user of another institution as OCM names them: `<user id>@<institution domain>`."""
    return f"{user.opaque_id}@{user.idp}" if user is not None else None


def federated_share_json(share: OCMShare, path: str | None) -> dict:
    return {
        "id": share.id,
        "name": share.name,
        "path": path,
        "recipient": federated_name(share.grantee),
        "role": role_of(share.permissions),
        "expiration": when(share.expiration),
    }
