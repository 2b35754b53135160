"""The arithmetic of the loop metrics, without Django: rates, percentiles, the improvement rule.

Definitions and sources are in ``docs/metrics.md``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

# A rate over fewer referrals than this is shown with its count and never charted.
SMALL_NUMBER = 10

# Clinically meaningful improvement in chronic pain (IMMPACT; Dworkin et al., J Pain 2008):
# at least 30% less pain and at least 2 points less on the 0-10 scale.
MEANINGFUL_SHARE = 0.30
MEANINGFUL_POINTS = 2


@dataclass(frozen=True)
class Rate:
    """``count`` out of ``total``; small totals say so instead of pretending to be a percentage."""

    count: int
    total: int

    @property
    def share(self) -> float | None:
        return self.count / self.total if self.total else None

    @property
    def is_small(self) -> bool:
        return self.total < SMALL_NUMBER

    @property
    def percent(self) -> str:
        """The rate as a whole percentage, or "-" when there is nothing to divide by."""
        return "-" if self.share is None else f"{self.share * 100:.0f}%"

    def __str__(self) -> str:
        if self.total == 0:
            return "- (0 of 0)"
        if self.is_small:
            return f"{self.count} of {self.total} (too few for a rate)"
        return f"{self.percent} ({self.count} of {self.total})"


def median(values: Sequence[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count); None when empty."""
    return statistics.median(values) if values else None


def percentile_nearest_rank(values: Sequence[float], fraction: float) -> float | None:
    """The smallest value with at least ``fraction`` of the values at or below it; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def is_meaningful_improvement(baseline: int, latest: int) -> bool:
    """True when pain fell by at least 2 points and by at least 30% of the baseline."""
    drop = baseline - latest
    return drop >= MEANINGFUL_POINTS and baseline > 0 and drop / baseline >= MEANINGFUL_SHARE


def hours_text(hours: float | None) -> str:
    """A duration for people: hours under two days, days beyond."""
    if hours is None:
        return "-"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} days"


# Time-to-accept distribution buckets: (label, upper bound in hours).
ACCEPT_BUCKETS: tuple[tuple[str, float], ...] = (
    ("under 4 h", 4),
    ("4-12 h", 12),
    ("12-24 h", 24),
    ("1-2 days", 48),
    ("2-3 days", 72),
    ("over 3 days", math.inf),
)


def bucket_counts(hours: Sequence[float]) -> list[tuple[str, int]]:
    """How many waits fall in each ``ACCEPT_BUCKETS`` bucket (upper bounds exclusive)."""
    counts = [0] * len(ACCEPT_BUCKETS)
    for value in hours:
        index = next(i for i, (_, bound) in enumerate(ACCEPT_BUCKETS) if value < bound)
        counts[index] += 1
    return [(label, count) for (label, _), count in zip(ACCEPT_BUCKETS, counts, strict=True)]
