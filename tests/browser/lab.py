"""Driving JupyterLab in a page: open a notebook, type into a cell, read cells and the room status."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.async_api import Page, expect

TIMEOUT_MS = 60_000
STATUS = ".mc-RoomStatus"
ARTIFACTS = Path(__file__).parent / "artifacts"


async def open_notebook(page: Page, url: str) -> None:
    """Go to a /lab/tree/... URL and wait until the notebook's cells are editable and synced."""
    await page.goto(url)
    try:
        await expect(page.locator(".jp-NotebookPanel .jp-Cell .cm-content").first).to_be_visible(timeout=TIMEOUT_MS)
        # The room status appears once the notebook is collaborative, and leaves "Connecting…" once
        # the room reported its save state.
        await expect(page.locator(STATUS)).to_be_visible(timeout=TIMEOUT_MS)
        await expect(page.locator(STATUS)).not_to_have_attribute("data-save", "unknown", timeout=TIMEOUT_MS)
    except AssertionError:
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / f"failed-open-{uuid.uuid4().hex[:6]}.png"))
        raise


def cell_editor(page: Page, index: int):
    return page.locator(".jp-NotebookPanel:visible .jp-Cell").nth(index).locator(".cm-content")


async def type_at_end(page: Page, index: int, text: str) -> None:
    """Click into a cell, go to the end of its text and type (real key events, as a user)."""
    editor = cell_editor(page, index)
    await editor.click()
    await page.keyboard.press("Control+End")
    await page.keyboard.type(text, delay=15)


async def cell_text(page: Page, index: int) -> str:
    lines = await cell_editor(page, index).locator(".cm-line").all_inner_texts()
    return "\n".join(lines)


async def expect_cell(page: Page, index: int, pattern: str | re.Pattern) -> None:
    """The cell's text matches, within the timeout (a remote edit arrives in its own time)."""
    await expect(cell_editor(page, index)).to_have_text(pattern, timeout=TIMEOUT_MS)


def status_button(page: Page):
    return page.locator(f"{STATUS} button")


async def dismiss_notifications(page: Page) -> None:
    """JupyterLab's first-run toasts (news) would cover part of the screenshot."""
    for button in await page.locator(".jp-Notification-Toast-Close").all():
        try:
            await button.click(timeout=1000)
        except Exception:
            pass
