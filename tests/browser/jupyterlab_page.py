"""Driving JupyterLab in a page: sign in, open a notebook, type into a cell, read cells and the room
status; and the notebook the browser tests start from."""

from __future__ import annotations

import re
import uuid
import warnings
from pathlib import Path

import nbformat
import pytest
from playwright.async_api import Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

TIMEOUT_MS = 60_000

THREE_CELLS = nbformat.v4.new_notebook(
    cells=[
        nbformat.v4.new_code_cell("a = 1", id="cell-a"),
        nbformat.v4.new_code_cell("b = 2", id="cell-b"),
        nbformat.v4.new_code_cell("c = 3", id="cell-c"),
    ],
    # A kernelspec, so that JupyterLab starts the kernel instead of asking which one.
    metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
)
STATUS = ".mc-RoomStatus"
ARTIFACTS = Path(__file__).parent / "artifacts"


async def open_notebook(page: Page, url: str) -> None:
    """Go to a /lab/tree/... URL and wait until the notebook's cells are editable and synced."""
    await page.goto(url)
    await notebook_ready(page)


async def notebook_ready(page: Page) -> None:
    """Wait until the notebook that the page opens (a /lab/tree/... URL, or a share link's redirect to
    one) is editable and synced."""
    try:
        first_editor = page.locator(".jp-NotebookPanel .jp-Cell .cm-content").first
        await expect(first_editor).to_be_visible(timeout=TIMEOUT_MS)
        # The room status appears once the notebook is collaborative, and leaves "Connecting…" once
        # the room reported its save state.
        await expect(page.locator(STATUS)).to_be_visible(timeout=TIMEOUT_MS)
        await expect(page.locator(STATUS)).not_to_have_attribute("data-save", "unknown", timeout=TIMEOUT_MS)
        await expect(page.locator(STATUS)).to_have_attribute("data-synced", "true", timeout=TIMEOUT_MS)
        await continue_waiting(page)
    except AssertionError:
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / f"failed-open-{uuid.uuid4().hex[:6]}.png"))
        raise


async def continue_waiting(page: Page) -> None:
    """jupyter-collaboration asks "The document is taking some time to load" with a modal dialog when
    the first sync takes over 5 s (a loaded CI machine); the dialog stays after the sync. Answer it
    as a user would: continue waiting."""
    dialog = page.locator(".jp-Dialog", has_text="taking some time to load")
    if await dialog.count():
        await dialog.get_by_role("button", name="Continue waiting").click()


def cell_editor(page: Page, index: int):
    return page.locator(".jp-NotebookPanel:visible .jp-Cell").nth(index).locator(".cm-content")


async def type_at_end(page: Page, index: int, text: str, force: bool = False, at_once: bool = False) -> None:
    """Click into a cell, go to the end of its text and type (real key events, as a user).
    `force`: click even where JupyterLab does not let the user edit (a viewer trying).
    `at_once`: the text in one input event (as a paste) instead of keystroke by keystroke."""
    editor = cell_editor(page, index)
    await editor.click(force=force)
    await page.keyboard.press("Control+End")
    if at_once:
        await page.keyboard.insert_text(text)
    else:
        await page.keyboard.type(text, delay=15)


async def cell_text(page: Page, index: int) -> str:
    lines = await cell_editor(page, index).locator(".cm-line").all_inner_texts()
    return "\n".join(lines)


async def expect_cell(page: Page, index: int, pattern: str | re.Pattern) -> None:
    """The cell's text matches, within the timeout (a remote edit arrives in its own time)."""
    await expect(cell_editor(page, index)).to_have_text(pattern, timeout=TIMEOUT_MS)


async def run_from_the_palette(page: Page, command: str, attempts: int = 3) -> None:
    """Open the command palette with its shortcut (Ctrl+Shift+C, for whatever has the focus), look the
    command up by its label and run it. The modal palette hides when it loses the focus, and on a
    loaded machine JupyterLab sometimes moves the focus back to the notebook just after the palette
    opened (two CI runs lost the palette that way): then a user opens it again, and so does this.
    The label is filled into the palette's own field, so no key ever lands in the notebook."""
    palette = page.locator(".jp-ModalCommandPalette")
    item = palette.get_by_role("menuitem", name=re.compile(re.escape(command)))
    for attempt in range(1, attempts + 1):
        await page.keyboard.press("Control+Shift+C")
        try:
            await palette.locator("input").fill(command, timeout=TIMEOUT_MS // attempts)
            await item.first.click(timeout=TIMEOUT_MS // attempts)
            return
        except PlaywrightTimeoutError:
            if attempt == attempts:
                raise


def status_button(page: Page):
    return page.locator(f"{STATUS} button")


async def dismiss_notifications(page: Page) -> None:
    """JupyterLab's first-run toasts (news) would cover part of the screenshot."""
    for button in await page.locator(".Toastify__close-button").all():
        try:
            await button.click(timeout=1000)
        except Exception:
            pass


async def sign_in(page: Page, base_url: str, username: str, password: str, next_path: str) -> None:
    """Sign in on meshcollab's login page, which then goes to `next_path`."""
    await page.goto(f"{base_url}/login?next={next_path}")
    await page.get_by_label("User name").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()


# What JupyterLab does with every API call: send the page config's token as `Authorization: token …`.
JUPYTERLAB_API_CALL = """async () => {
    const token = JSON.parse(document.getElementById('jupyter-config-data').textContent).token;
    const headers = token ? { Authorization: 'token ' + token } : {};
    return (await fetch('api/me', { headers })).status;
}"""


async def close_directory_not_found(page: Page) -> None:
    """A signed-in user whose home the file browser cannot list gets a modal "Directory not found"
    dialog (identity/contents, issue 4), which blocks every click. Close it, and say so."""
    dialog = page.locator(".jp-Dialog", has_text="Directory not found")
    try:
        await dialog.wait_for(timeout=3000)
    except Exception:
        return
    warnings.warn(f"{page.url}: JupyterLab showed 'Directory not found' (file browser root)", stacklevel=2)
    await dialog.get_by_role("button", name="Close").click()


async def open_notebook_signed_in(page: Page, base_url: str, user: tuple[str, str], path: str) -> None:
    await sign_in(page, base_url, user[0], user[1], f"/lab/tree/{path}")
    await page.wait_for_url(re.compile(r"/lab"), timeout=TIMEOUT_MS)
    status = await page.evaluate(JUPYTERLAB_API_CALL)
    if status == 403:
        pytest.xfail(
            "identity (issue 4): after signing in, JupyterLab's own API calls are refused (403): the page "
            "config carries the server's token, JupyterLab sends it as 'Authorization: token …', and in "
            "multi-user mode that token names no user, so JupyterLab stays blank"
        )
    await open_notebook(page, f"{base_url}/lab/tree/{path}")
    await close_directory_not_found(page)
