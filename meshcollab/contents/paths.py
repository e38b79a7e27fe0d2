"""Jupyter paths and where they live in CS3.

A Jupyter (API) path is relative and "/"-separated: "" is the root the file browser opens on, and
"dir/nb.ipynb" a file below it. Each user's root is a folder in CS3, named by a template
(`CS3ContentsManager.root_template`, default the user's home); a Jupyter path maps to the CS3 path
below that root, and back.

A path that tries to leave the root (a ".." or "." component, a NUL byte) is refused here, before any
CS3 call: absolute-looking paths cannot escape, as the leading "/" is dropped and the rest is taken
below the root.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from tornado.web import HTTPError

# The placeholders a root template may use.
ROOT_PLACEHOLDERS = ("home", "username", "user_id", "idp")


def normalize(path: str) -> str:
    """The canonical form of a Jupyter path ("a/b", "" for the root); HTTP 400 for a path that tries
    to leave the root or holds characters no file name may hold."""
    if not isinstance(path, str):
        raise HTTPError(400, f"Invalid path {path!r}: a path is a string")
    if "\x00" in path:
        raise HTTPError(400, f"Invalid path {path!r}: a path may not contain a NUL character")
    parts = [part for part in path.split("/") if part]
    for part in parts:
        if part in (".", ".."):
            raise HTTPError(
                400, f"Invalid path {path!r}: '.' and '..' are not allowed; paths stay inside your files"
            )
    return "/".join(parts)


def name_of(api_path: str) -> str:
    """The last component of a normalized Jupyter path ("" for the root)."""
    return api_path.rsplit("/", 1)[-1]


def parent_of(api_path: str) -> str:
    """The folder of a normalized Jupyter path ("" for an entry of the root)."""
    return api_path.rsplit("/", 1)[0] if "/" in api_path else ""


def is_hidden_path(api_path: str) -> bool:
    """A path is hidden when any of its components is a dot file or dot folder, as in the stock manager."""
    return any(part.startswith(".") for part in api_path.split("/") if part)


def _placeholders(template: str) -> set[str]:
    """The placeholders a template uses ("username" for "{username[0]}")."""
    names = (name for _, name, _, _ in string.Formatter().parse(template) if name is not None)
    return {name.split(".", 1)[0].split("[", 1)[0] for name in names}


def check_root_template(template: str) -> str:
    """The template, if it names an absolute CS3 folder with known placeholders only; ValueError else."""
    for base in sorted(_placeholders(template)):
        if base not in ROOT_PLACEHOLDERS:
            raise ValueError(
                f"unknown placeholder {{{base}}} in the root template {template!r}; "
                f"known ones: {', '.join('{' + p + '}' for p in ROOT_PLACEHOLDERS)}"
            )
    if not template.startswith(("/", "{home}")):
        raise ValueError(
            f"the root template {template!r} must name an absolute CS3 path (start with / or {{home}})"
        )
    return template


def _safe_segment(value: str, what: str) -> str:
    if not value or value in (".", "..") or "/" in value or "\x00" in value:
        raise HTTPError(
            403, f"Your CS3 account's {what} ({value!r}) cannot name a folder, so it has no files here"
        )
    return value


@dataclass(frozen=True)
class UserRoot:
    """Where one user's Jupyter root is in CS3, and the project spaces shown below the projects
    folder: `<projects_folder>/<name>/...` is below the space root `projects[name]`; every other
    path, the projects folder itself included, is below `cs3_path` (so a real folder of that name in
    the home stays reachable, only its entries named like a project space are hidden)."""

    cs3_path: str
    projects_folder: str = ""
    projects: tuple[tuple[str, str], ...] = ()  # (name, CS3 path of the space root)

    def has_projects_folder(self, api_path: str) -> bool:
        """Whether `api_path` (normalized) is the projects folder and the user has project spaces."""
        return bool(self.projects) and api_path == self.projects_folder

    def _project_target(self, api_path: str) -> str | None:
        folder, _, below = api_path.partition("/")
        if not self.projects or folder != self.projects_folder or not below:
            return None
        name, _, rest = below.partition("/")
        root = dict(self.projects).get(name)
        if root is None:
            return None
        return f"{root.rstrip('/')}/{rest}" if rest else root

    @classmethod
    def from_template(
        cls, template: str, *, home: str, username: str, user_id: str = "", idp: str = ""
    ) -> UserRoot:
        """The root a template names for a user. `home` is used as it is (the gateway said it); the
        other values must be single path segments."""
        used = _placeholders(template)
        values = {"home": home.rstrip("/"), "username": username, "user_id": user_id, "idp": idp}
        for key, what in (("username", "user name"), ("user_id", "user id")):
            if key in used:
                _safe_segment(values[key], what)
        path = template.format_map(values)
        parts = [part for part in path.split("/") if part]
        if not path.startswith("/") or any(part in (".", "..") for part in parts):
            raise HTTPError(
                500, f"The configured root {template!r} gives {path!r}, which is not an absolute CS3 path"
            )
        return cls("/" + "/".join(parts))

    def to_cs3(self, api_path: str) -> str:
        """The CS3 path of a Jupyter path (normalized first)."""
        api_path = normalize(api_path)
        if not api_path:
            return self.cs3_path
        project = self._project_target(api_path)
        if project is not None:
            return project
        return f"{self.cs3_path.rstrip('/')}/{api_path}"

    def to_api(self, cs3_path: str) -> str | None:
        """The Jupyter path of a CS3 path, or None when it is outside this root."""
        for name, project_root in self.projects:
            relative = _below(project_root, cs3_path)
            if relative is not None:
                return normalize(f"{self.projects_folder}/{name}/{relative}")
        relative = _below(self.cs3_path, cs3_path)
        if relative is None or self._project_target(relative) is not None:
            return None  # outside the root, or hidden by a project space of the same name
        return relative


def _below(root: str, cs3_path: str) -> str | None:
    """The normalized path of `cs3_path` relative to `root` ("" for the root), None if outside it."""
    root, cs3_path = root.rstrip("/"), cs3_path.rstrip("/")
    if cs3_path == root:
        return ""
    if root and not cs3_path.startswith(root + "/"):
        return None
    try:
        return normalize(cs3_path[len(root) + 1 :] if root else cs3_path.lstrip("/"))
    except HTTPError:
        return None
