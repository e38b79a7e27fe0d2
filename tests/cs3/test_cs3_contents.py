"""File contents streamed over the data endpoints: PUT and GET with the transfer token."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from meshcollab.cs3 import AlreadyExists, Conflict, CS3Session, Locked, NotFound

pytestmark = pytest.mark.anyio


async def pieces(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_bytes_written_are_read_back(einstein: CS3Session, workdir: str) -> None:
    written = await einstein.files.write(f"{workdir}/hello.txt", b"hello, world")
    assert written.size == 12 and written.etag
    assert await einstein.files.read_bytes(f"{workdir}/hello.txt") == b"hello, world"


async def test_a_file_larger_than_the_chunk_size_streams_both_ways(
    einstein: CS3Session, workdir: str
) -> None:
    chunk_size = einstein.config.chunk_size
    data = os.urandom(5 * chunk_size + 1234)
    written = await einstein.files.write(f"{workdir}/big.bin", pieces(data, 10_000))
    assert written.size == len(data)

    chunks = [chunk async for chunk in einstein.files.read(f"{workdir}/big.bin")]
    assert len(chunks) > 1 and all(len(chunk) <= chunk_size for chunk in chunks)
    assert b"".join(chunks) == data


async def test_a_streamed_write_with_a_known_size(einstein: CS3Session, workdir: str) -> None:
    data = os.urandom(300_000)
    await einstein.files.write(f"{workdir}/sized.bin", pieces(data, 65_536), size=len(data))
    assert await einstein.files.read_bytes(f"{workdir}/sized.bin") == data


async def test_byte_ranges(einstein: CS3Session, workdir: str) -> None:
    data = bytes(range(256)) * 1000
    path = f"{workdir}/range.bin"
    await einstein.files.write(path, data)
    assert await einstein.files.read_bytes(path, offset=1000, length=5000) == data[1000:6000]
    assert await einstein.files.read_bytes(path, offset=len(data) - 10) == data[-10:]
    assert await einstein.files.read_bytes(path, offset=10, length=10 * len(data)) == data[10:]
    assert await einstein.files.read_bytes(path, offset=len(data)) == b""
    assert await einstein.files.read_bytes(path, length=0) == b""


async def test_an_empty_file(einstein: CS3Session, workdir: str) -> None:
    written = await einstein.files.write(f"{workdir}/empty.txt", b"")
    assert written.size == 0
    assert await einstein.files.read_bytes(f"{workdir}/empty.txt") == b""


async def test_reading_a_missing_file_is_not_found(einstein: CS3Session, workdir: str) -> None:
    with pytest.raises(NotFound) as caught:
        await einstein.files.read_bytes(f"{workdir}/missing.txt")
    assert "missing.txt" in str(caught.value)


async def test_if_match_refuses_a_write_over_someone_elses_change(einstein: CS3Session, workdir: str) -> None:
    path = f"{workdir}/nb.ipynb"
    seen = await einstein.files.write(path, b"mine")
    theirs = await einstein.files.write(path, b"theirs")
    with pytest.raises(Conflict) as caught:
        await einstein.files.write(path, b"overwrite", if_match=seen.etag)
    assert seen.etag in str(caught.value)
    assert await einstein.files.read_bytes(path) == b"theirs"

    updated = await einstein.files.write(path, b"merged", if_match=theirs.etag)
    assert updated.etag not in (seen.etag, theirs.etag)
    assert await einstein.files.read_bytes(path) == b"merged"


def written_after_the_upload_began(session: CS3Session, path: str, theirs: bytes, mine: bytes):
    """A body whose first chunk is made only once the upload was initiated; before that chunk, someone
    else's write of `theirs` lands (a sync client, another app) -- the race a debounced save can lose."""

    async def chunks():
        await session.files.write(path, theirs)
        yield mine

    return chunks()


async def test_if_match_holds_until_the_write_lands(einstein: CS3Session, workdir: str) -> None:
    path = f"{workdir}/raced.ipynb"
    seen = await einstein.files.write(path, b"seen")
    body = written_after_the_upload_began(einstein, path, b"theirs", b"over theirs")
    with pytest.raises(Conflict) as caught:
        await einstein.files.write(path, body, if_match=seen.etag)
    assert not isinstance(caught.value, Locked)
    assert await einstein.files.read_bytes(path) == b"theirs"


async def test_if_not_exists_holds_until_the_write_lands(einstein: CS3Session, workdir: str) -> None:
    path = f"{workdir}/created-meanwhile.ipynb"
    body = written_after_the_upload_began(einstein, path, b"theirs", b"mine")
    with pytest.raises(AlreadyExists):
        await einstein.files.write(path, body, if_not_exists=True)
    assert await einstein.files.read_bytes(path) == b"theirs"


async def test_if_not_exists_refuses_to_overwrite(einstein: CS3Session, workdir: str) -> None:
    path = f"{workdir}/copy.ipynb"
    await einstein.files.write(path, b"first", if_not_exists=True)
    with pytest.raises(AlreadyExists):
        await einstein.files.write(path, b"second", if_not_exists=True)
    assert await einstein.files.read_bytes(path) == b"first"


async def test_an_early_stop_closes_the_download(einstein: CS3Session, workdir: str) -> None:
    data = os.urandom(4 * einstein.config.chunk_size)
    await einstein.files.write(f"{workdir}/partial.bin", data)
    chunks = einstein.files.read(f"{workdir}/partial.bin")
    first = await anext(chunks)
    await chunks.aclose()
    assert data.startswith(first)
    assert await einstein.files.read_bytes(f"{workdir}/partial.bin") == data
