"""Notebooks of one code cell (id "code") whose source names their version: "v = 1", "v = 2", ..."""

from __future__ import annotations

import json

from notebook_edits import NOTEBOOK

SOURCES = ("v = 1", "v = 2", "v = 3")  # written in this order: the last is the current content


def nb(source: str) -> bytes:
    return json.dumps({**NOTEBOOK, "cells": [{**NOTEBOOK.cells[1], "source": source}]}).encode()
