"""File contents over HTTP: the PUT and GET that follow InitiateFileUpload and InitiateFileDownload.

The gateway hands out endpoints per protocol; we speak `simple` (or `spaces`, the same thing on a
space-aware Reva): one PUT or GET with the transfer token in `X-Reva-Transfer` and the access token in
`x-access-token`, plus `X-Lock-Id`/`X-Lock-Holder` on a write to a locked file. Bodies stream in chunks.

A download that fails before its first byte is started over (from a new Initiate call, as transfer
tokens may be single-use). An upload is repeated only when the request provably never reached the
server: the connection could not be made and none of the body was read.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass

import anyio
import httpx

from meshcollab.cs3.config import CS3Config
from meshcollab.cs3.errors import InvalidArgument, Unavailable, Unsupported, error_from_http

# In order of preference. Both are a single PUT/GET of the whole content.
SUPPORTED_PROTOCOLS = ("simple", "spaces")


@dataclass(frozen=True)
class Endpoint:
    """Where and with which tokens one transfer goes."""

    url: str
    transfer_token: str
    access_token: str

    def headers(self) -> dict[str, str]:
        headers = {"x-access-token": self.access_token}
        if self.transfer_token:
            headers["X-Reva-Transfer"] = self.transfer_token
        return headers


Initiate = Callable[[], Awaitable[Endpoint]]


def choose_protocol(protocols: Sequence, *, url_field: str, resource: str) -> tuple[str, str]:
    """(endpoint url, transfer token) of the preferred protocol the gateway offered."""
    offered = {p.protocol: p for p in protocols}
    for name in SUPPORTED_PROTOCOLS:
        if name in offered:
            return getattr(offered[name], url_field), offered[name].token
    raise Unsupported(
        f"the gateway offers the transfer protocols {sorted(offered)}, none of {list(SUPPORTED_PROTOCOLS)}",
        operation="transfer",
        resource=resource,
    )


async def read_all(chunks: AsyncIterator[bytes]) -> bytes:
    """Join a stream of chunks, closing it even when reading fails."""
    async with aclosing(chunks):
        return b"".join([chunk async for chunk in chunks])


class _OnceBody:
    """An upload body that remembers whether the HTTP client has started to read it."""

    def __init__(self, chunks: AsyncIterable[bytes]) -> None:
        self._chunks = chunks
        self.started = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self.started = True
        async for chunk in self._chunks:
            yield chunk


class DataTransfer:
    """Streams file contents to and from data endpoints with one shared HTTP client."""

    def __init__(self, config: CS3Config, client: httpx.AsyncClient) -> None:
        self._config = config
        self._client = client

    async def upload(
        self,
        initiate: Initiate,
        body: bytes | AsyncIterable[bytes],
        *,
        size: int | None,
        lock_id: str,
        lock_holder: str,
        resource: str,
    ) -> None:
        """PUT `body` to the endpoint that `initiate` returns; raises the CS3Error of a refusal."""
        content = body if isinstance(body, bytes) else _OnceBody(body)
        endpoint = await initiate()
        headers = endpoint.headers()
        if lock_id:  # Reva reads an empty header as no lock id, so absent is the same as empty
            headers["X-Lock-Id"] = lock_id
            headers["X-Lock-Holder"] = lock_holder
        if size is not None and not isinstance(body, bytes):
            headers["Content-Length"] = str(size)
        attempt = 0
        while True:
            try:
                response = await self._client.put(endpoint.url, content=content, headers=headers)
                break
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                never_sent = isinstance(body, bytes) or not content.started
                if not never_sent or attempt >= self._config.retries:
                    raise Unavailable(
                        f"could not reach the data endpoint {endpoint.url}: {error}",
                        operation="upload",
                        resource=resource,
                        source="connection",
                    ) from error
            except httpx.TransportError as error:
                raise Unavailable(
                    f"the upload to {endpoint.url} broke off ({error!r}); the file may or may not have been "
                    "written: stat it before trying again",
                    operation="upload",
                    resource=resource,
                    source="connection",
                ) from error
            await anyio.sleep(self._config.backoff(attempt))
            attempt += 1
        if not response.is_success:
            raise error_from_http(response.status_code, response.text, operation="upload", resource=resource)

    async def download(
        self, initiate: Initiate, *, offset: int = 0, length: int | None = None, resource: str
    ) -> AsyncIterator[bytes]:
        """The content (or `length` bytes of it from `offset`) in chunks of at most `chunk_size`."""
        if offset < 0 or (length is not None and length < 0):
            raise InvalidArgument(
                f"invalid byte range: offset={offset}, length={length}",
                operation="download",
                resource=resource,
            )
        if length == 0:
            return
        attempt = 0
        while True:
            delivered = False
            endpoint = await initiate()
            try:
                async with aclosing(self._get(endpoint, offset, length, resource)) as chunks:
                    async for chunk in chunks:
                        delivered = True
                        yield chunk
                return
            except Unavailable:
                # Once bytes went to the caller, starting over would repeat them.
                if delivered or attempt >= self._config.retries:
                    raise
            await anyio.sleep(self._config.backoff(attempt))
            attempt += 1

    async def _get(
        self, endpoint: Endpoint, offset: int, length: int | None, resource: str
    ) -> AsyncIterator[bytes]:
        headers = endpoint.headers()
        if offset or length is not None:
            last = "" if length is None else str(offset + length - 1)
            headers["Range"] = f"bytes={offset}-{last}"
        try:
            async with self._client.stream("GET", endpoint.url, headers=headers) as response:
                if response.status_code == 416:
                    return  # the range starts at or after the end: there is nothing to read
                if not response.is_success:
                    await response.aread()
                    raise error_from_http(
                        response.status_code, response.text, operation="download", resource=resource
                    )
                # A server that ignores Range answers 200 with the whole content: cut the range out here.
                skip = offset if response.status_code != 206 else 0
                remaining = length
                async for chunk in response.aiter_bytes(self._config.chunk_size):
                    if skip:
                        chunk, skip = chunk[skip:], max(skip - len(chunk), 0)
                    if remaining is not None:
                        chunk, remaining = chunk[:remaining], max(remaining - len(chunk), 0)
                    if chunk:
                        yield chunk
                    if remaining == 0:
                        return
        except httpx.TransportError as error:
            raise Unavailable(
                f"the download from {endpoint.url} failed: {error!r}",
                operation="download",
                resource=resource,
                source="connection",
            ) from error
