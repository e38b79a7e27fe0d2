"""The sharing API under `/api/meshcollab/` (users, shares, public links) and joining from a share
link (`POST /api/meshcollab/join`, the page `/meshcollab/join/<token>`). See README.md here."""

from .handlers import sharing_handlers

__all__ = ["sharing_handlers"]
