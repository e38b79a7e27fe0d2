"""Project spaces in Jupyter paths: the virtual folder `Projects/` at the Jupyter root.

Project spaces live outside a user's home (`/projects/<name>` on the embedded store, wherever the
gateway puts them on Reva), so the home-rooted Jupyter paths cannot reach them. The contents manager
shows them as `<projects folder>/<space name>/...` (`CS3ContentsManager.projects_folder`), mapped to
the space's root in CS3 and back by `UserRoot`. Which spaces a user belongs to is asked of the
gateway (ListStorageSpaces) at most every `REFRESH` seconds per session: a space the user just
joined appears within that time; one they left is refused by CS3 itself at once.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass

from meshcollab.cs3 import (
    CS3Error,
    CS3Session,
    NotFound,
    PermissionDenied,
    Resource,
    ResourceType,
    Space,
    Unsupported,
)

REFRESH = 30.0  # seconds a session's list of project spaces is reused


@dataclass(frozen=True)
class ProjectRoot:
    """A project space as a folder below the projects folder: its name there and its root in CS3."""

    name: str
    cs3_path: str
    space: Space


async def space_root_path(session: CS3Session, space: Space) -> str | None:
    """The CS3 path of a space's root: as the gateway listed it, else as Stat says; None when the
    gateway gives it no absolute path (then the space has no Jupyter path)."""
    path = space.root_path
    if not path and space.root is not None:
        try:
            path = (await session.files.stat(space.root)).path
        except CS3Error:
            return None
    if not path.startswith("/"):
        return None
    return path.rstrip("/") or "/"


def _plain_name(name: str) -> bool:
    return bool(name) and "/" not in name and "\x00" not in name and name not in (".", "..")


async def project_roots(session: CS3Session) -> tuple[ProjectRoot, ...]:
    """The user's project spaces, by name; a name that cannot be a folder name, or that another
    space took first (by space id), is left out."""
    try:
        spaces = await session.spaces.list("project")
    except (Unsupported, NotFound, PermissionDenied):
        return ()  # a gateway without spaces (or none for this user): no projects folder
    roots: dict[str, ProjectRoot] = {}
    for space in sorted(spaces, key=lambda space: (space.name, space.id)):
        if not _plain_name(space.name) or space.name in roots:
            continue
        path = await space_root_path(session, space)
        if path is not None:
            roots[space.name] = ProjectRoot(space.name, path, space)
    return tuple(roots.values())


def project_entries(projects: tuple[ProjectRoot, ...]) -> list[tuple[str, Resource]]:
    """The project spaces as entries of the projects folder: their roots, as the gateway listed them."""
    return [
        (
            project.name,
            Resource(
                id=project.space.root,
                path=project.cs3_path,
                name=project.name,
                type=ResourceType.CONTAINER,
                mtime=project.space.mtime,
                permissions=project.space.root_permissions,
            ),
        )
        for project in projects
    ]


class ProjectSpaces:
    """Each session's project spaces, asked of the gateway at most every `REFRESH` seconds."""

    def __init__(self) -> None:
        self._known: weakref.WeakKeyDictionary[CS3Session, tuple[float, tuple[ProjectRoot, ...]]] = (
            weakref.WeakKeyDictionary()
        )

    async def of(self, session: CS3Session) -> tuple[ProjectRoot, ...]:
        known = self._known.get(session)
        if known is None or time.monotonic() - known[0] > REFRESH:
            known = (time.monotonic(), await project_roots(session))
            self._known[session] = known
        return known[1]
