"""Statistics for comparing runs: bootstrap intervals, paired differences, sign test.

Benchmarks here are small (tens to hundreds of problems), so every figure comes with
its uncertainty. Intervals are percentile bootstraps over problems (seeded, so a
report is reproducible); arms run on the same problems are compared *paired*, problem
by problem, which is far tighter than comparing two independent pass rates.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

RESAMPLES = 10_000
LEVEL = 0.95


def _percentiles(samples: list[float], level: float) -> tuple[float, float]:
    samples.sort()
    tail = (1.0 - level) / 2.0
    lo = samples[math.floor(tail * (len(samples) - 1))]
    hi = samples[math.ceil((1.0 - tail) * (len(samples) - 1))]
    return lo, hi


def bootstrap_mean_ci(
    values: Sequence[float], *, resamples: int = RESAMPLES, level: float = LEVEL, seed: int = 0
) -> tuple[float, float] | None:
    """A ``level`` percentile-bootstrap interval for the mean of ``values`` (None if empty)."""
    if not values:
        return None
    rng = random.Random(seed)
    n = len(values)
    means = [sum(rng.choices(values, k=n)) / n for _ in range(resamples)]
    return _percentiles(means, level)


def sign_test_p(wins: int, losses: int) -> float:
    """Exact two-sided sign-test p-value for ``wins`` against ``losses`` (ties dropped)."""
    n = wins + losses
    if n == 0:
        return 1.0
    k = min(wins, losses)
    tail: float = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2.0 * tail)


@dataclass(frozen=True)
class Paired:
    """Arm B against arm A on the problems both scored."""

    problems: int
    difference: float  # mean of (B - A): pass@1 points as a fraction
    interval: tuple[float, float] | None
    wins: int  # B right, A wrong
    losses: int  # A right, B wrong
    p_value: float  # exact sign test on wins vs losses


def paired(a: dict[str, bool], b: dict[str, bool], *, seed: int = 0) -> Paired:
    """Compare two arms' verdicts by problem id, on the ids both have."""
    common = sorted(set(a) & set(b))
    diffs = [float(b[i]) - float(a[i]) for i in common]
    wins = sum(1 for i in common if b[i] and not a[i])
    losses = sum(1 for i in common if a[i] and not b[i])
    return Paired(
        problems=len(common),
        difference=sum(diffs) / len(diffs) if diffs else 0.0,
        interval=bootstrap_mean_ci(diffs, seed=seed),
        wins=wins,
        losses=losses,
        p_value=sign_test_p(wins, losses),
    )
