"""meshcollab: real-time collaborative Jupyter notebooks on CS3 storage."""

__version__ = "0.1.0"


def _jupyter_server_extension_points() -> list[dict]:
    from meshcollab.app import MeshCollab

    return [{"module": "meshcollab.app", "app": MeshCollab}]
