"""Driving the CS3 side panel in a page: open it, switch its tabs, answer shares, open from them."""

from __future__ import annotations

import re

from jupyterlab_page import TIMEOUT_MS, continue_waiting
from playwright.async_api import Page, expect

PANEL = "#meshcollab-cs3-panel"


async def open_panel(page: Page, tab: str | re.Pattern = "My files"):
    """Show the CS3 panel (its icon in the left bar) on one of its tabs; the panel's locator."""
    panel = page.locator(PANEL)
    if not await panel.is_visible():
        await page.locator('.jp-SideBar [data-id="meshcollab-cs3-panel"]').click()
    await expect(panel).to_be_visible(timeout=TIMEOUT_MS)
    await panel.get_by_role("tab", name=tab).click()
    return panel


async def accept_share(page: Page, name: str) -> None:
    """Accept the share named `name` in the Shares tab; it then shows under "Shared with me"."""
    panel = await open_panel(page, re.compile(r"^Shares"))
    waiting = panel.locator(".mc-Shares-pending li", has_text=name)
    await waiting.get_by_role("button", name="Accept").click()
    await expect(panel.locator(".mc-Shares-withMe").get_by_role("button", name=name)).to_be_visible(timeout=TIMEOUT_MS)


async def open_shared_with_me(page: Page, name: str) -> None:
    panel = await open_panel(page, re.compile(r"^Shares"))
    await panel.locator(".mc-Shares-withMe").get_by_role("button", name=name).click()
    await expect(page.locator(".jp-NotebookPanel .jp-Cell .cm-content").first).to_be_visible(timeout=TIMEOUT_MS)
    await continue_waiting(page)


async def show_in_my_files(page: Page, folder: str):
    """The CS3 panel's My files, in `folder`; its file browser's locator."""
    panel = await open_panel(page)
    crumbs = panel.locator(".jp-BreadCrumbs")
    await panel.locator(".jp-BreadCrumbs-home").click()
    await panel.locator(".jp-DirListing-item", has_text=folder).dblclick()
    await expect(crumbs).to_contain_text(folder, timeout=TIMEOUT_MS)
    return panel


async def open_file_information(page: Page, folder: str, name: str):
    """Right-click `folder/name` in My files, choose File Information: the information's locator."""
    panel = await show_in_my_files(page, folder)
    await panel.locator(".jp-DirListing-item", has_text=name).first.click(button="right")
    await page.locator(".lm-Menu-item", has_text="File Information").click()
    info = page.locator(".mc-FileInfo:visible")
    await expect(info.locator(".mc-FileInfo-list")).to_be_visible(timeout=TIMEOUT_MS)
    return info
