"""In a real browser: einstein shares a notebook from meshcollab's share dialog, with marie and by
public link, and guests join from the link as a person would: a fresh browser with no cookies opens
the link's URL, answers the password form, and lands in the notebook's live room (read-only for a
viewer link), with no error dialog from what a guest may not use (kernels, sessions, listing).

Each test leaves screenshots of its final state in tests/browser/artifacts/."""

from __future__ import annotations

import re

import anyio
import httpx
import pytest
from jupyterlab_page import (
    THREE_CELLS,
    TIMEOUT_MS,
    cell_editor,
    dismiss_notifications,
    expect_cell,
    notebook_ready,
    open_notebook,
    run_from_the_palette,
    type_at_end,
)
from notebook_edits import cell_sources, eventually_in_cs3, notebook_in_cs3, upload
from playwright.async_api import Page, expect
from server_process import basic
from share_dialog import create_link, share_dialog, share_from_the_file_browser, share_from_the_toolbar

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

MARIE = basic("marie", "radioactivity")


async def api(server, method: str, url: str, headers=None, **kwargs) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.url, headers=headers or server.headers, timeout=30) as client:
        return await client.request(method, url, **kwargs)


async def no_dialog_is_up(page: Page) -> None:
    """No error dialog is up (a guest's refused kernels, sessions or listings must not pop one up)."""
    texts = await page.locator(".jp-Dialog").all_inner_texts()
    assert texts == [], texts


async def einstein_opens(server, new_page, einstein, path: str) -> tuple[Page, str]:
    """einstein's notebook at the Jupyter path `path`, open in a browser of his: the page, and where
    the notebook is in CS3."""
    in_cs3 = f"{await einstein.home()}/{path}"
    await upload(einstein, in_cs3, THREE_CELLS)
    page = await new_page()
    await open_notebook(page, f"{server.url}/lab/tree/{path}?token={server.token}")
    return page, in_cs3


async def test_einstein_shares_with_marie_changes_her_role_and_revokes_it(
    server, new_page, einstein, folder, screenshot
):
    await upload(einstein, f"{await einstein.home()}/{folder}/for-marie.ipynb", THREE_CELLS)
    page = await new_page()
    await page.goto(f"{server.url}/lab/tree/{folder}?token={server.token}")
    dialog = await share_from_the_file_browser(page, "for-marie.ipynb")
    await expect(dialog.locator(".jp-Dialog-header")).to_contain_text("Share for-marie.ipynb")
    people = dialog.get_by_role("region", name="People")
    await expect(people.get_by_text("Not shared with anyone yet.")).to_be_visible()

    # Find her as one types, pick her, share as a viewer.
    search = people.get_by_role("combobox", name="Share with")
    await expect(search).to_be_focused()
    await search.press_sequentially("mar", delay=40)
    marie = people.get_by_role("option", name=re.compile(r"Marie Curie \(marie\)"))
    await expect(marie).to_be_visible()
    await marie.click()
    await expect(search).to_have_value("Marie Curie (marie)")
    await people.get_by_label("Access", exact=True).select_option("viewer")
    await people.get_by_role("button", name="Share", exact=True).click()
    role = people.get_by_role("combobox", name="Access of Marie Curie (marie)")
    await expect(role).to_have_value("viewer")
    await expect(search).to_have_value("")

    # Shared with her again, by keyboard alone: the server's refusal shows in the dialog, in its words.
    await search.press_sequentially("marie", delay=40)
    await expect(marie).to_be_visible()
    await search.press("ArrowDown")
    await expect(marie).to_have_attribute("aria-selected", "true")
    await search.press("Enter")
    await expect(search).to_have_value("Marie Curie (marie)")
    await page.keyboard.press("Tab")
    await expect(people.get_by_label("Access", exact=True)).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(people.get_by_role("button", name="Share", exact=True)).to_be_focused()
    await page.keyboard.press("Enter")
    again = await api(
        server, "POST", "/api/meshcollab/shares",
        json={"path": f"{folder}/for-marie.ipynb", "username": "marie", "role": "viewer"},
    )
    assert again.status_code == 409, again.text
    await expect(people.get_by_role("alert")).to_have_text(again.json()["message"])
    await screenshot(page, "shared-with-marie")

    shares = (await api(server, "GET", "/api/meshcollab/shares", params={"path": f"{folder}/for-marie.ipynb"})).json()
    [share] = shares["shares"]
    assert share["grantee"]["username"] == "marie" and share["role"] == "viewer"
    received = (await api(server, "GET", "/api/meshcollab/shares/received", headers=MARIE)).json()["shares"]
    [hers] = [r for r in received if r["id"] == share["id"]]
    assert hers["state"] == "pending" and hers["name"] == "for-marie.ipynb" and hers["role"] == "viewer"

    # Editor, then revoked: the server agrees each time.
    await role.select_option("editor")
    await expect(people.locator(f'[data-share-id="{share["id"]}"]')).to_have_attribute("data-role", "editor")
    received = (await api(server, "GET", "/api/meshcollab/shares/received", headers=MARIE)).json()["shares"]
    assert [r["role"] for r in received if r["id"] == share["id"]] == ["editor"]

    await people.get_by_role("button", name="Revoke access of Marie Curie (marie)").click()
    await expect(role).to_have_count(0)
    await expect(people.get_by_text("Not shared with anyone yet.")).to_be_visible()
    received = (await api(server, "GET", "/api/meshcollab/shares/received", headers=MARIE)).json()["shares"]
    assert [r for r in received if r["id"] == share["id"]] == []
    shares = (await api(server, "GET", "/api/meshcollab/shares", params={"path": f"{folder}/for-marie.ipynb"})).json()
    assert shares == {"shares": []}
    await dismiss_notifications(page)
    await screenshot(page, "revoked")


async def test_a_guest_joins_a_password_protected_viewer_link_read_only_and_live(
    server, new_page, einstein, folder, screenshot
):
    e, in_cs3 = await einstein_opens(server, new_page, einstein, f"{folder}/linked.ipynb")
    await e.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    dialog = await share_from_the_toolbar(e)
    url = await create_link(dialog, "viewer", password="s3cret-link")
    links = dialog.get_by_role("region", name="Public links")
    row = links.locator(".mc-Link").first
    await expect(row.locator(".mc-Link-summary")).to_have_text(re.compile(r"^Can view · password · no expiry$"))
    await row.get_by_role("button", name="Copy link").click()
    await expect(row.get_by_role("status")).to_have_text("Copied")
    assert await e.evaluate("navigator.clipboard.readText()") == url
    await dismiss_notifications(e)
    await screenshot(e, "link-created")
    await dialog.get_by_role("button", name="Done").click()
    await expect(dialog).to_have_count(0)

    # A browser with no cookies: the password form; a wrong password is refused with a message.
    guest = await new_page()
    await guest.goto(url)
    await guest.get_by_label("Password").fill("not-it")
    await guest.get_by_role("button", name="Open").click()
    await expect(guest.get_by_text("Wrong password.")).to_be_visible()
    await guest.get_by_label("Password").fill("s3cret-link")
    await guest.get_by_role("button", name="Open").click()
    await guest.wait_for_url(re.compile(r"/lab/tree/linked\.ipynb$"), timeout=TIMEOUT_MS)
    await notebook_ready(guest)

    # In the room, read-only: einstein's typing shows live, the guest's reaches no one.
    await expect(guest.locator(".mc-ReadOnlyBanner")).to_be_visible(timeout=TIMEOUT_MS)
    await type_at_end(e, 0, "  # einstein, live")
    await expect_cell(guest, 0, "a = 1  # einstein, live")
    await type_at_end(guest, 1, "  # the guest tries", force=True)
    await anyio.sleep(3)
    await expect_cell(e, 1, "b = 2")
    saved = await eventually_in_cs3(einstein, in_cs3, lambda nb: "a = 1  # einstein, live" in cell_sources(nb))
    assert "the guest tries" not in str(cell_sources(saved))
    assert "the guest tries" not in str(cell_sources(await notebook_in_cs3(einstein, in_cs3)))

    # A guest may not share, run code or browse: nothing offers it, and nothing popped up an error.
    await expect(guest.locator(".jp-NotebookPanel .jp-Toolbar").get_by_role("button", name="Share")).to_have_count(0)
    await no_dialog_is_up(guest)
    # The kernel choice offers no kernel to start (the server lists none to a guest): none to fail.
    await guest.locator(".jp-NotebookPanel .jp-Toolbar-kernelName").click()
    choice = guest.locator(".jp-Dialog", has_text="Select Kernel")
    await expect(choice).to_be_visible()
    assert await choice.locator("option").all_inner_texts() == ["No Kernel"]
    await guest.keyboard.press("Escape")
    await expect(choice).to_have_count(0)
    await dismiss_notifications(guest)
    await screenshot(guest, "guest-viewer")
    await screenshot(e, "einstein")


async def test_a_guest_of_an_editor_link_without_password_edits_with_einstein(
    server, new_page, einstein, folder, screenshot
):
    e, in_cs3 = await einstein_opens(server, new_page, einstein, f"{folder}/open.ipynb")
    dialog = await share_from_the_toolbar(e)
    url = await create_link(dialog, "editor")
    row = dialog.get_by_role("region", name="Public links").locator(".mc-Link").first
    await expect(row.locator(".mc-Link-summary")).to_have_text("Can edit · no password · no expiry")
    await dialog.get_by_role("button", name="Done").click()

    guest = await new_page()
    await guest.goto(url)
    await guest.wait_for_url(re.compile(r"/lab/tree/open\.ipynb$"), timeout=TIMEOUT_MS)
    await notebook_ready(guest)
    await expect(guest.locator(".mc-ReadOnlyBanner")).to_be_hidden()

    await type_at_end(guest, 2, "  # typed by the guest")
    await expect_cell(e, 2, "c = 3  # typed by the guest")
    await type_at_end(e, 0, "  # and einstein")
    await expect_cell(guest, 0, "a = 1  # and einstein")
    await eventually_in_cs3(
        einstein,
        in_cs3,
        lambda nb: cell_sources(nb) == ["a = 1  # and einstein", "b = 2", "c = 3  # typed by the guest"],
    )
    await no_dialog_is_up(guest)
    await dismiss_notifications(guest)
    await screenshot(guest, "guest-editor")
    await screenshot(e, "einstein")


async def test_einstein_changes_a_link_from_the_dialog_and_revokes_it(
    server, new_page, einstein, folder, screenshot
):
    path = f"{folder}/managed.ipynb"
    e, _ = await einstein_opens(server, new_page, einstein, path)
    # From the command palette, for the current document (opened with the keyboard from a cell).
    await cell_editor(e, 0).click()
    await run_from_the_palette(e, "Share Document")
    dialog = share_dialog(e)
    await expect(dialog).to_be_visible()
    links = dialog.get_by_role("region", name="Public links")

    async def on_server() -> dict:
        [link] = (await api(server, "GET", "/api/meshcollab/links", params={"path": path})).json()["links"]
        return link

    await links.get_by_label("Expires (optional)").fill("2030-12-31")
    url = await create_link(dialog, "viewer")
    row = links.locator(".mc-Link").first
    summary = row.locator(".mc-Link-summary")
    await expect(summary).to_have_text(re.compile(r"^Can view · no password · expires .*2030$"))
    assert (await on_server())["expiration"].startswith("2030-12-31")

    await row.get_by_label("Access").select_option("editor")
    await expect(summary).to_have_text(re.compile(r"^Can edit · no password"))
    assert (await on_server())["role"] == "editor"

    await row.get_by_label("New password").fill("now-protected")
    await row.get_by_role("button", name="Set password").click()
    await expect(summary).to_have_text(re.compile(r"^Can edit · password"))
    assert (await on_server())["password_protected"] is True
    await row.get_by_role("button", name="Remove password").click()
    await expect(summary).to_have_text(re.compile(r"^Can edit · no password"))
    assert (await on_server())["password_protected"] is False
    await expect(row.get_by_role("button", name="Remove password")).to_be_hidden()

    # A day gone by is refused before anything is sent; another day, then none, are taken.
    await row.get_by_label("Expires", exact=True).fill("2020-01-01")
    await row.get_by_role("button", name="Set expiry").click()
    await expect(row.get_by_role("alert")).to_have_text("The expiry date 2020-01-01 is in the past.")
    assert (await on_server())["expiration"].startswith("2030-12-31")
    await row.get_by_label("Expires", exact=True).fill("2031-01-15")
    await row.get_by_role("button", name="Set expiry").click()
    await expect(summary).to_have_text(re.compile(r"expires .*2031$"))
    assert (await on_server())["expiration"].startswith("2031-01-15")
    await row.get_by_role("button", name="Remove expiry").click()
    await expect(summary).to_have_text("Can edit · no password · no expiry")
    assert (await on_server())["expiration"] is None
    await expect(row.get_by_role("button", name="Remove expiry")).to_be_hidden()

    # Other institutions: a recipient not written user@institution is refused with an example.
    federated = dialog.get_by_role("region", name="Other institutions")
    await federated.get_by_label("Person at another institution").fill("marie")
    await federated.get_by_role("button", name="Share", exact=True).click()
    await expect(federated.get_by_role("alert")).to_contain_text("user@institution")
    await expect(federated.get_by_label("Person at another institution")).to_have_attribute("aria-invalid", "true")
    await dismiss_notifications(e)
    await screenshot(e, "link-changed")

    await row.get_by_role("button", name="Revoke this link").click()
    await expect(links.get_by_text("No links yet.")).to_be_visible()
    assert (await api(server, "GET", "/api/meshcollab/links", params={"path": path})).json() == {"links": []}
    late = await new_page()
    answer = await late.goto(url)
    assert answer is not None and answer.status == 404
    await expect(late.get_by_text(re.compile("no such share link"))).to_be_visible()
    await screenshot(e, "revoked")
