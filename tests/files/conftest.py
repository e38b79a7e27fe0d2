"""Fixtures of the files API tests: an embedded store with a project space (`project_store.py`),
and one multi-user meshcollab server on it (everyone signs in as themselves)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from project_store import PROJECT, PROJECT_ROOT, write_users_file
from server_process import FAST, ServerProcess
from versioned_notebooks import SOURCES, nb

from meshcollab.cs3 import CS3Config, CS3Gateway, CS3Session
from meshcollab.embedded_store import StoreProcess


@pytest.fixture(scope="session")
def project_store(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("project-store")
    process = StoreProcess(root=root / "store", users_file=write_users_file(root / "users.json"))
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def files_server(project_store, tmp_path_factory: pytest.TempPathFactory):
    process = ServerProcess(
        project_store.grpc_address,
        tmp_path_factory.mktemp("files-server") / "server",
        *FAST,
        "--MeshCollab.lock_ttl=6",
        "--MeshCollab.permission_check_interval=0",
        user=None,
    )
    process.start()
    yield process
    process.stop()


@pytest.fixture
async def project_gateway(project_store) -> AsyncIterator[CS3Gateway]:
    async with CS3Gateway(CS3Config(gateway=project_store.grpc_address, deadline=15)) as gateway:
        yield gateway


@pytest.fixture
async def einstein_cs3(project_gateway) -> CS3Session:
    return await project_gateway.login_basic("einstein", "relativity")


@pytest.fixture
async def marie_cs3(project_gateway) -> CS3Session:
    return await project_gateway.login_basic("marie", "radioactivity")


@pytest.fixture
async def home_folder(einstein_cs3) -> str:
    """A folder of this test in einstein's home: its Jupyter path."""
    name = f"files-{uuid.uuid4().hex[:8]}"
    await einstein_cs3.files.mkdir(f"{await einstein_cs3.home()}/{name}")
    return name


@pytest.fixture
async def project_folder(einstein_cs3) -> str:
    """A folder of this test in the project space: its Jupyter path (for a member)."""
    name = f"files-{uuid.uuid4().hex[:8]}"
    await einstein_cs3.files.mkdir(f"{PROJECT_ROOT}/{name}")
    return f"Projects/{PROJECT}/{name}"


@pytest.fixture
async def versioned(einstein_cs3, home_folder) -> tuple[str, str]:
    """A notebook in einstein's test folder whose content was "v = 1", then "v = 2", and is "v = 3"
    (`versioned_notebooks.py`): (Jupyter path, CS3 path)."""
    path = f"{home_folder}/nb.ipynb"
    target = f"{await einstein_cs3.home()}/{path}"
    for source in SOURCES:
        await einstein_cs3.files.write(target, nb(source))
    return path, target
