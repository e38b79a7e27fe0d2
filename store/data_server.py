"""The HTTP data server: PUT and GET on the endpoints that InitiateFileUpload/Download hand out.

A request carries the transfer token (`X-Reva-Transfer` header, or the last path segment) and the
caller's access token (`x-access-token`). Uploads stream to a temporary file and land atomically;
downloads stream in chunks and honour a single byte Range. Reply codes follow Reva's data
provider: 401 bad or missing token, 403 not this user's transfer, 404 gone, 409 lock mismatch (or
a missing parent folder), 412 the upload's etag or not-exist precondition broken by a write since it
was initiated, 416 unsatisfiable range."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import BinaryIO

import anyio.to_thread
import tornado.httputil
import tornado.ioloop
import tornado.web
from cs3.rpc.v1beta1 import code_pb2

from .access import Principal
from .context import StoreContext
from .status import StoreError
from .tokens import InvalidToken, TransferClaims

CHUNK = 1 << 20  # bytes read or written per worker-thread call
OPEN_ATTEMPTS = 5  # downloads of a file that keeps being rewritten under the reader
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
# What a failed commit (content.ContentWriter.commit) says over HTTP.
HTTP_OF_CODE = {
    code_pb2.CODE_NOT_FOUND: 404,
    code_pb2.CODE_PERMISSION_DENIED: 403,
    code_pb2.CODE_FAILED_PRECONDITION: 409,
    code_pb2.CODE_ABORTED: 412,  # the upload's etag or not-exist precondition no longer holds
    code_pb2.CODE_ALREADY_EXISTS: 412,  # the same, as a provider's InitiateFileUpload says it (OCM relay)
}


def make_app(store: StoreContext) -> tornado.web.Application:
    routes = [(r"/data/([^/]*)", TransferHandler, {"store": store})]
    routes += [
        (pattern, handler, {"store": store, **kwargs}) for pattern, handler, kwargs in store.http_routes
    ]
    return tornado.web.Application(routes)


class TransferFailed(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def authenticate_transfer(
    store: StoreContext, request: tornado.httputil.HTTPServerRequest, in_path: str
) -> tuple[TransferClaims, Principal]:
    """The transfer a request carries (its token in `X-Reva-Transfer`, or `in_path`, the URL's last
    segment) and the caller (`x-access-token`), who must be the user the transfer is for, doing
    what it was initiated for. Also serves other modules' data routes (the OCM relay)."""
    in_header = request.headers.get("X-Reva-Transfer", "")
    if in_path and in_header and in_path != in_header:
        raise TransferFailed(400, "the X-Reva-Transfer header and the URL name different transfers")
    access_token = request.headers.get("x-access-token", "")
    if not (in_path or in_header) or not access_token:
        raise TransferFailed(401, "missing transfer token or x-access-token")
    try:
        claims = store.tokens.verify_transfer(in_header or in_path)
        principal = store.principal_from_token(access_token)
    except InvalidToken as exc:
        raise TransferFailed(401, str(exc)) from None
    if principal.user.opaque_id != claims.user_id:
        raise TransferFailed(403, "this transfer was initiated by another user")
    expected = {"PUT": "upload", "GET": "download", "HEAD": "download"}.get(request.method)
    if claims.operation != expected:
        raise TransferFailed(400, f"a {claims.operation} token does not allow {request.method}")
    return claims, principal


class StagedUpload:
    """For request handlers: an upload's body goes to a staging file, dropped when the upload is cut or
    fails, so the current content is never touched by a partial one."""

    temp: Path | None = None
    temp_file = None

    async def _start_staging(self) -> None:
        self.temp = self.store.content.new_temp()
        self.temp_file = await anyio.to_thread.run_sync(self.temp.open, "wb")

    async def _discard_temp(self) -> None:
        temp, self.temp = self.temp, None
        if self.temp_file is not None and not self.temp_file.closed:
            await anyio.to_thread.run_sync(self.temp_file.close)
        if temp is not None:
            await anyio.to_thread.run_sync(lambda: temp.unlink(missing_ok=True))

    def on_connection_close(self) -> None:
        if self.temp is not None:  # a cut upload: drop what arrived
            tornado.ioloop.IOLoop.current().add_callback(self._discard_temp)


@tornado.web.stream_request_body
class TransferHandler(StagedUpload, tornado.web.RequestHandler):
    def initialize(self, store: StoreContext) -> None:
        self.store = store
        self.claims: TransferClaims | None = None
        self.principal: Principal | None = None
        self.pending: list[bytes] = []
        self.pending_size = 0

    # -- common -----------------------------------------------------------------------------

    async def prepare(self) -> None:
        try:
            self.claims, self.principal = self._authenticate()
            if self.request.method == "PUT":
                await self._prepare_upload()
        except TransferFailed as failure:
            self._fail(failure.code, failure.reason)

    def _authenticate(self) -> tuple[TransferClaims, Principal]:
        return authenticate_transfer(self.store, self.request, self.path_args[0] if self.path_args else "")

    def _fail(self, code: int, reason: str) -> None:
        self.set_status(code)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(reason + "\n")

    def _fail_store(self, exc: StoreError) -> None:
        self._fail(HTTP_OF_CODE.get(exc.code, 500), exc.message)

    def lock_id(self) -> str:
        # As Reva's data provider, the PUT itself must carry the lock id (empty means absent),
        # whatever was given to InitiateFileUpload.
        return self.request.headers.get("X-Lock-Id", "")

    async def _current_path(self) -> str:
        """Where the transfer's file is now: it may have moved since the transfer was initiated."""
        if not self.claims.opaque_id:
            return self.claims.path
        path = await self.store.namespace.path_of(self.claims.opaque_id)
        if path is None:
            raise TransferFailed(404, f"{self.claims.path} no longer exists")
        return path

    # -- upload -----------------------------------------------------------------------------

    async def _prepare_upload(self) -> None:
        if self.claims.opaque_id:
            lock = await self.store.locks.get(self.claims.opaque_id)
            if lock is not None and lock.lock_id != self.lock_id():
                raise TransferFailed(
                    409, f"{self.claims.path} is {lock.describe()}: X-Lock-Id must be the holder's lock id"
                )
        await self._start_staging()

    async def data_received(self, chunk: bytes) -> None:
        if self.temp_file is None:
            return
        self.pending.append(chunk)
        self.pending_size += len(chunk)
        if self.pending_size >= CHUNK:
            await self._write_pending()

    async def _write_pending(self) -> None:
        data, self.pending, self.pending_size = b"".join(self.pending), [], 0
        await anyio.to_thread.run_sync(self.temp_file.write, data)

    async def put(self, _token: str) -> None:
        try:
            await self._write_pending()
            await anyio.to_thread.run_sync(self._close_temp)
            path = await self._current_path()
            node = await self.store.content.commit(
                self.temp, path, self.lock_id(), self.claims.if_match, self.claims.if_not_exist
            )
        except TransferFailed as failure:
            return self._fail(failure.code, failure.reason)
        except StoreError as exc:
            return self._fail_store(exc)
        finally:
            await self._discard_temp()
        self.set_header("ETag", node.etag)
        self.set_header("OC-ETag", node.etag)
        self.set_header("OC-FileId", node.opaque_id)
        self.finish()

    def _close_temp(self) -> None:
        self.temp_file.flush()
        self.temp_file.close()

    # -- download ---------------------------------------------------------------------------

    async def get(self, _token: str) -> None:
        await self._download(send_body=True)

    async def head(self, _token: str) -> None:
        await self._download(send_body=False)

    async def _download(self, send_body: bool) -> None:
        try:
            handle, size, etag = await self._open_source()
        except TransferFailed as failure:
            return self._fail(failure.code, failure.reason)
        except FileNotFoundError:
            return self._fail(404, f"{self.claims.path} no longer exists")
        try:
            await self._send(handle, size, etag, send_body)
        finally:
            await anyio.to_thread.run_sync(handle.close)

    async def _open_source(self) -> tuple[BinaryIO, int, str]:
        """The content as one version: an open handle (writes replace the file by rename, so what it
        reads cannot change), its size and the etag of that very version."""
        for _ in range(OPEN_ATTEMPTS):
            source, etag = await self._source()
            handle = await anyio.to_thread.run_sync(source.open, "rb")
            if (await self._source())[1] == etag:  # no write landed between the look-up and the open
                return handle, os.fstat(handle.fileno()).st_size, etag
            await anyio.to_thread.run_sync(handle.close)
        raise TransferFailed(503, f"{self.claims.path} keeps changing; try again")

    async def _send(self, handle: BinaryIO, size: int, etag: str, send_body: bool) -> None:
        start, end = 0, size - 1
        if (wanted := self.request.headers.get("Range")) is not None:
            span = parse_range(wanted, size)
            if span == "unsatisfiable":
                self.set_header("Content-Range", f"bytes */{size}")
                return self._fail(416, f"range {wanted} is outside the {size} bytes of the file")
            if span is not None:
                start, end = span
                self.set_status(206)
                self.set_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.set_header("Accept-Ranges", "bytes")
        self.set_header("Content-Type", "application/octet-stream")
        self.set_header("Content-Length", str(max(0, end - start + 1)))
        self.set_header("ETag", etag)
        if send_body:
            await self._stream(handle, start, end)
        self.finish()

    async def _source(self) -> tuple[Path, str]:
        if self.claims.version_key:
            version = await self.store.versions.get(self.claims.version_key)
            if version is None:
                raise TransferFailed(404, f"the version {self.claims.version_key} no longer exists")
            return self.store.versions.content_path(version.key), version.etag
        node = await self.store.namespace.node_at(await self._current_path())
        if node is None:
            raise TransferFailed(404, f"{self.claims.path} no longer exists")
        return node.fs_path, node.etag

    async def _stream(self, handle: BinaryIO, start: int, end: int) -> None:
        await anyio.to_thread.run_sync(handle.seek, start)
        remaining = end - start + 1
        while remaining > 0:
            chunk = await anyio.to_thread.run_sync(handle.read, min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            self.write(chunk)
            await self.flush()


def parse_range(header: str, size: int) -> tuple[int, int] | str | None:
    """(start, end) of a single byte range; None to serve the whole file (multiple or malformed
    ranges may be ignored, RFC 9110); "unsatisfiable" for a range beyond the end."""
    match = RANGE.match(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        n = int(last)
        return (max(0, size - n), size - 1) if n > 0 and size > 0 else "unsatisfiable"
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return "unsatisfiable"
    return start, end
