"""Fixtures of the browser tests: Debian's Chromium driven by Playwright (async API, so that the CS3
sessions of the shared fixtures run on the same event loop) against a real `meshcollab serve` and
the embedded store. Nothing downloads a browser: the system's /usr/bin/chromium is launched."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from server_process import FAST, ServerProcess

CHROMIUM = os.environ.get("MESHCOLLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
SMALL_BUFFER = 256 * 1024

@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.call_failed = report.failed
    return report


@pytest.fixture
async def browser() -> AsyncIterator:
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


def lab_settings(folder: Path) -> list[str]:
    """JupyterLab state of a test server alone: its own workspaces (else the layout of an earlier test
    is restored: its notebooks reopen) and user settings (no first-run "Jupyter news?" toast)."""
    notification = folder / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True, exist_ok=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    (folder.parent / "workspaces").mkdir(exist_ok=True)
    return [f"--LabApp.user_settings_dir={folder}", f"--LabApp.workspaces_dir={folder.parent / 'workspaces'}"]


@pytest.fixture
async def new_page(browser, request):
    """`await new_page()`: a page in a browser context of its own (one person; cookies apart), closed
    after the test; when the test failed, each page's screen is saved first (tests list their server
    fixture before this one, so that the server is still up for that screenshot)."""
    contexts = []

    async def make():
        context = await browser.new_context(viewport={"width": 1280, "height": 800})
        contexts.append(context)
        return await context.new_page()

    yield make
    if getattr(request.node, "call_failed", False):
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        for number, context in enumerate(contexts):
            for page in context.pages:
                await page.screenshot(path=str(ARTIFACTS / f"{name}-FAILED-{number}.png"))
    for context in contexts:
        await context.close()


def _einstein_server(store, tmp_path: Path, *settings: str):
    """A meshcollab server of one test alone, acting as einstein (reached with Jupyter's token)."""
    process = ServerProcess(
        store.grpc_address,
        tmp_path / "server",
        *FAST,
        "--MeshCollab.lock_ttl=6",
        *lab_settings(tmp_path / "lab" / "settings"),
        *settings,
    )
    process.start()
    yield process
    process.stop()


@pytest.fixture
def server(store, tmp_path: Path):
    """A meshcollab server of this test alone, acting as einstein (reached with Jupyter's token)."""
    yield from _einstein_server(store, tmp_path)


@pytest.fixture
def small_buffer_server(store, tmp_path: Path):
    """The same, letting only 256 KiB wait for a client (16 MiB by default), so that a notebook of a
    few MB is "larger than the limit" without a browser rendering tens of MB."""
    yield from _einstein_server(store, tmp_path, f"--RoomRegistry.max_buffered_bytes={SMALL_BUFFER}")


@pytest.fixture
def quickstart_server(tmp_path: Path):
    """`meshcollab serve` as the quickstart runs it: its own embedded store with the demo users, the
    demo notebook and the demo project space; acting as einstein."""
    process = ServerProcess(None, tmp_path / "data", *FAST, *lab_settings(tmp_path / "lab" / "settings"))
    process.start()
    yield process
    process.stop()


@pytest.fixture
def multi_user_server(store, tmp_path: Path):
    """A meshcollab server with no server-wide CS3 user: everyone signs in on its login page."""
    process = ServerProcess(
        store.grpc_address,
        tmp_path / "server",
        *FAST,
        "--MeshCollab.lock_ttl=6",
        *lab_settings(tmp_path / "lab" / "settings"),
        user=None,
    )
    process.start()
    yield process
    process.stop()


@pytest.fixture
def screenshot(request):
    """`await screenshot(page, "name")` saves tests/browser/artifacts/<test>-<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    test = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)

    async def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{test}-{name}.png"
        await page.screenshot(path=str(path), full_page=False)
        return path

    return take
