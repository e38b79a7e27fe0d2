"""The users file of the files API tests' store: Reva's demo users, and the project space `physics`
with einstein as its manager and marie as a viewer (richard is not a member)."""

from __future__ import annotations

import json
from pathlib import Path

from meshcollab_store.users import DEMO_USERS

PROJECT = "physics"
PROJECT_ROOT = f"/projects/{PROJECT}"  # where the embedded store keeps it


def write_users_file(path: Path) -> Path:
    path.write_text(
        json.dumps(
            {
                "users": DEMO_USERS,
                "projects": [{"name": PROJECT, "members": {"einstein": "manager", "marie": "viewer"}}],
            }
        )
    )
    return path


def cs3_path(project_path: str) -> str:
    """The CS3 path of a Jupyter path below `Projects/physics/`."""
    return f"{PROJECT_ROOT}/{project_path.split('/', 2)[2]}" if project_path.count("/") >= 2 else PROJECT_ROOT
