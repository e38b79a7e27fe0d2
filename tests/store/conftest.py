"""Fixtures of the store's tests: logged-in sessions, and a folder of the test's own."""

from __future__ import annotations

import uuid

import pytest
from storeclient import Session, login


@pytest.fixture
def einstein(store) -> Session:
    return login(store.grpc_address, "einstein")


@pytest.fixture
def marie(store) -> Session:
    return login(store.grpc_address, "marie")


@pytest.fixture
def home(einstein: Session) -> str:
    """A fresh folder in einstein's home for this test alone."""
    path = f"/home/einstein/t-{uuid.uuid4().hex[:8]}"
    einstein.mkdir(path)
    return path
