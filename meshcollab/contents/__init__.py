"""The CS3 contents manager: JupyterLab's file browser and the contents API on CS3 storage.

    c.ServerApp.contents_manager_class = "meshcollab.contents.CS3ContentsManager"

| module | job |
|---|---|
| `paths.py` | Jupyter paths ↔ CS3 paths below the user's root; refusing paths that try to escape |
| `manager.py` | `CS3ContentsManager`: get/save/new/rename/delete, chunked uploads, the models |
| `checkpoints.py` | `CS3Checkpoints`: checkpoints as CS3 file versions |
| `errors.py` | CS3 errors → HTTP errors with messages a user can act on (the lock holder, until when) |
| `notebooks.py` | read and write a notebook's JSON by path or resource id (also for the rooms) |
| `uploads.py` | staging of chunked uploads on local disk until the last chunk |
| `files_handler.py` | `/files/...` downloads streamed from CS3 |
"""

from meshcollab.contents.checkpoints import CheckpointId, CS3Checkpoints
from meshcollab.contents.errors import explained_http_error, http_error, http_error_for
from meshcollab.contents.files_handler import CS3FilesHandler
from meshcollab.contents.manager import CS3ContentsManager
from meshcollab.contents.notebooks import NotebookRead, UnreadableNotebook, read_notebook, write_notebook
from meshcollab.contents.paths import UserRoot, normalize

__all__ = [
    "CS3Checkpoints",
    "CS3ContentsManager",
    "CS3FilesHandler",
    "CheckpointId",
    "NotebookRead",
    "UnreadableNotebook",
    "UserRoot",
    "explained_http_error",
    "http_error",
    "http_error_for",
    "normalize",
    "read_notebook",
    "write_notebook",
]
