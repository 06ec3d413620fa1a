"""Report statistics against values computed by hand."""

from __future__ import annotations

import pytest

from agentsstar.evaluation.stats import bootstrap_mean_ci, paired, sign_test_p


def test_sign_test_matches_the_binomial_by_hand() -> None:
    # 8 wins, 2 losses: P(X <= 2) for Binomial(10, 1/2) = (1 + 10 + 45) / 1024.
    assert sign_test_p(8, 2) == pytest.approx(2 * 56 / 1024)
    assert sign_test_p(2, 8) == pytest.approx(2 * 56 / 1024)
    # 5 wins, 0 losses: 2 * (1/32).
    assert sign_test_p(5, 0) == pytest.approx(2 / 32)
    # Even split: the two tails overlap, p is capped at 1.
    assert sign_test_p(3, 3) == 1.0
    assert sign_test_p(0, 0) == 1.0


def test_bootstrap_interval_brackets_the_mean_and_narrows_with_more_problems() -> None:
    small = [1.0] * 6 + [0.0] * 4
    large = small * 10
    lo_s, hi_s = bootstrap_mean_ci(small) or (0, 0)
    lo_l, hi_l = bootstrap_mean_ci(large) or (0, 0)
    assert lo_s < 0.6 < hi_s and lo_l < 0.6 < hi_l
    assert hi_l - lo_l < hi_s - lo_s
    # Normal approximation for n=100, p=0.6: half-width 1.96 * sqrt(.24 / 100) = 0.096.
    assert hi_l - lo_l == pytest.approx(2 * 0.096, abs=0.03)
    assert bootstrap_mean_ci([]) is None
    # Constant outcomes have no spread at all.
    assert bootstrap_mean_ci([1.0] * 20) == (1.0, 1.0)


def test_bootstrap_is_reproducible_for_a_seed() -> None:
    values = [1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0]
    assert bootstrap_mean_ci(values, seed=3) == bootstrap_mean_ci(values, seed=3)


def test_paired_counts_wins_losses_on_common_problems_only() -> None:
    a = {"p1": True, "p2": False, "p3": False, "p4": True, "only-a": True}
    b = {"p1": True, "p2": True, "p3": True, "p4": False, "only-b": False}
    result = paired(a, b)
    assert result.problems == 4
    assert (result.wins, result.losses) == (2, 1)
    assert result.difference == pytest.approx(1 / 4)
    assert result.p_value == pytest.approx(1.0)  # 2 vs 1: 2 * (1 + 3) / 8 capped at 1
    assert result.interval is not None and result.interval[0] <= 0.25 <= result.interval[1]
