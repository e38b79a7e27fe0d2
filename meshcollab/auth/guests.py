"""What a public-link guest's Jupyter paths are: the linked resource, and nothing else.

A link to a folder: Jupyter path "" is that folder (`/public/<token>` in CS3, Reva's public-link
namespace), and its contents are below it. A link to a file: Jupyter path `<file name>` is that file,
and nothing else exists: the root cannot be listed (the guest does not browse the owner's folder),
any other path is not found. The gateway enforces the same (the guest's token is scoped to the
resource); this keeps a guest's requests from even being asked.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from tornado.web import HTTPError

from meshcollab.contents.paths import UserRoot, normalize
from meshcollab.cs3 import CS3Session, Resource

_roots: weakref.WeakKeyDictionary[CS3Session, GuestRoot] = weakref.WeakKeyDictionary()


def link_path(token: str) -> str:
    return f"/public/{token}"


@dataclass(frozen=True)
class GuestRoot(UserRoot):
    """The root of a link guest. `file_name` is set when the link is to a file."""

    file_name: str = ""

    def to_cs3(self, api_path: str) -> str:
        api_path = normalize(api_path)
        if not self.file_name:
            return super().to_cs3(api_path)
        if api_path == self.file_name:
            return self.cs3_path
        if not api_path:
            raise HTTPError(403, "A share link opens the shared document only: there is no folder to browse")
        raise HTTPError(404, f"No such file: {api_path!r} (a share link reaches the shared document only)")

    def to_api(self, cs3_path: str) -> str | None:
        if not self.file_name:
            return super().to_api(cs3_path)
        return self.file_name if cs3_path.rstrip("/") == self.cs3_path else None


async def guest_root(session: CS3Session) -> GuestRoot:
    """The root of the guest of `session.public_link` (its resource stat'ed once per session)."""
    root = _roots.get(session)
    if root is None:
        link = session.public_link
        path = link_path(link.token)
        resource: Resource = await session.files.stat(path)
        root = GuestRoot(path, file_name=resource.name if resource.is_file else "")
        _roots[session] = root
    return root


async def guest_path(session: CS3Session) -> tuple[str, Resource]:
    """The Jupyter path a guest opens (the file's name, or "" for a folder) and the linked resource."""
    root = await guest_root(session)
    resource = await session.files.stat(root.cs3_path)
    return root.file_name, resource
