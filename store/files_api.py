"""File and folder RPCs: Stat, ListContainer(Stream), CreateContainer, TouchFile, Delete, Move,
GetQuota, GetPath, Set/UnsetArbitraryMetadata.

Delete and Move do not check locks (as Reva on EOS): a lock guards content writes."""

from __future__ import annotations

import os
import shutil
import sqlite3

import anyio.to_thread
from cs3.storage.provider.v1beta1 import provider_api_pb2 as sp
from cs3.storage.provider.v1beta1 import resources_pb2 as rp

from . import attributes, locks, namespace
from .access import OutOfScope, Principal
from .namespace import Node
from .rpc import ApiBase, abort_out_of_scope, principal_of, rpc
from .status import (
    StoreError,
    already_exists,
    failed_precondition,
    invalid_argument,
    ok,
    permission_denied,
    unimplemented,
)


class FilesApi(ApiBase):
    @rpc(sp.StatResponse)
    async def Stat(self, request: sp.StatRequest, principal: Principal):
        node, perms = await self.store.authorized(principal, request.ref, "stat")
        info = await self.store.resource_info(principal, node, list(request.arbitrary_metadata_keys), perms)
        return sp.StatResponse(status=ok(), info=info)

    @rpc(sp.ListContainerResponse)
    async def ListContainer(self, request: sp.ListContainerRequest, principal: Principal):
        infos = await self._list(request, principal)
        return sp.ListContainerResponse(status=ok(), infos=infos)

    async def ListContainerStream(self, request: sp.ListContainerStreamRequest, context):
        principal = await principal_of(self.store, context)
        try:
            for info in await self._list(request, principal):
                yield sp.ListContainerStreamResponse(status=ok(), info=info)
        except OutOfScope as exc:
            await abort_out_of_scope(context, exc)
        except StoreError as exc:
            yield sp.ListContainerStreamResponse(status=exc.status())

    async def _list(self, request, principal: Principal) -> list[rp.ResourceInfo]:
        folder, _ = await self.store.authorized(principal, request.ref, "list_container")
        if not folder.is_dir:
            raise failed_precondition(f"{folder.path} is a file, not a folder")
        children = await self.store.namespace.children(folder)
        return await self.store.resource_infos(
            principal, folder, children, list(request.arbitrary_metadata_keys)
        )

    @rpc(sp.CreateContainerResponse)
    async def CreateContainer(self, request: sp.CreateContainerRequest, principal: Principal):
        path, parent = await self.store.creatable(principal, request.ref, "create_container")
        await self._create(path, parent, lambda fs_path: fs_path.mkdir())
        return sp.CreateContainerResponse(status=ok())

    @rpc(sp.TouchFileResponse)
    async def TouchFile(self, request: sp.TouchFileRequest, principal: Principal):
        path, parent = await self.store.creatable(principal, request.ref, "initiate_file_upload")
        await self._create(path, parent, lambda fs_path: fs_path.open("xb").close())
        return sp.TouchFileResponse(status=ok())

    async def _create(self, path: str, parent: Node, make) -> None:
        ns = self.store.namespace

        def create(conn: sqlite3.Connection) -> None:
            ns.check_no_escape(path)
            try:
                make(ns.fs_path(path))
            except FileExistsError:
                raise already_exists(f"{path} already exists") from None
            namespace.register(conn, path, parent.space.space_id)
            namespace.touch_etags(conn, path, parent.space.root_path)

        await self.store.db.run(create)

    @rpc(sp.DeleteResponse)
    async def Delete(self, request: sp.DeleteRequest, principal: Principal):
        node, _ = await self.store.authorized(principal, request.ref, "delete")
        if node.parent_path is None:
            raise permission_denied(f"{node.path} is the root of a space and cannot be deleted")
        # Renamed aside in the same step that drops its rows, then removed from the disk.
        trash = self.store.content.new_temp()

        def forget(conn: sqlite3.Connection) -> None:
            self.store.namespace.check_no_escape(node.path)
            os.rename(node.fs_path, trash)
            ids = namespace.forget_subtree(conn, node.path)
            attributes.forget(conn, ids)
            locks.forget(conn, ids)
            self.store.versions.forget(conn, ids)
            namespace.touch_etags(conn, node.parent_path, node.space.root_path)

        await self.store.db.run(forget)
        await anyio.to_thread.run_sync(_remove, trash)
        return sp.DeleteResponse(status=ok())

    @rpc(sp.MoveResponse)
    async def Move(self, request: sp.MoveRequest, principal: Principal):
        source, _ = await self.store.authorized(principal, request.source, "move")
        if source.parent_path is None:
            raise permission_denied(f"{source.path} is the root of a space and cannot be moved")
        create = "create_container" if source.is_dir else "initiate_file_upload"
        destination, parent = await self.store.creatable(principal, request.destination, create)
        if parent.space != source.space:
            # As Reva's gateway: a move is within one storage space.
            raise unimplemented(
                f"cannot move {source.path} to another space ({destination}); copy and delete instead"
            )
        if destination == source.path or destination.startswith(source.path + "/"):
            raise invalid_argument(f"cannot move {source.path} into itself ({destination})")
        ns = self.store.namespace

        def move(conn: sqlite3.Connection) -> None:
            ns.check_no_escape(destination)
            target = ns.fs_path(destination)
            if target.exists() or target.is_symlink():
                raise already_exists(f"{destination} already exists")
            os.rename(source.fs_path, target)
            namespace.move_subtree(conn, source.path, destination)
            namespace.touch_etags(conn, source.parent_path, source.space.root_path)
            namespace.touch_etags(conn, destination, source.space.root_path)

        await self.store.db.run(move)
        return sp.MoveResponse(status=ok())

    @rpc(sp.GetQuotaResponse)
    async def GetQuota(self, request, principal: Principal):
        node, _ = await self.store.authorized(principal, request.ref, "get_quota")
        space_root = self.store.namespace.fs_path(node.space.root_path)
        total, used = await anyio.to_thread.run_sync(_usage, space_root)
        return sp.GetQuotaResponse(status=ok(), total_bytes=total, used_bytes=used)

    @rpc(sp.GetPathResponse)
    async def GetPath(self, request: sp.GetPathRequest, principal: Principal):
        node = await self.store.namespace.by_id(request.resource_id.opaque_id)
        await self.store.access.require(principal, node, "get_path")
        return sp.GetPathResponse(status=ok(), path=node.path)

    @rpc(sp.SetArbitraryMetadataResponse)
    async def SetArbitraryMetadata(self, request: sp.SetArbitraryMetadataRequest, principal: Principal):
        node, _ = await self.store.authorized(principal, request.ref, "initiate_file_upload")
        values = dict(request.arbitrary_metadata.metadata)
        if not values or "" in values:
            raise invalid_argument("arbitrary metadata needs at least one non-empty key")
        await self.store.attributes.set(node.opaque_id, values)
        return sp.SetArbitraryMetadataResponse(status=ok())

    @rpc(sp.UnsetArbitraryMetadataResponse)
    async def UnsetArbitraryMetadata(self, request: sp.UnsetArbitraryMetadataRequest, principal: Principal):
        node, _ = await self.store.authorized(principal, request.ref, "initiate_file_upload")
        await self.store.attributes.unset(node.opaque_id, list(request.arbitrary_metadata_keys))
        return sp.UnsetArbitraryMetadataResponse(status=ok())


def _remove(path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _usage(space_root) -> tuple[int, int]:
    used = sum(
        os.lstat(os.path.join(folder, name)).st_size
        for folder, _, files in os.walk(space_root)
        for name in files
    )
    return shutil.disk_usage(space_root).total, used
