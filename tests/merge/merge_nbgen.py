"""Hypothesis strategies for the merge tests: a base notebook and random edits of it.

Lines that a side writes use characters of that side's own alphabet (none from the base's): then a
line can only be split by a character-level merge if a conflict is reported, and "every new line is in
the result or its cell reports a conflict" is a property the merge must keep.
"""

from __future__ import annotations

import copy

from hypothesis import strategies as st

BASE_ALPHABET = "abcdefgh =()+"
THEIRS_ALPHABET = "TUVWXYZ#é"
OURS_ALPHABET = "OPQRS:ü€😀"
ANY_TEXT = "ab xy\nüé€😀中\t"


def code_cell(
    cid: str, source: str, outputs: list | None = None, count: int | None = None, metadata=None
) -> dict:
    return {
        "id": cid,
        "cell_type": "code",
        "metadata": metadata or {},
        "source": source,
        "outputs": outputs or [],
        "execution_count": count,
    }


def markdown_cell(cid: str, source: str, metadata=None) -> dict:
    return {"id": cid, "cell_type": "markdown", "metadata": metadata or {}, "source": source}


def notebook(cells: list[dict], metadata: dict | None = None) -> dict:
    return {
        "cells": cells,
        "metadata": metadata
        if metadata is not None
        else {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def lines(alphabet: str, min_size: int = 0, max_size: int = 4):
    return st.lists(st.text(alphabet, min_size=1, max_size=6), min_size=min_size, max_size=max_size)


def join(parts: list[str], trailing: bool) -> str:
    text = "\n".join(parts)
    return text + "\n" if trailing and text else text


@st.composite
def cells_(draw, alphabet: str, prefix: str, min_size: int = 0, max_size: int = 6):
    n = draw(st.integers(min_size, max_size))
    out = []
    for k in range(n):
        source = join(draw(lines(alphabet)), draw(st.booleans()))
        if draw(st.booleans()):
            out.append(
                markdown_cell(
                    f"{prefix}{k}",
                    source,
                    {"tags": draw(st.lists(st.sampled_from("xyz"), max_size=2, unique=True))},
                )
            )
        else:
            outputs = [
                {"output_type": "stream", "name": "stdout", "text": t}
                for t in draw(lines(alphabet, max_size=2))
            ]
            count = draw(st.none() | st.integers(1, 50))
            out.append(code_cell(f"{prefix}{k}", source, outputs, count, {"k": draw(st.integers(0, 3))}))
    return out


@st.composite
def base_notebooks(draw, max_cells: int = 6):
    return notebook(
        draw(cells_(BASE_ALPHABET, "b", 0, max_cells)),
        {"kernelspec": {"name": "python3", "display_name": "Python 3"}, "n": 1},
    )


@st.composite
def edit_source(draw, source: str, alphabet: str) -> str:
    parts = source.split("\n")
    trailing = source.endswith("\n")
    if trailing:
        parts = parts[:-1]
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        pos = draw(st.integers(0, len(parts)))
        if op == "insert" or not parts:
            parts[pos:pos] = draw(lines(alphabet, 1, 2))
        elif op == "delete":
            del parts[min(pos, len(parts) - 1)]
        else:
            parts[min(pos, len(parts) - 1)] = draw(st.text(alphabet, min_size=1, max_size=6))
    return join(parts, trailing)


@st.composite
def edited(draw, base: dict, alphabet: str, prefix: str, moves: bool = True) -> dict:
    """A random edit of `base`: cells deleted, inserted, moved, their source, metadata, outputs changed."""
    nb = copy.deepcopy(base)
    cells = []
    for cell in nb["cells"]:
        action = draw(st.sampled_from(["keep", "keep", "delete", "source", "metadata", "outputs"]))
        if action == "delete":
            continue
        if action == "source":
            cell["source"] = draw(edit_source(cell["source"], alphabet))
            if cell["cell_type"] == "code" and draw(st.booleans()):
                cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": prefix + "-ran"}]
                cell["execution_count"] = draw(st.integers(1, 50))
        elif action == "metadata":
            cell["metadata"][draw(st.sampled_from(["k", "extra", prefix]))] = draw(st.integers(0, 3))
        elif action == "outputs" and cell["cell_type"] == "code":
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": prefix + "-rerun"}]
            cell["execution_count"] = draw(st.integers(1, 50))
        cells.append(cell)
    for new in draw(cells_(alphabet, prefix, 0, 2)):
        cells.insert(draw(st.integers(0, len(cells))), new)
    if moves and cells and draw(st.booleans()):
        moved = cells.pop(draw(st.integers(0, len(cells) - 1)))
        cells.insert(draw(st.integers(0, len(cells))), moved)
    nb["cells"] = cells
    if draw(st.booleans()):
        nb["metadata"][draw(st.sampled_from(["n", prefix]))] = draw(st.integers(0, 3))
    return nb
