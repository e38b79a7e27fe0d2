"""The CS3 side panel in a real browser: einstein shares through the dialog, marie accepts in the
panel and opens it from "shared with me" into the live room; file information with the room's lock, versions restored
into the live notebook, conflict copies previewed and merged."""

from __future__ import annotations

import re
from copy import deepcopy as copy_of

import anyio
import httpx
import nbformat
import pytest
from cs3_panel import accept_share, open_file_information, open_panel, open_shared_with_me
from jupyterlab_page import (
    THREE_CELLS,
    TIMEOUT_MS,
    close_directory_not_found,
    continue_waiting,
    expect_cell,
    open_notebook,
    open_notebook_signed_in,
    sign_in,
    type_at_end,
)
from notebook_edits import cell_sources, eventually_in_cs3, notebook_in_cs3, upload
from server_process import basic
from share_dialog import share_from_the_toolbar, share_with_person
from playwright.async_api import expect


pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_einstein_shares_through_the_dialog_marie_accepts_in_the_panel_and_views_live(
    multi_user_server, new_page, einstein, folder, screenshot
):
    server = multi_user_server
    name = f"{folder}-panel.ipynb"
    in_cs3 = f"{await einstein.home()}/{folder}/{name}"
    await upload(einstein, in_cs3, THREE_CELLS)

    e, m = await new_page(), await new_page()
    await open_notebook_signed_in(e, server.url, ("einstein", "relativity"), f"{folder}/{name}")
    dialog = await share_from_the_toolbar(e)
    await share_with_person(dialog, "mar", "Marie Curie (marie)", "viewer")
    await dialog.get_by_role("button", name="Done").click()

    await sign_in(m, server.url, "marie", "radioactivity", "/lab")
    await m.wait_for_url(re.compile(r"/lab"), timeout=TIMEOUT_MS)
    await close_directory_not_found(m)

    panel = await open_panel(m)
    await expect(panel.locator(".mc-AccountHeader-user")).to_have_text("Signed in as Marie Curie")
    await accept_share(m, name)
    await open_shared_with_me(m, name)
    await expect(m.locator(".mc-ReadOnlyBanner")).to_be_visible(timeout=TIMEOUT_MS)

    await type_at_end(e, 0, "  # einstein live")
    await expect_cell(m, 0, "a = 1  # einstein live")
    await type_at_end(m, 1, "  # marie tries", force=True)
    await anyio.sleep(3)
    await expect_cell(e, 1, "b = 2")
    saved = await eventually_in_cs3(einstein, in_cs3, lambda nb: "a = 1  # einstein live" in cell_sources(nb))
    assert "marie tries" not in str(cell_sources(saved))
    assert "marie tries" not in str(cell_sources(await notebook_in_cs3(einstein, in_cs3)))
    # The share is answered: nothing is waiting any more, and einstein's share shows as hers to open.
    # A viewer has nothing to save: no unsaved marker on her tab, whatever she typed.
    await expect(m.locator(".lm-TabBar-tab.jp-mod-dirty")).to_have_count(0)
    panel = await open_panel(m, re.compile(r"^Shares"))
    await expect(panel.locator(".mc-Shares-pending")).to_contain_text("Nothing is waiting.")
    await screenshot(m, "marie")


async def test_file_information_shows_the_room_lock_and_restores_a_version_into_the_live_notebook(
    server, new_page, einstein, folder, screenshot
):
    path = f"{folder}/versions.ipynb"
    in_cs3 = f"{await einstein.home()}/{path}"
    await upload(einstein, in_cs3, THREE_CELLS)
    page = await new_page()
    await open_notebook(page, f"{server.url}/lab/tree/{path}?token={server.token}")
    await type_at_end(page, 0, "  # a later edit")
    await eventually_in_cs3(einstein, in_cs3, lambda nb: "a = 1  # a later edit" in cell_sources(nb))

    info = await open_file_information(page, folder, "versions.ipynb")
    await expect(info).to_contain_text("Albert Einstein")
    await expect(info).to_contain_text("held by the live room")
    await expect(info).to_contain_text("open, 1 person connected")
    # The first upload is a version now; restoring it brings it into the live notebook for everyone.
    versions = info.locator(".mc-FileInfo-versions li[data-version]")
    await expect(versions.first).to_be_visible(timeout=TIMEOUT_MS)
    await versions.last.get_by_role("button", name="Restore").click()
    await page.locator(".jp-Dialog").get_by_role("button", name="Restore").click()
    await expect(info.locator(".mc-FileInfo-status")).to_contain_text("Restored", timeout=TIMEOUT_MS)
    await expect(info.locator(".mc-FileInfo-status")).not_to_have_class(re.compile("mc-mod-error"))
    await page.locator(".jp-NotebookPanel").first.click()  # the notebook's tab again
    await expect_cell(page, 0, "a = 1")
    await eventually_in_cs3(einstein, in_cs3, lambda nb: cell_sources(nb) == ["a = 1", "b = 2", "c = 3"])
    await screenshot(page, "restored")


async def test_a_conflict_copy_is_listed_previewed_and_merged_into_the_live_notebook(
    server, new_page, einstein, folder, screenshot
):
    path = f"{folder}/merged.ipynb"
    home = await einstein.home()
    await upload(einstein, f"{home}/{path}", THREE_CELLS)
    copy = nbformat.from_dict(copy_of(THREE_CELLS))
    copy.cells.append(nbformat.v4.new_code_cell("d = 4  # only in the copy", id="cell-d"))
    copy_name = "merged.marie.2026-11-28_10_00_00.conflict.ipynb"
    await upload(einstein, f"{home}/{folder}/{copy_name}", copy)
    page = await new_page()
    await open_notebook(page, f"{server.url}/lab/tree/{path}?token={server.token}")

    info = await open_file_information(page, folder, "merged.ipynb")
    listed = info.locator(".mc-FileInfo-conflicts li", has_text="marie")
    await expect(listed).to_be_visible(timeout=TIMEOUT_MS)
    await listed.get_by_role("button", name="Preview merge…").click()
    preview = page.locator(".jp-Dialog .mc-MergePreview")
    await expect(preview).to_contain_text("New code cell at position 4")
    await expect(preview).to_contain_text("d = 4  # only in the copy")
    await screenshot(page, "preview")
    await page.locator(".jp-Dialog").get_by_role("button", name="Merge into the live notebook").click()
    await expect(info.locator(".mc-FileInfo-status")).to_contain_text("Merged", timeout=TIMEOUT_MS)
    await page.locator(".jp-NotebookPanel").first.click()
    await expect_cell(page, 3, "d = 4  # only in the copy")
    await eventually_in_cs3(einstein, f"{home}/{path}", lambda nb: cell_sources(nb)[-1] == "d = 4  # only in the copy")
    await screenshot(page, "merged")


async def test_a_project_space_opens_from_the_projects_tab_and_a_new_notebook_there_is_saved_in_it(
    quickstart_server, new_page, screenshot
):
    server = quickstart_server
    page = await new_page()
    await page.goto(f"{server.url}/lab?token={server.token}")
    panel = await open_panel(page, "Projects")
    physics = panel.locator(".mc-Projects li", has_text="physics")
    await expect(physics).to_contain_text("you are manager", timeout=TIMEOUT_MS)
    await physics.get_by_role("button", name="physics").click()
    await expect(panel.locator(".jp-BreadCrumbs")).to_contain_text("physics", timeout=TIMEOUT_MS)

    # A new notebook from the panel's toolbar lands in the project space, and is saved there in CS3.
    await panel.locator(".jp-ToolbarButtonComponent[title='New notebook in this folder']").click()
    await expect(page.locator(".jp-NotebookPanel .jp-Cell .cm-content").first).to_be_visible(timeout=TIMEOUT_MS)
    await continue_waiting(page)
    await type_at_end(page, 0, "print('in the project')")
    await expect(panel.locator(".jp-DirListing-item", has_text="Untitled.ipynb")).to_be_visible(timeout=TIMEOUT_MS)
    # Marie, an editor of the project, reads it in the project space (saves are debounced).
    async with httpx.AsyncClient(base_url=server.url, headers=basic("marie", "radioactivity")) as marie:
        with anyio.fail_after(30):
            while True:
                answer = await marie.get("/api/contents/Projects/physics/Untitled.ipynb")
                if answer.status_code == 200 and "in the project" in str(answer.json()["content"]):
                    break
                await anyio.sleep(0.2)
    await screenshot(page, "project")
