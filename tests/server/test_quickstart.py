"""The quickstart as a user runs it: `meshcollab serve` with no gateway starts the embedded store with
Reva's demo users, the demo notebook and a project space."""

from __future__ import annotations

import httpx
import pytest
from server_process import ServerProcess, basic


@pytest.fixture
def quickstart(tmp_path):
    process = ServerProcess(None, tmp_path / "data")
    process.start()
    yield process
    process.stop()


def test_the_demo_has_the_welcome_notebook_and_a_project_space_shared_by_the_demo_users(quickstart):
    with httpx.Client(base_url=quickstart.url, timeout=30) as client:
        root = client.get("/api/contents", headers=quickstart.headers).json()
        names = {entry["name"]: entry["type"] for entry in root["content"]}
        assert names["welcome.ipynb"] == "notebook"
        assert names["Projects"] == "directory"
        projects = client.get("/api/contents/Projects", headers=quickstart.headers).json()
        assert [entry["name"] for entry in projects["content"]] == ["physics"]

        # Marie signs in with her CS3 password and works in the project as its editor.
        marie = basic("marie", "radioactivity")
        spaces = client.get("/api/meshcollab/spaces", headers=marie).json()["spaces"]
        assert [(s["name"], s["path"], s["role"]) for s in spaces if s["type"] == "project"] == [
            ("physics", "Projects/physics", "editor")
        ]
        created = client.put(
            "/api/contents/Projects/physics/notes.txt",
            headers=marie,
            json={"type": "file", "format": "text", "content": "from marie"},
        )
        assert created.status_code == 201, created.text
        read = client.get("/api/contents/Projects/physics/notes.txt", headers=quickstart.headers).json()
        assert read["content"] == "from marie"
        # Richard may look, not write.
        refused = client.put(
            "/api/contents/Projects/physics/richard.txt",
            headers=basic("richard", "superfluidity"),
            json={"type": "file", "format": "text", "content": "no"},
        )
        assert refused.status_code == 403, refused.text
