"""Who is calling and what they may do: the `Principal` of a request and the effective
ResourcePermissions on a node, from the owner, the project role, any registered grant source
(shares), and the token's scope (public links)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from . import permissions
from .namespace import PERSONAL, PROJECT, Namespace, Node
from .permissions import ResourcePermissions
from .status import not_found, permission_denied
from .tokens import Scope
from .users import UserRecord

# fn(user, ids) -> permissions granted to the user on any of `ids` (the node's id, then its
# ancestors' up to the space root), or None. Registered by e.g. the sharing module.
GrantSource = Callable[[UserRecord, list[str]], Awaitable[ResourcePermissions | None]]


class OutOfScope(Exception):
    """A scoped token used on a resource outside its scope. Reva's auth interceptor refuses such
    a call outright (gRPC PERMISSION_DENIED), before any handler runs."""


@dataclass(frozen=True)
class Principal:
    """The caller of one request: the user the token acts as and the token's scope, if any."""

    user: UserRecord
    scope: Scope | None = None


class Access:
    def __init__(self, namespace: Namespace) -> None:
        self._namespace = namespace
        self._grant_sources: list[GrantSource] = []

    def add_grant_source(self, source: GrantSource) -> None:
        self._grant_sources.append(source)

    async def permissions(self, principal: Principal, node: Node) -> ResourcePermissions:
        if principal.scope is not None:
            return await self._scoped(principal.scope, node)
        space = node.space
        if space.kind == PERSONAL and space.owner == principal.user:
            return permissions.from_names(permissions.ALL)
        found = []
        if space.kind == PROJECT and (role := space.project.role_of(principal.user.username)):
            found.append(permissions.from_names(permissions.ROLES[role]))
        if self._grant_sources:
            ids = await self._namespace.ancestor_ids(node)
            for source in self._grant_sources:
                if (granted := await source(principal.user, ids)) is not None:
                    found.append(granted)
        return permissions.union(found)

    async def _scoped(self, scope: Scope, node: Node) -> ResourcePermissions:
        scoped_path = await self._namespace.path_of(scope.resource_id)
        if scoped_path and (node.path == scoped_path or node.path.startswith(scoped_path + "/")):
            return permissions.from_names(scope.permissions)
        raise OutOfScope(f"{node.path} is outside the token's scope")

    async def require(self, principal: Principal, node: Node, permission: str) -> ResourcePermissions:
        """The caller's permissions on the node, if they include `permission`. As Reva, a caller who
        may not even stat the node is told it does not exist."""
        perms = await self.permissions(principal, node)
        if not getattr(perms, permission):
            if not perms.stat:
                raise not_found(f"{node.path} does not exist")
            raise permission_denied(
                f"{principal.user.username} may not {permission.replace('_', ' ')} {node.path}"
            )
        return perms
