"""The collaboration core: rooms, the y-websocket wire protocol, and the durable document store.

protocol → connection → room → document store; the registry holds the rooms, the handler puts them
on a tornado websocket, and `RoomHooks` is where the rest of meshcollab plugs in.
"""

from .connection import CloseCode, Connection, Transport
from .document_store import DocumentStore, DocumentStoreError, StoredRoom
from .handler import RoomAccess, RoomWebSocketHandler
from .hooks import RoomHooks
from .protocol import Notice, ProtocolError, SaveStatus
from .registry import RoomRegistry
from .room import Room, RoomLoadError, SessionMismatch

__all__ = [
    "CloseCode",
    "Connection",
    "DocumentStore",
    "DocumentStoreError",
    "Notice",
    "ProtocolError",
    "Room",
    "RoomAccess",
    "RoomHooks",
    "RoomLoadError",
    "RoomRegistry",
    "RoomWebSocketHandler",
    "SaveStatus",
    "SessionMismatch",
    "StoredRoom",
    "Transport",
]
