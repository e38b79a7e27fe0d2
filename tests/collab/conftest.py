"""Fixtures of the room ↔ CS3 tests (the adapter's sessions are in tests/conftest.py): a folder of the
test in einstein's home."""

from __future__ import annotations

import uuid

import pytest

from meshcollab.cs3 import CS3Session


@pytest.fixture
async def workdir(einstein: CS3Session) -> str:
    path = f"{await einstein.home()}/collab-{uuid.uuid4().hex[:10]}"
    await einstein.files.mkdir(path)
    return path
