"""`StoreContext`: the parts of one running store, and the request-level helpers every RPC uses
(authenticate the caller, resolve and authorize a reference, build a ResourceInfo)."""

from __future__ import annotations

import mimetypes
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from cs3.storage.provider.v1beta1 import resources_pb2 as rp
from cs3.types.v1beta1 import types_pb2

from .access import Access, Principal
from .attributes import AttributeTable, read_many
from .content import ContentWriter
from .db import MetadataDB
from .locks import LockRecord, LockTable, live_lock
from .namespace import Namespace, Node, Space, parent_of
from .status import already_exists, failed_precondition, invalid_argument, unauthenticated
from .tokens import InvalidToken, Scope, TokenIssuer
from .users import UserDirectory
from .versions import VersionStore

META_DIR = ".meshcollab-store"

# fn(client_id, client_secret) -> the principal to issue a token for; raises StoreError to refuse.
Authenticator = Callable[[str, str], Awaitable[Principal]]

# (URL pattern, tornado handler class, initialize kwargs): a route the data server serves besides
# `/data/<token>` (e.g. the OCM API of ocm_http.py). Registered in a mixin's `setup()`, before serving.
HttpRoute = tuple[str, type, dict]

# fn(scope) -> the scope as it stands now (e.g. the current permissions of the public link that
# granted it), or None when what granted it is gone (link removed or expired): the token is then
# refused. Synchronous, as tokens are checked on every call: keep what it needs in memory.
ScopeCheck = Callable[[Scope], Scope | None]


@dataclass
class StoreContext:
    root: Path
    data_url: str
    db: MetadataDB
    users: UserDirectory
    tokens: TokenIssuer
    namespace: Namespace
    access: Access
    attributes: AttributeTable
    locks: LockTable
    versions: VersionStore
    content: ContentWriter
    authenticators: dict[str, Authenticator] = field(default_factory=dict)
    scope_checks: dict[str, ScopeCheck] = field(default_factory=dict)
    http_routes: list[HttpRoute] = field(default_factory=list)

    @classmethod
    def create(
        cls, root: Path, data_url: str, users: UserDirectory, access_token_lifetime: float
    ) -> StoreContext:
        meta = root / META_DIR
        meta.mkdir(parents=True, exist_ok=True)
        db = MetadataDB(meta / "store.db")
        namespace = Namespace(root, db, users)
        versions = VersionStore(db, meta / "versions")
        context = cls(
            root=root,
            data_url=data_url,
            db=db,
            users=users,
            tokens=TokenIssuer(TokenIssuer.load_secret(meta / "jwt-secret"), access_token_lifetime),
            namespace=namespace,
            access=Access(namespace),
            attributes=AttributeTable(db),
            locks=LockTable(db),
            versions=versions,
            content=ContentWriter(namespace, versions, meta / "uploads"),
        )
        context.add_authenticator("basic", context._basic)
        return context

    async def start(self) -> None:
        await self.db.open()
        await self.namespace.start()
        for part in (self.attributes, self.locks, self.versions, self.content):
            await part.start()

    async def stop(self) -> None:
        await self.db.close()

    # -- authentication ---------------------------------------------------------------------

    def add_authenticator(self, auth_type: str, authenticator: Authenticator) -> None:
        """Register how `Authenticate` with this type checks credentials (e.g. "publicshares")."""
        self.authenticators[auth_type] = authenticator

    async def authenticate(self, auth_type: str, client_id: str, client_secret: str) -> tuple[str, Principal]:
        """Check credentials with the authenticator of the type; returns (access token, principal)."""
        authenticator = self.authenticators.get(auth_type)
        if authenticator is None:
            raise invalid_argument(
                f"unknown auth type {auth_type!r}; known: {', '.join(sorted(self.authenticators))}"
            )
        principal = await authenticator(client_id, client_secret)
        return self.issue_token(principal), principal

    def add_scope_check(self, kind: str, check: ScopeCheck) -> None:
        """Re-check, on every use of a token, the scopes of this kind (e.g. "publicshare")."""
        self.scope_checks[kind] = check

    def add_http_route(self, pattern: str, handler: type, kwargs: dict | None = None) -> None:
        """Serve `pattern` on the data server with a tornado handler (call it from `setup()`)."""
        self.http_routes.append((pattern, handler, kwargs or {}))

    def issue_token(self, principal: Principal, lifetime: float | None = None) -> str:
        return self.tokens.issue_access(principal.user.opaque_id, principal.scope, lifetime)

    def principal_from_token(self, token: str) -> Principal:
        """The caller a token stands for; raises InvalidToken."""
        claims = self.tokens.verify_access(token)
        user = self.users.by_id(claims.user_id)
        if user is None:
            raise InvalidToken(f"token of unknown user {claims.user_id}")
        scope = claims.scope
        if scope is not None and (check := self.scope_checks.get(scope.kind)) is not None:
            scope = check(scope)
            if scope is None:
                raise InvalidToken(
                    f"what granted this {claims.scope.kind} token is gone (removed or expired)"
                )
        return Principal(user=user, scope=scope)

    async def _basic(self, username: str, password: str) -> Principal:
        user = self.users.by_username(username)
        if user is None or not user.check_secret(password):
            raise unauthenticated(f"wrong username or password for {username!r}")
        return Principal(user=user)

    # -- resources --------------------------------------------------------------------------

    async def authorized(
        self, principal: Principal, ref: rp.Reference, permission: str
    ) -> tuple[Node, rp.ResourcePermissions]:
        """Resolve a reference and require a permission on the node it names."""
        node = await self.namespace.resolve(ref)
        return node, await self.access.require(principal, node, permission)

    async def creatable(self, principal: Principal, ref: rp.Reference, permission: str) -> tuple[str, Node]:
        """The path a reference names for something to create there, and its parent folder, on which
        the caller needs `permission`. The path itself may or may not exist."""
        path = await self.namespace.path_of_ref(ref)
        space = self.namespace.space_of(path)
        if path == space.root_path:
            raise already_exists(f"{path} is the root of the space {space.name}")
        parent = await self.namespace.node_at(parent_of(path))
        if parent is None or not parent.is_dir:
            raise failed_precondition(f"the folder {parent_of(path)} does not exist")
        await self.access.require(principal, parent, permission)
        return path, parent

    async def resource_info(
        self,
        principal: Principal,
        node: Node,
        metadata_keys: list[str] | None = None,
        perms: rp.ResourcePermissions | None = None,
    ) -> rp.ResourceInfo:
        if perms is None:
            perms = await self.access.permissions(principal, node)

        def read(conn: sqlite3.Connection) -> tuple[LockRecord | None, dict[str, str], rp.ResourceId | None]:
            # One trip to the DB thread: a Stat is on every open of a document.
            values = read_many(conn, [node.opaque_id], metadata_keys)[node.opaque_id]
            return live_lock(conn, node.opaque_id), values, self.namespace.parent_id(conn, node)

        return self._info(node, perms, *await self.db.run(read))

    async def resource_infos(
        self, principal: Principal, folder: Node, children: list[Node], metadata_keys: list[str] | None = None
    ) -> list[rp.ResourceInfo]:
        """The ResourceInfos of a folder's children that the caller may stat (a listing), with one
        lookup of locks and metadata for all of them."""
        ids = [child.opaque_id for child in children]
        locks = await self.locks.get_many(ids)
        attributes = await self.attributes.get_many(ids, metadata_keys)
        parent = self.namespace.resource_id(folder)
        infos = []
        for child in children:
            perms = await self.access.permissions(principal, child)
            if perms.stat:
                infos.append(
                    self._info(child, perms, locks.get(child.opaque_id), attributes[child.opaque_id], parent)
                )
        return infos

    def _info(
        self,
        node: Node,
        perms: rp.ResourcePermissions,
        lock: LockRecord | None,
        attributes: dict[str, str],
        parent: rp.ResourceId | None,
    ) -> rp.ResourceInfo:
        space = node.space
        return rp.ResourceInfo(
            type=rp.RESOURCE_TYPE_CONTAINER if node.is_dir else rp.RESOURCE_TYPE_FILE,
            id=self.namespace.resource_id(node),
            parent_id=parent,
            name=node.name,
            path=node.path,
            etag=node.etag,
            mtime=types_pb2.Timestamp(
                seconds=node.mtime_ns // 1_000_000_000, nanos=node.mtime_ns % 1_000_000_000
            ),
            size=node.size,
            mime_type=mime_type(node),
            owner=space.owner.user_id() if space.owner else None,
            permission_set=perms,
            arbitrary_metadata=rp.ArbitraryMetadata(metadata=attributes),
            lock=lock.to_proto() if lock else None,
            space=self.storage_space(space),
        )

    def storage_space(self, space: Space) -> rp.StorageSpace:
        root = rp.ResourceId(
            storage_id=self.namespace.storage_id, space_id=space.space_id, opaque_id=space.space_id
        )
        return rp.StorageSpace(
            id=rp.StorageSpaceId(opaque_id=f"{self.namespace.storage_id}${space.space_id}"),
            owner=space.owner.to_proto() if space.owner else None,
            root=root,
            name=space.name,
            space_type=space.kind,
            description=space.project.description if space.project else "",
        )


def mime_type(node: Node) -> str:
    if node.is_dir:
        return "httpd/unix-directory"
    if node.name.endswith(".ipynb"):
        return "application/x-ipynb+json"
    return mimetypes.guess_type(node.name)[0] or "application/octet-stream"
