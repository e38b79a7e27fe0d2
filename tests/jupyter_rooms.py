"""Reach rooms of a running meshcollab server the way JupyterLab's provider does: the session
endpoint first (`PUT /api/collaboration/session/{path}`), then the room websocket with the answer."""

from __future__ import annotations


import httpx


from room_clients import YClient


class JupyterRooms:
    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self.base_url = base_url
        self.headers = headers
        self._sessions: dict[str, str] = {}

    async def open(self, path: str, file_type: str = "notebook") -> str:
        """The room id of the document at `path` (Jupyter path), as the session endpoint gives it."""
        file_format = "json" if file_type == "notebook" else "text"
        async with httpx.AsyncClient(base_url=self.base_url, headers=self.headers, timeout=30) as http:
            response = await http.put(
                f"/api/collaboration/session/{path}", json={"format": file_format, "type": file_type}
            )
        response.raise_for_status()
        answer = response.json()
        room = f"{answer['format']}:{answer['type']}:{answer['fileId']}"
        self._sessions[room] = answer["sessionId"]
        return room

    def url(self, room: str) -> str:
        return self.base_url.replace("http://", "ws://") + f"/api/collaboration/room/{room}"

    async def session_id(self, room: str) -> str:
        return self._sessions[room]

    def client(self, room: str, doc=None, **params) -> YClient:
        return YClient(self, room, doc, params)
