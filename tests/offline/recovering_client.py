"""What our frontend extension does for offline editors, at the protocol level: a y-websocket client
that keeps a base (its document as last in sync with the server) and, when the room closes it with
1003 `unknown_session` (the room's history is not the one its document comes from), sends its document
and that base to `POST /api/meshcollab/recover/{path}` instead of throwing its edits away, then joins
the room again with an empty document. See meshcollab/recovery/README.md.

Also the checks every scenario makes: converged documents, no duplicated cell, every edit present.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import anyio
import httpx
import nbformat
from jupyter_rooms import JupyterRooms
from notebook_edits import append_cell
from pycrdt import Doc
from room_clients import YClient, notebook, until

from meshcollab.rooms.protocol import MessageType, SyncUpdate, decode

TIMEOUT = 30  # seconds: a bound on waiting, never a measurement
UNKNOWN_SESSION = 1003


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class ServerTrackingClient(YClient):
    """A y-websocket client that also applies what the server sends to a second document: the base,
    "the document as the client received it from the server". Its own edits are not in it: a base
    that lacks them is safe (they count as added on both sides); one that had edits the server never
    stored would count them as deleted by the room."""

    def __init__(self, *args, received: Doc, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.received = received

    def _on_message(self, message: bytes | None) -> None:
        super()._on_message(message)
        if message is not None and message[0] == MessageType.SYNC:
            decoded = decode(message)
            if isinstance(decoded, SyncUpdate):
                self.received.apply_update(decoded.update)


class OfflineEditor:
    """A client of the notebook at `path` that goes offline, edits, and comes back with the sessionId
    it had (as JupyterLab's provider reconnects)."""

    def __init__(self, rooms: JupyterRooms, path: str, name: str) -> None:
        self.rooms = rooms
        self.path = path
        self.name = name
        self.room: str | None = None
        self.session_id: str | None = None
        self.client: ServerTrackingClient | None = None
        self.doc = Doc()
        self.received = Doc()  # the base: what the server sent (see ServerTrackingClient)
        self.recovered: dict | None = None  # the recover endpoint's answer, if it was used
        self.notices_seen: list[dict] = []  # RAW notices of every connection so far

    async def join(self) -> None:
        """Open the session (once) and connect with the document held."""
        self.room = await self.rooms.open(self.path)
        self.session_id = await self.rooms.session_id(self.room)
        await self.reconnect()

    async def reconnect(self) -> None:
        """Connect again with the same document and sessionId; recover if the room says the history
        is not ours (1003 unknown_session)."""
        self._keep_notices()
        self.client = ServerTrackingClient(
            self.rooms, self.room, self.doc, {"sessionId": self.session_id}, received=self.received
        )
        await self.client.connect()
        if self.client.closed and self.client.close_code == UNKNOWN_SESSION:
            assert json.loads(self.client.close_reason)["reason"] == "unknown_session"
            self.client.disconnect()
            await self.recover()

    def go_offline(self) -> None:
        """No closing handshake: a laptop closed, a network gone, or the server died."""
        if self.client is not None and self.client.ws is not None:
            self.client.abort()

    async def recover(self) -> None:
        """Bring our edits in by the recover endpoint, then join again with an empty document."""
        body = {
            "document": {"update": b64(self.doc.get_update())},
            "base": {"update": b64(self.received.get_update())},
            "sessionId": self.session_id,
        }
        async with httpx.AsyncClient(base_url=self.rooms.base_url, headers=self.rooms.headers, timeout=60) as http:
            response = await http.post(f"/api/meshcollab/recover/{self.path}", json=body)
        assert response.status_code == 200, response.text
        self.recovered = response.json()
        self.doc, self.received = Doc(), Doc()  # what we had is in the room now
        await self.join()
        assert not self.client.closed, (self.client.close_code, self.client.close_reason)

    def _keep_notices(self) -> None:
        if self.client is not None:
            self.notices_seen += self.client.raw_of_type("notice")
            self.client.raw.clear()

    def notices(self, code: str) -> list[dict]:
        current = self.client.raw_of_type("notice") if self.client is not None else []
        return [notice for notice in self.notices_seen + current if notice.get("code") == code]


def add_cells(doc: Doc, prefix: str, count: int) -> list[str]:
    """`count` new cells at the end, as JupyterLab inserts them: their sources are the edits."""
    sources = [f"{prefix} {n}" for n in range(count)]
    for source in sources:
        append_cell(doc, source, nbformat.v4.new_code_cell().id)
    return sources


def sources_of(doc: Doc) -> list[str]:
    return [cell["source"] for cell in notebook(doc)["cells"]]


async def converged(docs: list[Doc], timeout: float = TIMEOUT) -> dict:
    await until(lambda: all(notebook(doc) == notebook(docs[0]) for doc in docs), timeout)
    return notebook(docs[0])


def assert_every_edit_once(nb: dict, edits: list[str]) -> None:
    """No duplicated cell (ids unique, no source twice), and every edit present exactly once."""
    ids = [cell["id"] for cell in nb["cells"]]
    assert len(ids) == len(set(ids)), f"duplicated cell ids: {ids}"
    sources = ["".join(cell["source"]) for cell in nb["cells"]]
    nonempty = [source for source in sources if source.strip()]
    assert len(nonempty) == len(set(nonempty)), f"duplicated cells: {sources}"
    text = "\n".join(sources)
    missing = [edit for edit in edits if edit not in text]
    assert not missing, f"edits lost: {missing}"
    twice = [edit for edit in edits if text.count(edit) > 1 and not any(e != edit and edit in e for e in edits)]
    assert not twice, f"edits duplicated: {twice}"


async def eventually(check: Callable, timeout: float = TIMEOUT):
    with anyio.fail_after(timeout):
        while True:
            result = check()
            if hasattr(result, "__await__"):
                result = await result
            if result:
                return result
            await anyio.sleep(0.05)


async def notebook_in_cs3(session, path: str) -> dict | None:
    """The notebook in CS3, read as one version (None if it is not JSON: being written, or invalid)."""
    for _ in range(20):
        before = await session.files.stat(path)
        data = await session.files.read_bytes(path)
        if (await session.files.stat(path)).etag == before.etag:
            try:
                return json.loads(data)
            except ValueError:
                return None
    return None


async def saved_as(session, path: str, nb: dict) -> dict:
    """Wait until the notebook in CS3 has the cells of `nb` (same ids, same sources)."""

    def cells(value: dict) -> list[tuple[str, str]]:
        return [(cell["id"], "".join(cell["source"])) for cell in value["cells"]]

    async def check():
        saved = await notebook_in_cs3(session, path)
        return saved if saved is not None and cells(saved) == cells(nb) else None

    return await eventually(check)
