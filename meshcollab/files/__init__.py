"""The files API of the side panel and the file-information dialog (README.md): storage spaces and
quota, everything about one file, restoring an earlier version."""

from __future__ import annotations

from .info import InfoHandler
from .restore import RestoreVersionHandler
from .spaces import QuotaHandler, SpacesHandler


def files_handlers() -> list[tuple]:
    """The routes, for the extension's handler list."""
    return [
        (r"/api/meshcollab/spaces", SpacesHandler),
        (r"/api/meshcollab/quota", QuotaHandler),
        (r"/api/meshcollab/info/(.*)", InfoHandler),
        (r"/api/meshcollab/versions/restore/(.+)", RestoreVersionHandler),
    ]
