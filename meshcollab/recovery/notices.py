"""The RAW notices a room's clients get when something was merged into the room's document, or an
earlier version of the file was restored in it.

`{"type": "notice", "code": "merged", "source": S, "message": ..., "conflicts": N, "conflict_cells": [ids],
"by": username | null, ...}` with `source`:
- `"outside"`: the file in CS3 was changed outside the room (`file`, `file_etag`);
- `"recovered"`: a client whose Y history the room no longer has brought its edits back (recover API);
- `"conflict-copy"`, `"upload"`, `"version"`: merged on request through the merge API (`from`).
A conflict keeps both versions in the cell, between conflict markers, for people to resolve.

`{"type": "notice", "code": "restored", "message": ..., "by": username, "version": key,
"version_modified": ISO 8601 | null}`: the document is now that earlier version of the file
(`POST /api/meshcollab/versions/restore/{path}`); the content it replaced stays in CS3 as a version.
"""

from __future__ import annotations

from meshcollab.rooms import Notice

SOURCES = {
    "outside": "the version of the file changed outside this room",
    "recovered": "edits made offline",
    "conflict-copy": "a conflict copy",
    "upload": "an uploaded notebook",
    "version": "an earlier version of the file",
}


def merged(source: str, conflicts: list[dict], *, by: str | None = None, **details) -> Notice:
    what = SOURCES.get(source, source)
    who = f" by {by}" if by else ""
    if conflicts:
        cells = sorted({str(c.get("cell_id")) for c in conflicts if c.get("cell_id")})
        tail = (
            f" {len(conflicts)} conflict(s) kept both versions between conflict markers"
            + (f" (cells {', '.join(cells)})" if cells else "")
            + ": please resolve them."
        )
    else:
        tail = " No conflicts."
    return Notice(
        "merged",
        f"Merged {what}{who} into this notebook.{tail}",
        {
            "source": source,
            "by": by,
            "conflicts": len(conflicts),
            "conflict_cells": sorted({str(c.get("cell_id")) for c in conflicts if c.get("cell_id")}),
            **details,
        },
    )


def restored(version: str, modified: str | None, *, by: str) -> Notice:
    when = f" of {modified}" if modified else ""
    return Notice(
        "restored",
        f"{by} restored the version{when} ({version}) of this document. The content it replaced is kept "
        "as a version of the file.",
        {"by": by, "version": version, "version_modified": modified},
    )
