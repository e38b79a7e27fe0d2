"""The two servers under comparison, started the same way on loopback ports with a token.

- `MeshcollabServer`: `meshcollab serve --gateway` on an embedded CS3 store (`StoreProcess`), with the
  document store in its data directory; jupyter_server_ydoc is disabled by `meshcollab serve`.
- `StockServer`: `python -m jupyter_server` with jupyter-collaboration (jupyter_server_ydoc, its
  default `SQLiteYStore`) on local files under a root folder, the stock contents manager, and
  meshcollab's extension disabled.

Both are pinned to the server core (the embedded store too: it is part of what meshcollab needs to
serve a room, as the local disk is for the stock server). Both close an idle room one second after its
last client leaves (`room_close_delay` / `document_cleanup_delay`), so that the benchmarks see rooms
close; save delays are both servers' defaults (1 s after the last change).
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
import uuid
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx
import psutil

from meshcollab.cs3 import CS3Config, CS3Gateway
from meshcollab.embedded_store import StoreProcess
from meshcollab.processes import ServiceProcess

RUNNING_AT = re.compile(r"http://127\.0\.0\.1:(?P<port>\d+)/")
CLOSE_DELAY = 1.0  # seconds an idle room stays loaded after its last client leaves (both servers)
USER = ("einstein", "relativity")


class BenchServer(ServiceProcess):
    name = ""

    def __init__(self, workdir: Path, cpus: set[int] | None) -> None:
        super().__init__(cpus)
        self.workdir = workdir
        self.token = uuid.uuid4().hex
        self.port = 0
        self.http: httpx.AsyncClient | None = None  # within `http_client()`

    @asynccontextmanager
    async def http_client(self):
        """An HTTP client to the server for the duration (of one event loop), as `self.http`."""
        async with httpx.AsyncClient(base_url=self.url, headers=self.headers, timeout=60) as self.http:
            yield self.http
        self.http = None

    def _serve(self, command: list[str], env: dict[str, str] | None = None) -> None:
        runtime = self.workdir / "runtime"
        runtime.mkdir(parents=True, exist_ok=True)
        environment = {"JUPYTER_RUNTIME_DIR": str(runtime), **(env or {})}
        ready = self.launch(command, RUNNING_AT, env=environment)
        self.port = int(ready["port"])
        with httpx.Client(base_url=self.url, headers=self.headers, timeout=60) as client:
            client.get("/api/status").raise_for_status()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    @property
    def pid(self) -> int:
        return self.process.pid

    def uss(self) -> int:
        """Unique set size of the server process, in bytes."""
        return psutil.Process(self.pid).memory_full_info().uss

    def cpu_seconds(self) -> float:
        times = psutil.Process(self.pid).cpu_times()
        return times.user + times.system

    async def put_notebook(self, name: str, notebook: dict) -> None:
        raise NotImplementedError

    async def file_writes(self, name: str) -> int:
        """How many times the file was written so far (each save of the room)."""
        raise NotImplementedError

    def stored_bytes(self, room: str) -> int:
        """Bytes of Y history the server keeps durably for the room (rows and snapshots/checkpoints)."""
        raise NotImplementedError

    def stored_updates(self, room: str) -> int:
        raise NotImplementedError

    def start(self) -> None:
        raise NotImplementedError

    def stop(self, *args) -> None:
        super().stop(*args)


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)


class MeshcollabServer(BenchServer):
    name = "meshcollab"

    def __init__(self, workdir: Path, cpus: set[int] | None, settings: tuple[str, ...] = ()) -> None:
        super().__init__(workdir, cpus)
        self.settings = settings  # more --Trait=value arguments (experiments: python -m bench collab --meshcollab-arg)
        self.store = StoreProcess(root=workdir / "store", cpus=cpus)
        self.documents = workdir / "server" / "server" / "documents.sqlite"
        self._home = ""

    def start(self) -> None:
        self.store.start()
        command = [
            sys.executable, "-m", "meshcollab", "serve",
            "--gateway", self.store.grpc_address,
            "--data-dir", str(self.workdir / "server"),
            "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0", "--ServerApp.port_retries=0",
            f"--ServerApp.token={self.token}",
            f"--MeshCollab.cs3_username={USER[0]}",
            f"--MeshCollab.room_close_delay={CLOSE_DELAY}",
            *self.settings,
        ]
        try:
            self._serve(command, env={"MESHCOLLAB_CS3_PASSWORD": USER[1]})
        except BaseException:
            self.store.stop()
            raise

    def stop(self, *args) -> None:
        super().stop(*args)
        self.store.stop()

    async def _session(self, gateway: CS3Gateway):
        session = await gateway.login_basic(*USER)
        if not self._home:
            self._home = await session.home()
        return session

    async def put_notebook(self, name: str, notebook: dict) -> None:
        async with CS3Gateway(CS3Config(gateway=self.store.grpc_address, chunk_size=4 << 20)) as gateway:
            session = await self._session(gateway)
            await session.files.write(f"{self._home}/{name}", json.dumps(notebook).encode())

    async def file_writes(self, name: str) -> int:
        async with CS3Gateway(CS3Config(gateway=self.store.grpc_address)) as gateway:
            session = await self._session(gateway)
            # Every overwrite keeps the previous content as a version: versions = writes after the first.
            return len(await session.versions.list(f"{self._home}/{name}"))

    def _query(self, sql: str, room: str) -> int:
        with _read_only(self.documents) as db:
            return db.execute(sql, (room,)).fetchone()[0] or 0

    def stored_bytes(self, room: str) -> int:
        sql = "SELECT sum(length(data)) FROM updates JOIN rooms ON updates.room = rooms.id WHERE rooms.name = ?"
        return self._query(sql, room)

    def stored_updates(self, room: str) -> int:
        sql = "SELECT count(*) FROM updates JOIN rooms ON updates.room = rooms.id WHERE rooms.name = ?"
        return self._query(sql, room)


class StockServer(BenchServer):
    name = "stock"

    def __init__(self, workdir: Path, cpus: set[int] | None) -> None:
        super().__init__(workdir, cpus)
        self.root = workdir / "root"
        self.ystore = self.root / ".jupyter_ystore.db"
        self._writes: dict[str, set[int]] = {}

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable, "-m", "jupyter_server",
            "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0", "--ServerApp.port_retries=0",
            f"--ServerApp.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            "--ServerApp.jpserver_extensions={'meshcollab': False, 'jupyter_server_ydoc': True}",
            f"--SQLiteYStore.db_path={self.ystore}",
            f"--BaseFileIdManager.db_path={self.workdir / 'file_id_manager.db'}",
            f"--YDocExtension.document_cleanup_delay={CLOSE_DELAY}",
        ]
        self._serve(command)
        if not any("jupyter_server_ydoc | extension was successfully loaded" in line for line in self.output):
            raise RuntimeError("the stock server did not load jupyter_server_ydoc:\n" + "".join(self.output))
        if any("meshcollab | extension was successfully loaded" in line for line in self.output):
            raise RuntimeError("the stock server loaded meshcollab")

    async def put_notebook(self, name: str, notebook: dict) -> None:
        target = anyio.Path(self.root / name)
        await target.parent.mkdir(parents=True, exist_ok=True)
        await target.write_text(json.dumps(notebook))

    async def file_writes(self, name: str) -> int:
        """Counted by watching the file's inode and mtime (the stock manager writes a temporary file
        and renames it); saves are at least `document_save_delay` apart, and `watch_writes` polls
        every 50 ms, so none is missed."""
        return len(self._writes.get(name, ())) - 1

    async def watch_writes(self, name: str, stop: anyio.Event) -> None:
        seen = self._writes.setdefault(name, set())
        path = anyio.Path(self.root / name)
        while not stop.is_set():
            status = await path.stat()
            seen.add(hash((status.st_ino, status.st_mtime_ns, status.st_size)))
            with anyio.move_on_after(0.05):
                await stop.wait()

    def _query(self, sql: str, room: str) -> int:
        if not self.ystore.exists():
            return 0
        file_id = room.split(":", 2)[2]
        with _read_only(self.ystore) as db:
            return db.execute(sql, (f".notebook:{file_id}.y",)).fetchone()[0] or 0

    def stored_bytes(self, room: str) -> int:
        rows = "SELECT sum(length(yupdate) + ifnull(length(metadata), 0)) FROM yupdates WHERE path = ?"
        checkpoints = "SELECT sum(length(checkpoint)) FROM ycheckpoints WHERE path = ?"
        return self._query(rows, room) + self._query(checkpoints, room)

    def stored_updates(self, room: str) -> int:
        return self._query("SELECT count(*) FROM yupdates WHERE path = ?", room)

    async def backlog_stored(self, timeout: float = 600) -> None:
        """Wait (bounded) until the YStore stops growing: after a load it keeps storing the updates it
        fell behind on (for minutes after W2), and holds the database's lock meanwhile."""
        if not self.ystore.exists():
            return  # nothing stored yet (e.g. --only W5): no backlog
        last, stable = -1, 0
        with anyio.move_on_after(timeout):
            while stable < 3:
                with _read_only(self.ystore) as db:
                    rows = db.execute("SELECT max(rowid) FROM yupdates").fetchone()[0] or 0
                stable, last = (stable + 1 if rows == last else 0), rows
                await anyio.sleep(1.0)


SERVERS = {"meshcollab": MeshcollabServer, "stock": StockServer}
