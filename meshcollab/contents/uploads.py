"""Chunked uploads (the contents API's `chunk` field: 1, 2, ..., then -1 for the last one).

CS3 has no append, and writing the file in CS3 once per chunk would send O(n²) bytes and leave every
partial file in the file's version history. So the chunks of an upload are appended to a staging
file on this server's disk (never held in memory beyond the chunk in hand) and, when the last chunk
arrives, the whole file goes to CS3 in one streamed write: one new content, one version.

An upload is known by its user and its CS3 path. Chunks must come in order; a chunk 1 starts the
upload over. Uploads left unfinished for `timeout` seconds are dropped (checked whenever a chunk
arrives: no background task). Chunks of one upload must reach the same server process.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import AsyncIterator, Hashable
from dataclasses import dataclass, field

import anyio
import anyio.to_thread
from tornado.web import HTTPError


@dataclass
class StagedUpload:
    """The chunks of one upload received so far."""

    file: str
    next_chunk: int = 1
    size: int = 0
    touched: float = field(default_factory=time.monotonic)

    async def chunks(self, chunk_size: int) -> AsyncIterator[bytes]:
        """The staged content, read back in pieces of `chunk_size` bytes."""
        async with await anyio.open_file(self.file, "rb") as staged:
            while piece := await staged.read(chunk_size):
                yield piece

    async def discard(self) -> None:
        await anyio.to_thread.run_sync(_unlink, self.file)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


class ChunkedUploads:
    """The uploads in progress on this server, by (user, CS3 path)."""

    def __init__(self, directory: str = "", timeout: float = 3600.0) -> None:
        self.directory = directory
        self.timeout = timeout
        self._uploads: dict[Hashable, StagedUpload] = {}

    def __contains__(self, key: Hashable) -> bool:
        return key in self._uploads

    async def append(self, key: Hashable, chunk: int, data: bytes, *, path: str) -> StagedUpload:
        """Stage chunk number `chunk` (-1: the last) of the upload `key`; HTTP 400 for a chunk out of order."""
        await self._drop_stale()
        upload = self._uploads.get(key)
        if chunk == 1:
            if upload is not None:
                await self.discard(key)
            upload = await self._begin(key)
        elif upload is None:
            raise HTTPError(
                400,
                f"Chunk {chunk} of an upload of {path!r} arrived, but this server has no earlier chunks of it "
                "(the upload was interrupted or expired): upload the file again",
            )
        elif chunk != -1 and chunk != upload.next_chunk:
            await self.discard(key)
            raise HTTPError(
                400,
                f"Chunk {chunk} of the upload of {path!r} arrived where chunk {upload.next_chunk} was expected: "
                "the upload was cancelled, upload the file again",
            )
        try:
            async with await anyio.open_file(upload.file, "ab") as staged:
                await staged.write(data)
        except OSError as error:
            await self.discard(key)
            raise HTTPError(
                507, f"Could not stage the upload of {path!r} on the server: {error.strerror}"
            ) from error
        upload.size += len(data)
        upload.next_chunk = chunk + 1
        upload.touched = time.monotonic()
        return upload

    def take(self, key: Hashable) -> StagedUpload:
        """The finished upload, no longer tracked (the caller discards it)."""
        return self._uploads.pop(key)

    async def discard(self, key: Hashable) -> None:
        upload = self._uploads.pop(key, None)
        if upload is not None:
            await upload.discard()

    async def aclose(self) -> None:
        """Drop every staged upload (server shutdown)."""
        for key in list(self._uploads):
            await self.discard(key)

    async def _begin(self, key: Hashable) -> StagedUpload:
        def create() -> str:
            directory = self.directory or None
            if directory:
                os.makedirs(directory, exist_ok=True)
            handle, name = tempfile.mkstemp(prefix="meshcollab-upload-", dir=directory)
            os.close(handle)
            return name

        upload = StagedUpload(file=await anyio.to_thread.run_sync(create))
        self._uploads[key] = upload
        return upload

    async def _drop_stale(self) -> None:
        now = time.monotonic()
        for key, upload in list(self._uploads.items()):
            if now - upload.touched > self.timeout:
                await self.discard(key)
