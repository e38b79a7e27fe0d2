"""Summaries of repeated measurements: medians with min and max, and ratios of medians."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def summary(samples: Sequence[float]) -> dict[str, float]:
    """Median, min, max and count of a series of measurements."""
    if not samples:
        raise ValueError("no samples to summarise")
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "n": len(samples)}


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between closest ranks."""
    ordered = sorted(samples)
    if not ordered:
        raise ValueError("no samples")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def ratio(ours: Sequence[float], baseline: Sequence[float]) -> float:
    """Median of ours over median of the baseline."""
    return statistics.median(ours) / statistics.median(baseline)
