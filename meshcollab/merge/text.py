"""Three-way merge of a cell's source: by lines, then within the lines both sides changed.

The algorithm is diff3 over a sequence (lines first, characters second). Each side is matched against
the base with `difflib.SequenceMatcher`; a base element matched on both sides is *stable*, and the
stretches between stable elements are *chunks*. A chunk changed on one side only takes that side; a
chunk changed identically on both takes it once; a chunk both sides changed differently is merged
again within its lines, and only if that finer merge is itself free of conflicts is it taken.
Otherwise the chunk becomes a conflict: both versions kept between git-style markers.

The finer merge works on words, single punctuation characters and single whitespace characters
rather than on bare characters: difflib happily pairs stray letters of two different words ("total"
and "count" share an "o" and a "t"), and a character merge built on such pairs can weave two edits of
one word into a word nobody wrote. On tokens, two edits of the same word conflict; edits of different
words, or of different characters of punctuation and spacing, merge.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

# A merge within lines is tried only on chunks up to this size (characters, on the larger side):
# SequenceMatcher is quadratic in the worst case, and a larger region is better shown as a conflict.
CHAR_MERGE_LIMIT = 2_000

MARKER_SIZE = 7

_TOKEN = re.compile(r"\w+|\s|[^\w\s]")


@dataclass(frozen=True)
class TextMerge:
    """The result of a three-way text merge."""

    text: str
    conflicted: bool
    """True when the text holds conflict markers (both versions of at least one region)."""


def split_lines(text: str) -> list[str]:
    """Lines of `text` with their ``\\n`` kept; only ``\\n`` ends a line (unlike `str.splitlines`)."""
    if not text:
        return []
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def _matches(base: Sequence, side: Sequence) -> dict[int, int]:
    """Base index -> side index for the elements that `SequenceMatcher` pairs (monotonic)."""
    matcher = SequenceMatcher(None, base, side, autojunk=False)
    pairs: dict[int, int] = {}
    for a, b, size in matcher.get_matching_blocks():
        for k in range(size):
            pairs[a + k] = b + k
    return pairs


def diff3_chunks(base: Sequence, theirs: Sequence, ours: Sequence):
    """Yield ``(stable, base_part, theirs_part, ours_part)`` covering the three sequences in order.

    A stable chunk has the three parts equal. The parts are slices of the inputs.
    """
    mt = _matches(base, theirs)
    mo = _matches(base, ours)
    b = t = o = 0
    nb = len(base)
    while True:
        # Stable run: base elements matched on both sides at the current positions.
        start = b
        while b < nb and mt.get(b) == t and mo.get(b) == o:
            b += 1
            t += 1
            o += 1
        if b > start:
            yield True, base[start:b], theirs[t - (b - start) : t], ours[o - (b - start) : o]
        # Find the next base element matched on both sides, at or after the current positions.
        j = b
        while j < nb and not (j in mt and j in mo and mt[j] >= t and mo[j] >= o):
            j += 1
        if j >= nb:
            if b < nb or t < len(theirs) or o < len(ours):
                yield False, base[b:], theirs[t:], ours[o:]
            return
        if j > b or mt[j] > t or mo[j] > o:
            yield False, base[b:j], theirs[t : mt[j]], ours[o : mo[j]]
        b, t, o = j, mt[j], mo[j]


def tokens(text: str) -> list[str]:
    """Words, and single characters of everything else; joined they give `text` back."""
    return _TOKEN.findall(text)


def _merge_within_lines(base: str, theirs: str, ours: str) -> str | None:
    """The token-level merge of a region, or None when the two sides' edits overlap or touch."""
    if max(len(base), len(theirs), len(ours)) > CHAR_MERGE_LIMIT:
        return None
    out: list[str] = []
    for stable, b, t, o in diff3_chunks(tokens(base), tokens(theirs), tokens(ours)):
        if stable or t == o or t == b:
            out.extend(o)
        elif o == b:
            out.extend(t)
        else:
            return None
    return "".join(out)


def _with_newline(lines: Sequence[str]) -> list[str]:
    lines = list(lines)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines


def merge_text(
    base: str, theirs: str, ours: str, *, theirs_label: str = "theirs", ours_label: str = "ours"
) -> TextMerge:
    """Merge two edits of `base`. A conflict keeps both versions between markers, ours first::

    <<<<<<< ours
    (ours' lines)
    =======
    (theirs' lines)
    >>>>>>> theirs
    """
    theirs_label, ours_label = " ".join(theirs_label.split()), " ".join(ours_label.split())  # one line each
    if theirs == ours or theirs == base:
        return TextMerge(ours, False)
    if ours == base:
        return TextMerge(theirs, False)
    out: list[str] = []
    conflicted = False
    for stable, b, t, o in diff3_chunks(split_lines(base), split_lines(theirs), split_lines(ours)):
        if stable or t == o or t == b:
            out.extend(o)
        elif o == b:
            out.extend(t)
        else:
            fine = _merge_within_lines("".join(b), "".join(t), "".join(o))
            if fine is not None:
                out.append(fine)
                continue
            conflicted = True
            if out and not out[-1].endswith("\n"):
                out[-1] += "\n"  # cannot happen with split_lines, but markers must start a line
            out.append(f"{'<' * MARKER_SIZE} {ours_label}\n")
            out.extend(_with_newline(o))
            out.append(f"{'=' * MARKER_SIZE}\n")
            out.extend(_with_newline(t))
            out.append(f"{'>' * MARKER_SIZE} {theirs_label}\n")
    text = "".join(out)
    if (
        conflicted
        and text.endswith(f" {theirs_label}\n")
        and not (ours.endswith("\n") or theirs.endswith("\n"))
    ):
        text = text[:-1]  # the sources ended without a newline: so does the merge
    return TextMerge(text, conflicted)
