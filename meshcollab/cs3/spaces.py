"""Storage spaces: the user's personal space and the project spaces they can reach."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cs3.storage.provider.v1beta1 import spaces_api_pb2 as provider

from meshcollab.cs3.models import Space

if TYPE_CHECKING:
    from meshcollab.cs3.session import CS3Session

_Filter = provider.ListStorageSpacesRequest.Filter


class SpaceService:
    def __init__(self, session: CS3Session) -> None:
        self._session = session

    async def list(self, space_type: str | None = None) -> list[Space]:
        """The spaces this user can reach, of `space_type` ("personal", "project") only if given."""
        filters = [_Filter(type=_Filter.TYPE_SPACE_TYPE, space_type=space_type)] if space_type else []
        spaces = await self._session.call_paged(
            "ListStorageSpaces",
            provider.ListStorageSpacesRequest(filters=filters),
            items="storage_spaces",
            resource="spaces",
        )
        return [Space.from_proto(space) for space in spaces]
