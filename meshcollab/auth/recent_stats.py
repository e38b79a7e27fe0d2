"""What the session endpoint just learnt about a resource, for the room websocket that follows.

JupyterLab asks the session endpoint for a document's room (a Stat of its path, as the user) and
opens the room's websocket right after, which asks CS3 again what the user may do there (a Stat of
its resource id). The first answer, a few seconds old, is as good: the websocket takes it (once) and
saves a round trip to the gateway on every open. What changes later is caught as for every member of
a room, by `RoomMembers.recheck`: after each sharing change and every `permission_check_interval`.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from meshcollab.cs3 import CS3Session, Resource, ResourceId

FRESH_SECONDS = 5.0
CAPACITY = 1024


class RecentStats:
    def __init__(self, fresh_seconds: float = FRESH_SECONDS, capacity: int = CAPACITY) -> None:
        self._fresh_seconds = fresh_seconds
        self._capacity = capacity
        self._seen: OrderedDict[tuple[int, str], tuple[CS3Session, Resource, float]] = OrderedDict()

    def remember(self, session: CS3Session, resource: Resource) -> None:
        self._seen[(id(session), resource.id.encode())] = (session, resource, time.monotonic())
        while len(self._seen) > self._capacity:
            self._seen.popitem(last=False)

    def take(self, session: CS3Session, resource_id: ResourceId) -> Resource | None:
        """The resource as `session` saw it within the last seconds, if it did; forgotten then."""
        seen = self._seen.pop((id(session), resource_id.encode()), None)
        if seen is None or seen[0] is not session or time.monotonic() - seen[2] > self._fresh_seconds:
            return None
        return seen[1]
