"""The contents manager that serves CS3 storage to JupyterLab's file browser and the contents API.

One manager serves every user of the server, so it holds no user and no session: every call acts as
the user of the request in hand (`meshcollab.identity.current_session()`). Jupyter path "" is that
user's root in CS3 (`root_template`, default their home); see `meshcollab.contents.paths`.

Besides the contents API, it offers the rest of meshcollab a small async API:
`user_root()`, `cs3_path(path)`, `api_path(cs3_path)`, `resource(path)` (the CS3 Resource with its
ResourceId) and `read_notebook(path)` / `write_notebook(path, nb, ...)`; `meshcollab.contents.notebooks`
does the same by resource id.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import itertools
import mimetypes
import weakref
from collections.abc import Awaitable
from contextlib import aclosing
from datetime import UTC, datetime
from typing import Any, TypeVar

import anyio.to_thread
import nbformat
from jupyter_server.services.contents.manager import AsyncContentsManager
from tornado.web import HTTPError
from traitlets import Enum, Float, TraitError, Unicode, default, validate

from meshcollab.contents.checkpoints import CS3Checkpoints
from meshcollab.contents.errors import explained_http_error, holder_name, lock_message
from meshcollab.contents.files_handler import CS3FilesHandler
from meshcollab.contents.notebooks import NotebookRead, UnreadableNotebook, parse_notebook, serialize_notebook
from meshcollab.contents.paths import (
    UserRoot,
    check_root_template,
    is_hidden_path,
    name_of,
    normalize,
    parent_of,
)
from meshcollab.contents.projects import ProjectRoot, ProjectSpaces, project_entries
from meshcollab.contents.uploads import ChunkedUploads
from meshcollab.cs3 import (
    AlreadyExists,
    Conflict,
    CS3Error,
    CS3Session,
    Locked,
    NotFound,
    Permissions,
    Resource,
    ResourceType,
    Target,
)
from meshcollab.identity import NoCS3Session, current_session

from meshcollab.auth.guests import guest_root
from meshcollab.sharing.share_folder import share_folder_entries, share_folder_path

T = TypeVar("T")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
READ_ONLY_FOLDER = Permissions.of("stat", "list_container")  # the folders meshcollab shows itself


def _virtual_folder(name: str) -> Resource:
    return Resource(id=None, path="", name=name, type=ResourceType.CONTAINER, permissions=READ_ONLY_FOLDER)


def _decode_content(content: Any, format: str | None, path: str) -> bytes:
    """The bytes a file model's content stands for (format 'text' or 'base64')."""
    if format not in ("text", "base64"):
        raise HTTPError(400, "Must specify format of file contents as 'text' or 'base64'")
    if not isinstance(content, str):
        raise HTTPError(400, f"The content of {path!r} must be a string in format {format!r}")
    try:
        if format == "text":
            return content.encode("utf-8")
        return base64.b64decode(content.encode("ascii"), validate=False)
    except (UnicodeError, binascii.Error, ValueError) as error:
        raise HTTPError(400, f"Encoding error saving {path!r}: {error}") from error


class CS3ContentsManager(AsyncContentsManager):
    """Files, folders and notebooks in CS3 storage, for the user of each request.

    Enable with `c.ServerApp.contents_manager_class = "meshcollab.contents.CS3ContentsManager"`.
    """

    root_template = Unicode(
        "{home}",
        config=True,
        help="The CS3 folder that is a user's Jupyter root (what the file browser opens on). Placeholders: "
        "{home} (the user's home as the gateway says, e.g. /home/einstein or /eos/user/e/einstein), "
        "{username}, {user_id}, {idp}; e.g. '/home/{username}' or '/eos/user/{username[0]}/{username}'. "
        "Jupyter paths cannot leave this folder.",
    )
    hash_algorithm = Enum(
        sorted(hashlib.algorithms_available),
        default_value="sha256",
        config=True,
        help="Hash algorithm of the `hash` field of a file model (computed from the content, when asked for).",
    )
    upload_staging_dir = Unicode(
        "",
        config=True,
        help="Folder on this server's disk where the chunks of a chunked upload are kept until the last one "
        "arrives and the file is written to CS3 in one streamed write (empty: the system's temporary folder).",
    )
    upload_timeout = Float(
        3600.0,
        config=True,
        help="Seconds after which an unfinished chunked upload that received no chunk is dropped.",
    )
    projects_folder = Unicode(
        "Projects",
        config=True,
        help="Name of the read-only folder at the Jupyter root that holds the project spaces the user "
        "belongs to (`<name>/<space>/...` is that space's root in CS3); listed only for members of a "
        "project space. A real folder of that name in the root stays reachable: its entries named like "
        "a project space are hidden by the space. Empty: project spaces are not shown.",
    )

    @validate("projects_folder")
    def _check_projects_folder(self, proposal):
        name = proposal["value"]
        if name and ("/" in name or name in (".", "..") or name.startswith(".") or "\x00" in name):
            raise TraitError(f"projects_folder must be a plain, visible folder name (or empty), not {name!r}")
        return name

    @validate("root_template")
    def _check_root_template(self, proposal):
        try:
            return check_root_template(proposal["value"])
        except ValueError as error:
            raise TraitError(str(error)) from error

    @default("checkpoints_class")
    def _default_checkpoints_class(self):
        return CS3Checkpoints

    @default("files_handler_class")
    def _default_files_handler_class(self):
        return CS3FilesHandler

    @default("files_handler_params")
    def _default_files_handler_params(self):
        return {}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Derived per session, never a session of our own: the gateway's answer to GetHome.
        self._homes: weakref.WeakKeyDictionary[CS3Session, str] = weakref.WeakKeyDictionary()
        self._projects = ProjectSpaces()
        self._uploads = ChunkedUploads(self.upload_staging_dir, self.upload_timeout)

    def info_string(self) -> str:
        return f"Serving files from CS3 storage, each user's root at {self.root_template}"

    # --- the API the rest of meshcollab uses -------------------------------------------------------

    def session(self) -> CS3Session:
        """The CS3 session of the request in hand; HTTP 401 when it has none."""
        try:
            return current_session()
        except NoCS3Session as error:
            raise HTTPError(401, "Not signed in to CS3 storage: sign in to see your files") from error

    async def user_root(self, session: CS3Session | None = None) -> UserRoot:
        """Where the current user's Jupyter root is in CS3."""
        session = session or self.session()
        if session.public_link is not None:  # a link guest: the linked resource only
            return await self._cs3(guest_root(session), path="", action="open", session=session)
        home = ""
        if "{home" in self.root_template:
            home = self._homes.get(session, "")
            if not home:
                home = await self._cs3(session.home(), path="", action="open", session=session)
                self._homes[session] = home
        user = session.user
        root = UserRoot.from_template(
            self.root_template,
            home=home,
            username=user.username,
            user_id=user.id.opaque_id if user.id else "",
            idp=user.id.idp if user.id else "",
        )
        projects = await self.project_spaces(session)
        if not projects:
            return root
        return dataclasses.replace(
            root,
            projects_folder=self.projects_folder,
            projects=tuple((project.name, project.cs3_path) for project in projects),
        )

    async def project_spaces(self, session: CS3Session | None = None) -> tuple[ProjectRoot, ...]:
        """The project spaces below the projects folder of the current user (none when it is off)."""
        session = session or self.session()
        if not self.projects_folder or session.public_link is not None:
            return ()
        return await self._cs3(self._projects.of(session), path="", action="open", session=session)

    async def cs3_path(self, path: str) -> str:
        """The CS3 path of a Jupyter path, for the current user (HTTP 400 for a path that escapes)."""
        api_path = normalize(path)
        return (await self.user_root()).to_cs3(api_path)

    async def api_path(self, cs3_path: str) -> str | None:
        """The Jupyter path of a CS3 path for the current user, or None when it is outside their root."""
        return (await self.user_root()).to_api(cs3_path)

    async def resource(self, path: str) -> Resource:
        """The CS3 resource (with its ResourceId) at a Jupyter path, for the current user."""
        api_path = normalize(path)
        session = self.session()
        target = (await self.user_root(session)).to_cs3(api_path)
        return await self._cs3(session.files.stat(target), path=api_path, action="read", session=session)

    async def read_notebook(self, path: str) -> NotebookRead:
        """The notebook at a Jupyter path (HTTP 400 if it is not a readable notebook)."""
        api_path = normalize(path)
        session = self.session()
        target = (await self.user_root(session)).to_cs3(api_path)
        raw = await self._cs3(session.files.read_bytes(target), path=api_path, action="read", session=session)
        return await self._parse_notebook(raw, api_path)

    async def write_notebook(
        self, path: str, notebook: dict, *, lock_id: str = "", if_match: str | None = None
    ) -> Resource:
        """Write a notebook to a Jupyter path (with the room's lock id / the etag last seen)."""
        api_path = normalize(path)
        session = self.session()
        target = (await self.user_root(session)).to_cs3(api_path)
        data, _ = await anyio.to_thread.run_sync(serialize_notebook, notebook)
        return await self._cs3(
            session.files.write(target, data, lock_id=lock_id, if_match=if_match),
            path=api_path,
            action="save",
            session=session,
            target=target,
        )

    # --- ContentsManager API ---------------------------------------------------------------------

    async def is_hidden(self, path: str) -> bool:
        return is_hidden_path(normalize(path))

    async def file_exists(self, path: str = "") -> bool:
        resource = await self._find(path)
        return resource is not None and resource.is_file

    async def dir_exists(self, path: str) -> bool:
        resource = await self._find(path)
        return resource is not None and not resource.is_file

    async def exists(self, path: str) -> bool:
        return await self._find(path) is not None

    async def increment_filename(self, filename, path="", insert=""):
        """The first free name `filename`, `<base><insert>1<ext>`, ... in folder `path` (as the stock
        manager names them), from one listing of the folder instead of a Stat per candidate."""
        api_path = normalize(path)
        session = self.session()
        target = (await self.user_root(session)).to_cs3(api_path)
        entries = await self._cs3(session.files.list(target), path=api_path, action="list", session=session)
        taken = {entry.name for entry in entries}
        basename, dot, ext = filename.rpartition(".")
        if ext != "ipynb":
            basename, dot, ext = filename.partition(".")
        for number in itertools.count():
            name = f"{basename}{f'{insert}{number}' if number else ''}{dot}{ext}"
            if name not in taken:
                return name

    async def get(self, path, content=True, type=None, format=None, require_hash=False):
        """The model of a file, notebook or directory (with its content unless `content` is false)."""
        api_path = normalize(path)
        if not self.allow_hidden and is_hidden_path(api_path):
            raise HTTPError(404, f"No such file or directory: {api_path!r}")
        session = self.session()
        root = await self.user_root(session)
        target = root.to_cs3(api_path)
        try:
            resource = await self._cs3(session.files.stat(target), path=api_path, action="read", session=session)
        except HTTPError as error:
            if error.status_code != 404 or session.public_link is not None or type not in (None, "directory"):
                raise
            return await self._virtual_folder_model(session, root, api_path, content, error)
        if not resource.is_file:
            if type not in (None, "directory"):
                raise HTTPError(400, f"{api_path} is a directory, not a {type}", reason="bad type")
            model = await self._dir_model(session, root, api_path, resource, content)
        elif type == "notebook" or (type is None and api_path.endswith(".ipynb")):
            model = await self._notebook_model(session, api_path, resource, content, require_hash)
        else:
            if type == "directory":
                raise HTTPError(400, f"{api_path} is not a directory", reason="bad type")
            model = await self._file_model(session, api_path, resource, content, format, require_hash)
        self.emit(data={"action": "get", "path": api_path})
        return model

    async def save(self, model, path=""):
        """Save a file, notebook or directory model; the saved model without content."""
        api_path = normalize(path)
        if model.get("chunk") is not None:
            return await self._save_chunk(model, api_path)
        self.run_pre_save_hooks(model=model, path=api_path)
        if "type" not in model:
            raise HTTPError(400, "No file type provided")
        if "content" not in model and model["type"] != "directory":
            raise HTTPError(400, "No file content provided")
        if not api_path:
            raise HTTPError(400, "Cannot save over the root folder")
        if not self.allow_hidden and is_hidden_path(api_path):
            raise HTTPError(400, f"Cannot create hidden file or directory {api_path!r}")
        session = self.session()
        target = (await self.user_root(session)).to_cs3(api_path)

        validation_message = None
        if model["type"] == "notebook":
            try:
                notebook = nbformat.from_dict(model["content"])
            except Exception as error:
                raise HTTPError(400, f"The content of {api_path!r} is not a notebook: {error}") from error
            self.check_and_sign(notebook, api_path)
            try:
                data, validation_error = await anyio.to_thread.run_sync(serialize_notebook, notebook)
            except Exception as error:
                raise HTTPError(
                    400, f"The notebook {api_path!r} cannot be written as nbformat: {error}"
                ) from error
            if validation_error is not None:
                checked = self.validate_notebook_model(
                    {"content": notebook}, validation_error={"ValidationError": validation_error}
                )
                validation_message = checked.get("message")
            resource = await self._write(session, target, api_path, data)
        elif model["type"] == "file":
            data = _decode_content(model["content"], model.get("format"), api_path)
            resource = await self._write(session, target, api_path, data)
        elif model["type"] == "directory":
            resource = await self._mkdir(session, target, api_path)
        else:
            raise HTTPError(400, f"Unhandled contents type: {model['type']}")

        saved = self._base_model(api_path, resource)
        saved["type"] = "directory" if not resource.is_file else model["type"]
        if saved["type"] == "directory":
            saved["size"] = None
        else:
            saved["mimetype"] = self._guess_mimetype(api_path, resource) if saved["type"] == "file" else None
        if validation_message:
            saved["message"] = validation_message
        self.run_post_save_hooks(model=saved, os_path=target)
        self.emit(data={"action": "save", "path": api_path})
        return saved

    async def delete_file(self, path):
        """Delete a file or folder through CS3 Delete (Reva keeps it in the user's recycle bin)."""
        api_path = normalize(path)
        if not api_path:
            raise HTTPError(400, "Can't delete root")
        session = self.session()
        target = (await self.user_root(session)).to_cs3(api_path)
        await self._cs3(
            session.files.delete(target), path=api_path, action="delete", session=session, target=target
        )

    async def rename_file(self, old_path, new_path):
        """Rename or move through CS3 Move: the resource keeps its id (and so its room)."""
        old_api, new_api = normalize(old_path), normalize(new_path)
        if old_api == new_api:
            return
        if not old_api or not new_api:
            raise HTTPError(400, "Can't rename the root folder")
        if not self.allow_hidden and (is_hidden_path(old_api) or is_hidden_path(new_api)):
            raise HTTPError(400, f"Cannot rename file or directory {old_api!r}")
        session = self.session()
        root = await self.user_root(session)
        source, destination = root.to_cs3(old_api), root.to_cs3(new_api)
        if await self._find(new_api) is not None:
            raise HTTPError(409, f"File already exists: {new_api}")
        try:
            await session.files.move(source, destination)
        except (NotFound, Conflict) as error:
            if await self._find(old_api) is None:
                raise HTTPError(404, f"No such file or directory: {old_api!r}") from error
            await self._require_folder(parent_of(new_api))
            raise await explained_http_error(
                error, path=old_api, action="rename", session=session, target=source
            ) from error
        except CS3Error as error:
            raise await explained_http_error(
                error, path=old_api, action="rename", session=session, target=source
            ) from error

    # --- models ----------------------------------------------------------------------------------

    def _base_model(self, api_path: str, resource: Resource) -> dict[str, Any]:
        # CS3 keeps no creation time: `created` is the last modification, as for a file just written.
        modified = resource.mtime or EPOCH
        permissions = resource.permissions
        # A gateway that sends no permission set leaves the decision to the write itself.
        writable = permissions.can_write if permissions.granted else True
        return {
            "name": name_of(api_path),
            "path": api_path,
            "last_modified": modified,
            "created": modified,
            "content": None,
            "format": None,
            "mimetype": None,
            "size": resource.size,
            "writable": writable,
            "hash": None,
            "hash_algorithm": None,
        }

    def _guess_mimetype(self, api_path: str, resource: Resource) -> str | None:
        guessed = mimetypes.guess_type(name_of(api_path))[0]
        if guessed:
            return guessed
        if resource.mime_type and resource.mime_type not in (
            "application/octet-stream",
            "httpd/unix-directory",
        ):
            return resource.mime_type
        return None

    async def _dir_model(
        self, session: CS3Session, root: UserRoot, api_path: str, resource: Resource, content: bool
    ) -> dict:
        model = self._base_model(api_path, resource)
        model["type"] = "directory"
        model["size"] = None
        if content:
            listing = session.files.list(resource)
            listed = await self._cs3(listing, path=api_path, action="list", session=session)
            entries = [(entry.name, entry) for entry in listed]
            if not api_path and root.projects and self.projects_folder not in {name for name, _ in entries}:
                entries.append((self.projects_folder, _virtual_folder(self.projects_folder)))
            if root.has_projects_folder(api_path):  # a real folder named like it: the spaces win
                spaces = project_entries(await self.project_spaces(session))
                taken = {name for name, _ in spaces}
                entries = [entry for entry in entries if entry[0] not in taken] + spaces
            model["content"] = self._listing(api_path, entries)
            model["format"] = "json"
        return model

    async def _virtual_folder_model(
        self, session: CS3Session, root: UserRoot, api_path: str, content: bool, not_found: HTTPError
    ) -> dict:
        """The folders meshcollab shows when the gateway has none there: the projects folder, and the
        share folder when the gateway does not list it itself (meshcollab.sharing.share_folder)."""
        if root.has_projects_folder(api_path):
            entries = project_entries(await self.project_spaces(session))
        elif root.to_api(await share_folder_path(session)) == api_path:
            shares = share_folder_entries(session)
            entries = await self._cs3(shares, path=api_path, action="list", session=session)
        else:
            raise not_found
        model = self._base_model(api_path, _virtual_folder(name_of(api_path)))
        model.update(type="directory", size=None, writable=False)
        if content:
            model["content"], model["format"] = self._listing(api_path, entries), "json"
        return model

    def _listing(self, api_path: str, entries: list[tuple[str, Resource]]) -> list[dict]:
        """The models (without content) of a folder's entries, by name."""
        listing = []
        for name, entry in entries:
            if not name or "/" in name or name in (".", ".."):
                continue
            if not self.should_list(name) or (not self.allow_hidden and name.startswith(".")):
                continue
            child_path = f"{api_path}/{name}" if api_path else name
            child = self._base_model(child_path, entry)
            if not entry.is_file:
                child["type"], child["size"] = "directory", None
            elif name.endswith(".ipynb"):
                child["type"] = "notebook"
            else:
                child["type"] = "file"
                child["mimetype"] = self._guess_mimetype(child_path, entry)
            listing.append(child)
        return listing

    async def _file_model(
        self,
        session: CS3Session,
        api_path: str,
        resource: Resource,
        content: bool,
        format: str | None,
        require_hash: bool,
    ) -> dict:
        model = self._base_model(api_path, resource)
        model["type"] = "file"
        model["mimetype"] = self._guess_mimetype(api_path, resource)
        if content:
            raw = await self._cs3(
                session.files.read_bytes(resource), path=api_path, action="read", session=session
            )
            if format == "base64":
                text = None
            else:
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as error:
                    if format == "text":
                        raise HTTPError(
                            400, f"{api_path} is not UTF-8 encoded", reason="bad format"
                        ) from error
                    text = None
            if text is None:
                model["content"], model["format"] = base64.b64encode(raw).decode("ascii"), "base64"
            else:
                model["content"], model["format"] = text, "text"
            if model["mimetype"] is None:
                model["mimetype"] = "text/plain" if model["format"] == "text" else "application/octet-stream"
            if require_hash:
                model.update(self._hash(raw))
        elif require_hash:
            model.update(await self._streamed_hash(session, api_path, resource))
        return model

    async def _notebook_model(
        self, session: CS3Session, api_path: str, resource: Resource, content: bool, require_hash: bool
    ) -> dict:
        model = self._base_model(api_path, resource)
        model["type"] = "notebook"
        if content:
            raw = await self._cs3(
                session.files.read_bytes(resource), path=api_path, action="read", session=session
            )
            read = await self._parse_notebook(raw, api_path)
            self.mark_trusted_cells(read.notebook, api_path)
            model["content"], model["format"] = read.notebook, "json"
            validation = {"ValidationError": read.validation_error} if read.validation_error else {}
            self.validate_notebook_model(model, validation or None)
            if require_hash:
                model.update(self._hash(raw))
        elif require_hash:
            model.update(await self._streamed_hash(session, api_path, resource))
        return model

    async def _parse_notebook(self, raw: bytes, api_path: str) -> NotebookRead:
        try:
            return await anyio.to_thread.run_sync(parse_notebook, raw)
        except UnreadableNotebook as error:
            raise HTTPError(400, f"Unreadable Notebook: {api_path} {error}") from error

    def _hash(self, raw: bytes) -> dict[str, str]:
        digest = hashlib.new(self.hash_algorithm)
        digest.update(raw)
        return {"hash": digest.hexdigest(), "hash_algorithm": self.hash_algorithm}

    async def _streamed_hash(self, session: CS3Session, api_path: str, resource: Resource) -> dict[str, str]:
        digest = hashlib.new(self.hash_algorithm)

        async def consume() -> None:
            async with aclosing(session.files.read(resource)) as chunks:
                async for chunk in chunks:
                    digest.update(chunk)

        await self._cs3(consume(), path=api_path, action="read", session=session)
        return {"hash": digest.hexdigest(), "hash_algorithm": self.hash_algorithm}

    # --- writing ---------------------------------------------------------------------------------

    async def _write(
        self, session: CS3Session, target: str, api_path: str, data, size: int | None = None
    ) -> Resource:
        try:
            return await session.files.write(target, data, size=size)
        except CS3Error as error:
            if isinstance(error, (NotFound, Conflict)) and not isinstance(error, Locked):
                await self._require_folder(parent_of(api_path))
            raise await explained_http_error(
                error, path=api_path, action="save", session=session, target=target
            ) from error

    async def _require_folder(self, api_path: str) -> None:
        """HTTP 404 naming the folder, when the folder a file should go into does not exist."""
        folder = await self._find(api_path)
        if folder is None or folder.is_file:
            raise HTTPError(404, f"No such directory: {api_path!r}")

    async def _mkdir(self, session: CS3Session, target: str, api_path: str) -> Resource:
        try:
            await session.files.mkdir(target)
        except AlreadyExists:
            pass  # as the stock manager: saving an existing directory is fine (checked below)
        except CS3Error as error:
            raise await explained_http_error(
                error, path=api_path, action="create", session=session, target=None
            )
        resource = await self._cs3(session.files.stat(target), path=api_path, action="read", session=session)
        if resource.is_file:
            raise HTTPError(400, f"Not a directory: {api_path!r} exists and is a file")
        return resource

    async def _save_chunk(self, model: dict, api_path: str) -> dict:
        """One chunk of a chunked upload; see meshcollab.contents.uploads."""
        chunk = model["chunk"]
        if not isinstance(chunk, int) or isinstance(chunk, bool) or (chunk < 1 and chunk != -1):
            raise HTTPError(
                400, f"Invalid chunk number {chunk!r}: chunks are numbered 1, 2, ..., and -1 for the last"
            )
        if "type" not in model:
            raise HTTPError(400, "No file type provided")
        if model["type"] != "file":
            raise HTTPError(400, f'File type "{model["type"]}" is not supported for large file transfer')
        if "content" not in model:
            raise HTTPError(400, "No file content provided")
        if not api_path:
            raise HTTPError(400, "Cannot save over the root folder")
        if not self.allow_hidden and is_hidden_path(api_path):
            raise HTTPError(400, f"Cannot create hidden file or directory {api_path!r}")
        data = _decode_content(model["content"], model.get("format"), api_path)
        session = self.session()
        target = (await self.user_root(session)).to_cs3(api_path)
        key = (session.user.id or session.user.username, target)
        if chunk == 1:
            self.run_pre_save_hooks(model=model, path=api_path)
            await self._check_can_write(session, target, api_path)
        staged = await self._uploads.append(key, chunk, data, path=api_path)
        if chunk != -1:
            self.emit(data={"action": "save", "path": api_path})
            return self._staged_model(api_path, staged.size)
        staged = self._uploads.take(key)
        try:
            resource = await self._write(
                session, target, api_path, staged.chunks(session.config.chunk_size), size=staged.size
            )
        finally:
            await staged.discard()
        saved = self._base_model(api_path, resource)
        saved["type"] = "file"
        saved["mimetype"] = self._guess_mimetype(api_path, resource)
        self.run_post_save_hooks(model=saved, os_path=target)
        self.emit(data={"action": "save", "path": api_path})
        return saved

    def _staged_model(self, api_path: str, size: int) -> dict:
        """The model of a file whose upload is still coming in (it is not in CS3 yet)."""
        now = datetime.now(UTC)
        return {
            "name": name_of(api_path),
            "path": api_path,
            "type": "file",
            "last_modified": now,
            "created": now,
            "content": None,
            "format": None,
            "mimetype": mimetypes.guess_type(name_of(api_path))[0],
            "size": size,
            "writable": True,
            "hash": None,
            "hash_algorithm": None,
        }

    async def _check_can_write(self, session: CS3Session, target: str, api_path: str) -> None:
        """Refuse an upload up front (before its chunks are sent) when the write would be refused."""
        try:
            existing = await session.files.stat(target)
        except NotFound:
            existing = None
        except CS3Error as error:
            raise await explained_http_error(
                error, path=api_path, action="read", session=session, target=None
            )
        if existing is not None:
            if not existing.is_file:
                raise HTTPError(400, f"{api_path!r} is a directory")
            if existing.permissions.granted and not existing.permissions.can_write:
                raise HTTPError(403, f"Permission denied: you may not save {api_path!r}")
            if existing.lock is not None:
                holder = await holder_name(session, existing.lock)
                raise HTTPError(
                    409, f"{lock_message(api_path, existing.lock, holder)}, so it cannot be saved now"
                )
            return
        parent_api = parent_of(api_path)
        parent = await self._find(parent_api)
        if parent is None or parent.is_file:
            raise HTTPError(404, f"No such directory: {parent_api!r}")
        if parent.permissions.granted and not parent.permissions.can_write:
            raise HTTPError(
                403, f"Permission denied: you may not create files in {parent_api or 'your home folder'!r}"
            )

    # --- helpers ---------------------------------------------------------------------------------

    async def _find(self, path: str) -> Resource | None:
        """The resource at a Jupyter path, None if there is none (or the user may not see it)."""
        api_path = normalize(path)
        session = self.session()
        target = (await self.user_root(session)).to_cs3(api_path)
        try:
            return await session.files.stat(target)
        except NotFound:
            return None
        except CS3Error as error:
            raise await explained_http_error(
                error, path=api_path, action="read", session=session, target=None
            )

    async def _cs3(
        self,
        operation: Awaitable[T],
        *,
        path: str,
        action: str,
        session: CS3Session,
        target: Target | None = None,
    ) -> T:
        """Await a CS3 operation, turning a CS3 error into the HTTP error a user understands."""
        try:
            return await operation
        except CS3Error as error:
            raise await explained_http_error(
                error, path=path, action=action, session=session, target=target
            ) from error
