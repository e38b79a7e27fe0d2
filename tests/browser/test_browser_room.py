"""In a real browser: two people edit one notebook through JupyterLab with meshcollab's frontend, and
the room status shows who holds the lock and whether the notebook is saved to CS3.

Each test leaves screenshots of its final state in tests/browser/artifacts/."""

from __future__ import annotations

import asyncio
import re
import shutil
from datetime import timedelta

import nbformat
import pytest
from jupyterlab_page import (
    THREE_CELLS,
    cell_text,
    dismiss_notifications,
    expect_cell,
    open_notebook,
    run_from_the_palette,
    status_button,
    type_at_end,
)
from notebook_edits import cell_sources, eventually_in_cs3, upload
from playwright.async_api import expect

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_two_people_type_in_the_same_cell_and_in_different_cells(
    server, new_page, einstein, folder, screenshot
):
    path = f"{folder}/together.ipynb"
    in_cs3 = f"{await einstein.home()}/{path}"
    await upload(einstein, in_cs3, THREE_CELLS)
    url = f"{server.url}/lab/tree/{path}?token={server.token}"
    a, b = await new_page(), await new_page()
    await asyncio.gather(open_notebook(a, url), open_notebook(b, url))

    # The same cell, one after the other: each sees the other's typing.
    await type_at_end(a, 0, "  # typed by A")
    await expect_cell(b, 0, "a = 1  # typed by A")
    await type_at_end(b, 0, "  # and by B")
    await expect_cell(a, 0, "a = 1  # typed by A  # and by B")

    # Different cells at the same time.
    await asyncio.gather(type_at_end(a, 1, " + 40"), type_at_end(b, 2, " * 7"))
    expected = ["a = 1  # typed by A  # and by B", "b = 2 + 40", "c = 3 * 7"]
    for page in (a, b):
        for index, text in enumerate(expected):
            await expect_cell(page, index, text)

    # The notebook in CS3 is what both of them see.
    saved = await eventually_in_cs3(einstein, in_cs3, lambda nb: cell_sources(nb) == expected)
    assert [cell["id"] for cell in saved["cells"]] == ["cell-a", "cell-b", "cell-c"]
    assert [await cell_text(a, i) for i in range(3)] == expected
    nbformat.validate(nbformat.from_dict(saved))

    for name, page in (("A", a), ("B", b)):
        await dismiss_notifications(page)
        await expect(page.locator(".mc-RoomStatus")).to_have_attribute("data-save", "saved", timeout=30_000)
        # Saved to CS3, so the tab shows no unsaved marker.
        await expect(page.locator(".lm-TabBar-tab.jp-mod-dirty")).to_have_count(0, timeout=30_000)
        await screenshot(page, name)


async def test_the_room_status_shows_the_lock_and_the_save_state(
    server, new_page, einstein, folder, screenshot
):
    path = f"{folder}/status.ipynb"
    in_cs3 = f"{await einstein.home()}/{path}"
    await upload(einstein, in_cs3, THREE_CELLS)
    page = await new_page()
    await open_notebook(page, f"{server.url}/lab/tree/{path}?token={server.token}")
    await type_at_end(page, 1, "  # saved by the room")
    await eventually_in_cs3(einstein, in_cs3, lambda nb: "b = 2  # saved by the room" in cell_sources(nb))

    # Saved, with the room's lock: in the toolbar (its accessible name says it all) ...
    button = status_button(page)
    await expect(page.locator(".mc-RoomStatus-saveLabel")).to_have_text(re.compile(r"^Saved"), timeout=30_000)
    saved_and_locked = re.compile(r"Saved to CS3 .*Lock held by meshcollab")
    await expect(button).to_have_attribute("aria-label", saved_and_locked)
    lock = await einstein.locks.get(in_cs3)
    assert lock is not None and lock.app_name == "meshcollab"

    # ... and in the details, opened from the command palette with the keyboard.
    await run_from_the_palette(page, "Show Room Status")
    details = page.locator(".mc-RoomDetails")
    await expect(details).to_contain_text("held by meshcollab")
    await expect(details).to_contain_text(re.compile(r"Last saved\s*at \d\d:\d\d"))
    await expect(details).to_contain_text("can edit")
    await dismiss_notifications(page)
    await screenshot(page, "saved-details")
    await page.keyboard.press("Escape")
    await expect(details).to_have_count(0)


async def test_the_room_status_says_who_holds_the_lock_when_another_app_does(
    server, new_page, einstein, folder, screenshot
):
    path = f"{folder}/theirs.ipynb"
    in_cs3 = f"{await einstein.home()}/{path}"
    await upload(einstein, in_cs3, THREE_CELLS)
    await einstein.locks.set(in_cs3, "collabora-1", app_name="collabora", expiration=timedelta(hours=1))
    page = await new_page()
    await open_notebook(page, f"{server.url}/lab/tree/{path}?token={server.token}")
    await expect(page.locator(".mc-RoomStatus")).to_have_attribute("data-save", "blocked", timeout=30_000)
    await expect(page.locator(".mc-RoomStatus-saveLabel")).to_have_text("Cannot save: locked")
    await expect(status_button(page)).to_have_attribute(
        "aria-label", re.compile(r"locked by collabora \(Albert Einstein\) until \d\d:\d\d")
    )
    await type_at_end(page, 0, "  # kept in the room")
    await dismiss_notifications(page)
    await status_button(page).click()  # the same details as the command, by mouse
    await expect(page.locator(".mc-RoomDetails")).to_contain_text("collabora")
    await screenshot(page, "locked-by-collabora")
    await page.keyboard.press("Escape")

    # The other application lets go: the room saves what was typed meanwhile and says so.
    await einstein.locks.unlock(in_cs3, "collabora-1", app_name="collabora")
    await eventually_in_cs3(einstein, in_cs3, lambda nb: "a = 1  # kept in the room" in cell_sources(nb))
    await expect(page.locator(".mc-RoomStatus")).to_have_attribute("data-save", "saved", timeout=30_000)
    await screenshot(page, "saved-after-unlock")


async def test_offline_edits_are_counted_and_reach_everyone_when_back(
    server, new_page, einstein, folder, screenshot
):
    path = f"{folder}/offline.ipynb"
    in_cs3 = f"{await einstein.home()}/{path}"
    await upload(einstein, in_cs3, THREE_CELLS)
    url = f"{server.url}/lab/tree/{path}?token={server.token}"
    a, b = await new_page(), await new_page()
    await asyncio.gather(open_notebook(a, url), open_notebook(b, url))
    status = a.locator(".mc-RoomStatus")
    # A kernel still starting when the network goes fails with a modal dialog that takes the keyboard.
    kernel_idle = a.locator(".jp-StatusBar-Widget", has_text=re.compile(r"\| Idle"))
    await expect(kernel_idle).to_be_visible(timeout=60_000)

    await a.context.set_offline(True)
    await expect(status).to_have_attribute("data-connection", "offline", timeout=30_000)
    await type_at_end(a, 1, "  # typed offline")
    await expect(status).not_to_have_attribute("data-pending", "0")
    waiting = re.compile(r"^Offline: \d+ edits? waiting to sync$")
    await expect(a.locator(".mc-RoomStatus-offline")).to_have_text(waiting)
    await dismiss_notifications(a)
    await screenshot(a, "offline")
    await expect_cell(b, 1, "b = 2")  # nothing reached the room

    await a.context.set_offline(False)
    await expect_cell(b, 1, "b = 2  # typed offline")
    await expect(status).to_have_attribute("data-connection", "online", timeout=30_000)
    await expect(status).to_have_attribute("data-pending", "0", timeout=30_000)
    await expect(a.locator(".mc-RoomStatus-offline")).to_have_count(0)
    await eventually_in_cs3(einstein, in_cs3, lambda nb: "b = 2  # typed offline" in cell_sources(nb))
    await screenshot(a, "back-online")


async def test_edits_made_while_the_room_lost_its_history_are_merged_not_lost(
    server, new_page, einstein, folder, screenshot
):
    path = f"{folder}/reset.ipynb"
    in_cs3 = f"{await einstein.home()}/{path}"
    await upload(einstein, in_cs3, THREE_CELLS)
    url = f"{server.url}/lab/tree/{path}?token={server.token}"
    a = await new_page()
    await open_notebook(a, url)
    await type_at_end(a, 0, "  # before the reset")
    await eventually_in_cs3(einstein, in_cs3, lambda nb: "a = 1  # before the reset" in cell_sources(nb))

    # The server goes and comes back without its state (the document store of every room): the
    # room's Y history is new, so the browser's document cannot merge through the CRDT (1003).
    server.stop()
    shutil.rmtree(server.data_dir)
    # At once, in one input event: JupyterLab soon shows a modal "Server Connection Error" that would
    # take the keyboard from a typist.
    await type_at_end(a, 1, "  # while the server was away", at_once=True)
    server.start()
    # Sign-ins live in the server's memory: the restarted server knows this browser's cookie no more
    # and refuses its websockets (403). The user signs in again in another tab (the token URL), and
    # the open tab's next reconnection carries the new cookie.
    again = await a.context.new_page()
    await again.goto(f"{server.url}/api/status?token={server.token}")
    await again.close()

    # The extension sent the local document to the recover path before the provider let it go.
    merged = a.get_by_text(re.compile(r"Your edits to .*reset\.ipynb were merged into the room"))
    await expect(merged).to_be_visible(timeout=60_000)
    saved = await eventually_in_cs3(
        einstein, in_cs3, lambda nb: "b = 2  # while the server was away" in cell_sources(nb)
    )
    assert cell_sources(saved)[:2] == ["a = 1  # before the reset", "b = 2  # while the server was away"]
    await screenshot(a, "merged")

    b = await new_page()
    await open_notebook(b, url)
    await expect_cell(b, 1, "b = 2  # while the server was away")
    await expect_cell(b, 0, "a = 1  # before the reset")
