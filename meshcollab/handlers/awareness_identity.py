"""Awareness states name their user as CS3 does, not as the client claims.

JupyterLab puts the user it got from `/api/me` into its awareness state (`{"user": {...}}`); a client
could write any name there. The room websocket replaces the identity fields of every state a
connection sends with that connection's signed-in user (keeping the cursor, the colour and the rest).
"""

from __future__ import annotations

import json

from meshcollab.rooms.protocol import (
    AwarenessEntry,
    AwarenessUpdate,
    MessageType,
    ProtocolError,
    decode,
    encode_awareness,
)

IDENTITY_FIELDS = ("username", "name", "display_name", "initials", "avatar_url")


def stamp_identity(message: bytes, identity: dict) -> bytes:
    """The awareness message with `identity` in each state's `user`; other messages unchanged (a
    malformed one too: the room closes its sender)."""
    if message[:1] != bytes([MessageType.AWARENESS]):
        return message
    try:
        update = decode(message)
    except ProtocolError:
        return message
    if not isinstance(update, AwarenessUpdate):
        return message
    entries = []
    changed = False
    for entry in update.entries:
        if entry.removed:
            entries.append(entry)
            continue
        state = json.loads(entry.state)
        if not isinstance(state, dict):
            entries.append(entry)
            continue
        user = state.get("user") if isinstance(state.get("user"), dict) else {}
        stamped = {**user, **{field: identity.get(field) for field in IDENTITY_FIELDS}}
        if stamped != user or "user" not in state:
            state["user"] = stamped
            changed = True
        entries.append(AwarenessEntry(entry.client_id, entry.clock, json.dumps(state, separators=(",", ":"))))
    return encode_awareness(entries) if changed else message
