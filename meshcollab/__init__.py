"""meshcollab: real-time collaborative Jupyter notebooks on CS3 storage."""

__version__ = "0.1.0"
