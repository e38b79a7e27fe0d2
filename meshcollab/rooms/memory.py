"""Memory a closed room leaves behind, given back to the system (glibc; elsewhere nothing is done).

- `map_large_blocks()`, once at start: blocks of `LARGE_BLOCK` bytes or more (a notebook's bytes, its
  JSON, a document's state, SQLite's copy of a large row) get pages of their own, returned when the
  block is freed. By default glibc raises that threshold to the largest block freed so far (up to
  32 MiB), and from then on a large notebook's blocks come from the heaps, whose free space it keeps
  (bench/ W4: a 20 MB notebook's room took 134 MB and left 67 MB after it closed; with this 52 MB
  and 5 MB).
- `return_free_memory()`, after a room unloads: a full collection (a room's objects are in cycles),
  then glibc's free pages back to the system (malloc_trim).
"""

from __future__ import annotations

import ctypes
import gc

import anyio

LARGE_BLOCK = 1024 * 1024
M_MMAP_THRESHOLD = -3  # mallopt parameter (malloc.h); setting it also ends the dynamic adjustment


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 - glibc has both
    except (OSError, AttributeError):  # not glibc
        return None
    return libc


_LIBC = _libc()


def map_large_blocks() -> None:
    if _LIBC is not None:
        _LIBC.mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK)


async def return_free_memory() -> None:
    if _LIBC is not None:
        gc.collect()
        await anyio.to_thread.run_sync(_LIBC.malloc_trim, 0)
