"""meshcollab: real-time collaborative Jupyter notebooks on CS3 storage."""

__version__ = "0.1.0"


def _jupyter_server_extension_points() -> list[dict]:
    from meshcollab.app import MeshCollab

    return [{"module": "meshcollab.app", "app": MeshCollab}]


def _jupyter_labextension_paths() -> list[dict]:
    """The JupyterLab extension built from frontend/ (for `jupyter labextension develop`)."""
    return [{"src": "labextension", "dest": "meshcollab"}]
