"""The namespace: storage paths (`/home/<user>/...`, `/projects/<name>/...`), the folders that hold
them under `<root>/files`, and the resource ids. Every file and folder gets an opaque id on first
sight, kept in the `nodes` table (id <-> path), so ids survive overwrites, moves and restarts.

Paths are checked before they touch the disk: NUL bytes and `..` are refused, and no path may
cross a symbolic link (one inside the root could point anywhere)."""

from __future__ import annotations

import errno
import os
import secrets
import sqlite3
import stat
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread
from cs3.storage.provider.v1beta1 import resources_pb2 as rp

from .db import MetadataDB
from .status import invalid_argument, not_found, permission_denied
from .users import ProjectRecord, UserDirectory, UserRecord

SCHEMA = """
CREATE TABLE IF NOT EXISTS nodes (
    opaque_id TEXT PRIMARY KEY,
    space_id TEXT NOT NULL,
    path TEXT NOT NULL UNIQUE,
    etag TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

PERSONAL = "personal"
PROJECT = "project"

# fn(path) -> the storage path that a virtual absolute path stands for (a share mounted in the
# recipient's share folder, `/public/<token>/...`), or None when the path is not one of its own.
PathResolver = Callable[[str], Awaitable[str | None]]


@dataclass(frozen=True)
class Space:
    space_id: str  # the opaque id of the space's root folder, as in Reva
    kind: str  # personal | project
    name: str
    root_path: str  # /home/einstein, /projects/physics
    owner: UserRecord | None  # the user of a personal space; a project's first manager
    project: ProjectRecord | None = None

    def contains(self, path: str) -> bool:
        return path == self.root_path or path.startswith(self.root_path + "/")


@dataclass(frozen=True)
class Node:
    """A file or folder as seen at one moment: identity plus what the disk said."""

    opaque_id: str
    path: str
    space: Space
    is_dir: bool
    size: int
    mtime_ns: int
    etag: str
    fs_path: Path

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[1]

    @property
    def parent_path(self) -> str | None:
        return None if self.path == self.space.root_path else self.path.rsplit("/", 1)[0]


def same_etag(a: str, b: str) -> bool:
    """Etags compare without their quotes (clients send them quoted or bare)."""
    return a.strip('"') == b.strip('"')


def new_etag() -> str:
    return f'"{secrets.token_hex(8)}"'


def normalize(path: str) -> str:
    """An absolute storage path without `.`, empty parts or a trailing slash; refuses NUL and `..`."""
    if "\x00" in path:
        raise invalid_argument("path contains a NUL byte")
    if not path.startswith("/"):
        raise invalid_argument(f"path {path!r} must be absolute, or relative ('./...') to a resource id")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise invalid_argument(f"path {path!r} must not contain '..'")
    return "/" + "/".join(parts)


def parent_of(path: str) -> str:
    return path.rsplit("/", 1)[0] or "/"


class Namespace:
    def __init__(self, root: Path, db: MetadataDB, users: UserDirectory) -> None:
        self.files_root = root / "files"
        self.db = db
        self.users = users
        self.storage_id = ""
        self._real_root = ""
        self._spaces_by_root: dict[str, Space] = {}
        self._spaces_by_id: dict[str, Space] = {}
        self._path_resolvers: list[PathResolver] = []

    async def start(self) -> None:
        await self.db.executescript(SCHEMA)
        self.storage_id = await self.db.run(_setting, "storage_id", lambda: str(uuid.uuid4()))
        roots = [(f"/home/{u.username}", PERSONAL, u.username, u, None) for u in self.users.users]
        for project in self.users.projects:
            manager = next(
                (
                    u
                    for name, role in project.members.items()
                    if role == "manager"
                    for u in [self.users.by_username(name)]
                ),
                None,
            )
            roots.append((f"/projects/{project.name}", PROJECT, project.name, manager, project))
        await anyio.to_thread.run_sync(self._make_folders, [r[0] for r in roots])
        ids = await self.db.run(_register_roots, [r[0] for r in roots])
        for (root_path, kind, name, owner, project), space_id in zip(roots, ids):
            space = Space(space_id, kind, name, root_path, owner, project)
            self._spaces_by_root[root_path] = space
            self._spaces_by_id[space_id] = space

    def _make_folders(self, root_paths: list[str]) -> None:
        self.files_root.mkdir(parents=True, exist_ok=True)
        self._real_root = os.path.realpath(self.files_root)
        for root_path in root_paths:
            (self.files_root / root_path.lstrip("/")).mkdir(parents=True, exist_ok=True)

    # -- spaces -----------------------------------------------------------------------------

    @property
    def spaces(self) -> list[Space]:
        return list(self._spaces_by_id.values())

    def space_by_id(self, space_id: str) -> Space | None:
        return self._spaces_by_id.get(space_id)

    def personal_space(self, user: UserRecord) -> Space:
        return self._spaces_by_root[f"/home/{user.username}"]

    def space_of(self, path: str) -> Space:
        parts = path.split("/")
        space = self._spaces_by_root.get("/".join(parts[:3]))
        if space is None:
            raise not_found(f"no storage space holds {path}")
        return space

    def resource_id(self, node: Node) -> rp.ResourceId:
        return rp.ResourceId(
            storage_id=self.storage_id, space_id=node.space.space_id, opaque_id=node.opaque_id
        )

    # -- references -------------------------------------------------------------------------

    def add_path_resolver(self, resolver: PathResolver) -> None:
        """Let a module map virtual absolute paths to storage paths (see `PathResolver`). Only
        absolute references pass through resolvers; the node then has its storage path."""
        self._path_resolvers.append(resolver)

    async def _storage_path(self, path: str) -> str:
        for resolver in self._path_resolvers:
            if (resolved := await resolver(path)) is not None:
                return normalize(resolved)
        return path

    async def path_of_ref(self, ref: rp.Reference) -> str:
        """The storage path a reference names; the resource id (if any) must exist, the path need not."""
        rid = ref.resource_id if ref.HasField("resource_id") else None
        if rid is None or not rid.opaque_id:
            if not ref.path:
                raise invalid_argument("reference has neither a path nor a resource id")
            if not ref.path.startswith("/"):
                raise invalid_argument(f"relative path {ref.path!r} needs a resource id")
            return await self._storage_path(normalize(ref.path))
        if rid.storage_id and rid.storage_id != self.storage_id:
            raise not_found(f"resource {rid.opaque_id} is not in this storage ({rid.storage_id})")
        base = await self.path_of(rid.opaque_id)
        if base is None:
            raise not_found(f"no resource with id {rid.opaque_id}")
        if not ref.path or ref.path == ".":
            return base
        if not ref.path.startswith("./"):
            raise invalid_argument(f"path {ref.path!r} next to a resource id must be relative ('./...')")
        return normalize(base + ref.path[1:])

    async def resolve(self, ref: rp.Reference) -> Node:
        path = await self.path_of_ref(ref)
        node = await self.node_at(path)
        if node is None:
            raise not_found(f"{path} does not exist")
        return node

    # -- nodes ------------------------------------------------------------------------------

    def fs_path(self, path: str) -> Path:
        return self.files_root / path.lstrip("/")

    async def path_of(self, opaque_id: str) -> str | None:
        row = await self.db.fetchone("SELECT path FROM nodes WHERE opaque_id = ?", (opaque_id,))
        return row["path"] if row else None

    async def by_id(self, opaque_id: str) -> Node:
        path = await self.path_of(opaque_id)
        node = await self.node_at(path) if path else None
        if node is None:
            raise not_found(f"no resource with id {opaque_id}")
        return node

    async def node_at(self, path: str) -> Node | None:
        """The node at a storage path, registering an id for it on first sight; None if absent."""
        space = self.space_of(path)

        def look(conn: sqlite3.Connection) -> Node | None:
            # One trip to the DB thread for both: a Stat is on every open of a document.
            found = self._lstat(path)
            if found is None:
                return None
            return self._node(path, space, found, *register(conn, path, space.space_id))

        return await self.db.run(look)

    def parent_id(self, conn: sqlite3.Connection, node: Node) -> rp.ResourceId | None:
        """The id of the node's folder (in the DB thread, inside the caller's transaction)."""
        if node.parent_path is None:
            return None
        opaque_id, _ = register(conn, node.parent_path, node.space.space_id)
        return rp.ResourceId(storage_id=self.storage_id, space_id=node.space.space_id, opaque_id=opaque_id)

    async def children(self, node: Node) -> list[Node]:
        entries = await anyio.to_thread.run_sync(self._scan, node)
        paths = [f"{node.path}/{name}" for name, _ in entries]
        rows = await self.db.run(_register_many, paths, node.space.space_id)
        return [self._node(p, node.space, st, *row) for p, (_, st), row in zip(paths, entries, rows)]

    async def ancestor_ids(self, node: Node) -> list[str]:
        """The node's id, then its parent's, up to the space root."""
        paths, path = [node.path], node.path
        while path != node.space.root_path:
            path = parent_of(path)
            paths.append(path)
        rows = await self.db.fetchall(
            f"SELECT opaque_id, path FROM nodes WHERE path IN ({','.join('?' * len(paths))})", tuple(paths)
        )
        by_path = {r["path"]: r["opaque_id"] for r in rows}
        return [by_path[p] for p in paths if p in by_path]

    def _node(self, path: str, space: Space, st: os.stat_result, opaque_id: str, etag: str) -> Node:
        is_dir = stat.S_ISDIR(st.st_mode)
        return Node(
            opaque_id,
            path,
            space,
            is_dir,
            0 if is_dir else st.st_size,
            st.st_mtime_ns,
            etag,
            self.fs_path(path),
        )

    def check_no_escape(self, path: str) -> None:
        """Refuse a path that crosses a symbolic link (run in a worker thread: it touches the disk)."""
        expected = os.path.join(self._real_root, path.lstrip("/"))
        if os.path.realpath(expected) != expected.rstrip("/"):
            raise permission_denied(f"{path} crosses a symbolic link; the store does not follow links")

    def _lstat(self, path: str) -> os.stat_result | None:
        self.check_no_escape(path)
        try:
            return os.lstat(self.fs_path(path))
        except (FileNotFoundError, NotADirectoryError):  # the latter: a file where a folder should be
            return None
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                raise invalid_argument(f"a name in {path[:80]}... is too long") from None
            raise

    def _scan(self, node: Node) -> list[tuple[str, os.stat_result]]:
        self.check_no_escape(node.path)
        with os.scandir(node.fs_path) as entries:
            found = [(e.name, e.stat(follow_symlinks=False)) for e in entries if not e.is_symlink()]
        return sorted(found, key=lambda item: item[0])


# -- rows, run inside MetadataDB.run (the DB thread) ----------------------------------------


def register(conn: sqlite3.Connection, path: str, space_id: str) -> tuple[str, str]:
    """(opaque id, etag) of the path, creating the row on first sight."""
    row = conn.execute("SELECT opaque_id, etag FROM nodes WHERE path = ?", (path,)).fetchone()
    if row:
        return row["opaque_id"], row["etag"]
    opaque_id, etag = str(uuid.uuid4()), new_etag()
    conn.execute(
        "INSERT INTO nodes (opaque_id, space_id, path, etag) VALUES (?, ?, ?, ?)",
        (opaque_id, space_id, path, etag),
    )
    return opaque_id, etag


def _register_many(conn: sqlite3.Connection, paths: list[str], space_id: str) -> list[tuple[str, str]]:
    return [register(conn, path, space_id) for path in paths]


def _register_roots(conn: sqlite3.Connection, root_paths: list[str]) -> list[str]:
    ids = [register(conn, path, "")[0] for path in root_paths]
    conn.executemany("UPDATE nodes SET space_id = opaque_id WHERE opaque_id = ?", [(i,) for i in ids])
    return ids


def touch_etags(conn: sqlite3.Connection, path: str, space_root: str) -> None:
    """A new etag for the path and every folder above it up to the space root, as Reva propagates."""
    paths = [path]
    while path != space_root and path != "/":
        path = parent_of(path)
        paths.append(path)
    for p in paths:
        conn.execute("UPDATE nodes SET etag = ? WHERE path = ?", (new_etag(), p))


def subtree_ids(conn: sqlite3.Connection, path: str) -> list[str]:
    rows = conn.execute(
        "SELECT opaque_id FROM nodes WHERE path = ? OR substr(path, 1, ?) = ?",
        (path, len(path) + 1, path + "/"),
    ).fetchall()
    return [r["opaque_id"] for r in rows]


def forget_subtree(conn: sqlite3.Connection, path: str) -> list[str]:
    """Drop the rows of a deleted path and everything below it; returns their ids."""
    ids = subtree_ids(conn, path)
    conn.executemany("DELETE FROM nodes WHERE opaque_id = ?", [(i,) for i in ids])
    return ids


def move_subtree(conn: sqlite3.Connection, source: str, destination: str) -> None:
    conn.execute(
        "UPDATE nodes SET path = ? || substr(path, ?) WHERE path = ? OR substr(path, 1, ?) = ?",
        (destination, len(source) + 1, source, len(source) + 1, source + "/"),
    )


def _setting(conn: sqlite3.Connection, name: str, default) -> str:
    row = conn.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
    if row:
        return row["value"]
    value = default()
    conn.execute("INSERT INTO settings (name, value) VALUES (?, ?)", (name, value))
    return value
