"""Summaries of durations in seconds: how many, the median and the 90th percentile.

Percentiles interpolate linearly between the two nearest ranks (the `inclusive`
method of Python's statistics.quantiles, numpy's default): for sorted values
v[0..n-1], the q-th fraction is read at position q * (n - 1). The median of an even
number of values is thus the mean of the two middle ones, and one value is its own
median and 90th percentile.

A negative duration (a date entered before the one it is measured from) says more
about the record than about the response; it is counted in `negative` and left out
of the statistics.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """The `fraction` (0 to 1) percentile of `ordered`, which is sorted and not empty."""
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(seconds: Iterable[float]) -> dict[str, Any]:
    """`{"count", "median", "p90", "negative"}`; median and p90 are None when no
    duration counts."""
    values = list(seconds)
    kept = sorted(value for value in values if value >= 0)
    return {
        "count": len(kept),
        "median": _rounded(percentile(kept, 0.5)) if kept else None,
        "p90": _rounded(percentile(kept, 0.9)) if kept else None,
        "negative": len(values) - len(kept),
    }


def _rounded(value: float) -> float:
    # Dates are kept to the millisecond; more digits would be noise.
    return round(value, 3)
