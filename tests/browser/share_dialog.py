"""Driving meshcollab's share dialog in a page: open it from the file browser or a notebook's
toolbar, share with a person, create a public link."""

from __future__ import annotations

import re

from jupyterlab_page import TIMEOUT_MS
from playwright.async_api import Page, expect


def share_dialog(page: Page):
    return page.locator(".jp-Dialog", has=page.locator(".mc-ShareDialog"))


async def share_from_the_file_browser(page: Page, name: str):
    """Right-click the file in the file browser, then Share…: the share dialog."""
    item = page.locator(".jp-DirListing-item", has_text=name)
    await expect(item).to_be_visible(timeout=TIMEOUT_MS)
    await item.click(button="right")
    await page.get_by_role("menuitem", name="Share…").click()
    dialog = share_dialog(page)
    await expect(dialog).to_be_visible()
    return dialog


async def share_from_the_toolbar(page: Page):
    await page.locator(".jp-NotebookPanel:visible .jp-Toolbar").get_by_role("button", name="Share").click()
    dialog = share_dialog(page)
    await expect(dialog).to_be_visible()
    return dialog


async def create_link(dialog, role: str, password: str = "") -> str:
    """Create a link in the dialog's Public links section: its URL, as the dialog shows it."""
    links = dialog.get_by_role("region", name="Public links")
    before = await links.locator(".mc-Link").count()
    await links.get_by_label("Access", exact=True).first.select_option(role)
    if password:
        await links.get_by_label("Password (optional)").fill(password)
    await links.get_by_role("button", name="Create link").click()
    await expect(links.locator(".mc-Link")).to_have_count(before + 1)
    row = links.locator(".mc-Link").first
    url = await row.get_by_label("Address").input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/meshcollab/join/[A-Za-z0-9_-]+", url), url
    return url


async def share_with_person(dialog, typed: str, person: str, role: str) -> None:
    """Type `typed` in the People search, pick `person` ("Marie Curie (marie)"), share as `role`."""
    people = dialog.get_by_role("region", name="People")
    await people.get_by_role("combobox", name="Share with").press_sequentially(typed, delay=40)
    await people.get_by_role("option", name=person).click()
    await people.get_by_label("Access", exact=True).select_option(role)
    await people.get_by_role("button", name="Share", exact=True).click()
    await expect(people.get_by_role("combobox", name=f"Access of {person}")).to_have_value(role)
