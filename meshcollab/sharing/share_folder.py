"""The recipient's share folder, `MyShares/` in their home, where Reva's gateway mounts accepted
shares. A gateway that does not list the folder itself (the embedded store answers NOT_FOUND for it,
while the mounts below it resolve) gets it listed here, from the accepted shares' mount points, so
that JupyterLab's file browser can show "shared with me" and open a shared notebook from it."""

from __future__ import annotations

from meshcollab.cs3 import CS3Error, CS3Session, Resource, ShareState

SHARE_FOLDER = "MyShares"  # Reva's gateway `share_folder` default


async def share_folder_path(session: CS3Session) -> str:
    return f"{(await session.home()).rstrip('/')}/{SHARE_FOLDER}"


async def share_folder_entries(session: CS3Session) -> list[tuple[str, Resource]]:
    """(mount point, resource) of every accepted share that still resolves, by name."""
    folder = await share_folder_path(session)
    entries = []
    for received in await session.shares.list_received(ShareState.ACCEPTED):
        name = received.mount_point.rsplit("/", 1)[-1]
        if not name:
            continue
        try:
            entries.append((name, await session.files.stat(f"{folder}/{name}")))
        except CS3Error:
            continue  # gone, or no longer shared
    return sorted(entries, key=lambda entry: entry[0])
