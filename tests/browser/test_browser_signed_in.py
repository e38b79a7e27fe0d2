"""In a real browser, signed in on meshcollab's login page as two CS3 users: einstein shares a
notebook with marie (through CS3), both edit it in one room; marie as a viewer sees the read-only
banner and einstein's typing, and her typing changes nothing."""

from __future__ import annotations

import asyncio
import re

import anyio
import pytest
from jupyterlab_page import THREE_CELLS, TIMEOUT_MS, expect_cell, open_notebook_signed_in, type_at_end
from notebook_edits import cell_sources, eventually_in_cs3, notebook_in_cs3, upload
from playwright.async_api import expect

from meshcollab.cs3 import EDITOR, VIEWER

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def share_with_marie(einstein, marie, path: str, role) -> str:
    """Share einstein's file with marie and accept it: its path in marie's Jupyter root."""
    share = await einstein.shares.create(path, marie.user, role)
    received = await marie.shares.accept(share.id)
    return f"MyShares/{received.mount_point}"


async def test_einstein_and_marie_sign_in_and_edit_one_notebook(
    multi_user_server, new_page, einstein, marie, folder, screenshot
):
    server = multi_user_server
    in_cs3 = f"{await einstein.home()}/{folder}/signed-in.ipynb"
    await upload(einstein, in_cs3, THREE_CELLS)
    marie_path = await share_with_marie(einstein, marie, in_cs3, EDITOR)
    e, m = await new_page(), await new_page()
    await asyncio.gather(
        open_notebook_signed_in(e, server.url, ("einstein", "relativity"), f"{folder}/signed-in.ipynb"),
        open_notebook_signed_in(m, server.url, ("marie", "radioactivity"), marie_path),
    )
    # Who is here comes from the server's identity: two people, each named by CS3.
    for page in (e, m):
        await expect(page.locator(".mc-RoomStatus-avatar")).to_have_count(2, timeout=TIMEOUT_MS)
    await expect(e.locator(".mc-RoomStatus button")).to_have_attribute(
        "aria-label", re.compile(r"2 people are here: Albert Einstein \(you\), Marie Curie\.")
    )
    await expect(m.locator(".mc-RoomStatus button")).to_have_attribute(
        "aria-label", re.compile(r"2 people are here: Marie Curie \(you\), Albert Einstein\.")
    )

    await type_at_end(e, 0, "  # einstein")
    await expect_cell(m, 0, "a = 1  # einstein")
    await type_at_end(m, 0, "  # marie")
    await expect_cell(e, 0, "a = 1  # einstein  # marie")
    await asyncio.gather(type_at_end(e, 1, " + 1905"), type_at_end(m, 2, " * 1903"))
    expected = ["a = 1  # einstein  # marie", "b = 2 + 1905", "c = 3 * 1903"]
    for page in (e, m):
        for index, text in enumerate(expected):
            await expect_cell(page, index, text)
    await eventually_in_cs3(einstein, in_cs3, lambda nb: cell_sources(nb) == expected)
    for name, page in (("einstein", e), ("marie", m)):
        await expect(page.locator(".mc-RoomStatus")).to_have_attribute("data-save", "saved", timeout=30_000)
        await screenshot(page, name)


async def test_a_viewer_sees_the_banner_and_live_edits_and_her_typing_changes_nothing(
    multi_user_server, new_page, einstein, marie, folder, screenshot
):
    server = multi_user_server
    in_cs3 = f"{await einstein.home()}/{folder}/viewed.ipynb"
    await upload(einstein, in_cs3, THREE_CELLS)
    marie_path = await share_with_marie(einstein, marie, in_cs3, VIEWER)
    e, m = await new_page(), await new_page()
    await asyncio.gather(
        open_notebook_signed_in(e, server.url, ("einstein", "relativity"), f"{folder}/viewed.ipynb"),
        open_notebook_signed_in(m, server.url, ("marie", "radioactivity"), marie_path),
    )
    banner = m.locator(".mc-ReadOnlyBanner")
    await expect(banner).to_be_visible(timeout=TIMEOUT_MS)
    await expect(banner).to_contain_text("not edit")
    await expect(e.locator(".mc-ReadOnlyBanner")).to_be_hidden()

    await type_at_end(e, 0, "  # einstein live")
    await expect_cell(m, 0, "a = 1  # einstein live")

    # Whatever marie's browser lets her type never reaches the room, einstein or CS3.
    await type_at_end(m, 1, "  # marie tries", force=True)
    await anyio.sleep(3)
    await expect_cell(e, 1, "b = 2")
    await expect_cell(m, 1, "b = 2")  # her editors are read-only: the keys did nothing
    saved = await eventually_in_cs3(einstein, in_cs3, lambda nb: "a = 1  # einstein live" in cell_sources(nb))
    assert "marie tries" not in str(cell_sources(saved))
    assert "marie tries" not in str(cell_sources(await notebook_in_cs3(einstein, in_cs3)))
    await expect(banner).to_be_visible()
    await screenshot(m, "marie-viewer")
    await screenshot(e, "einstein-editor")
