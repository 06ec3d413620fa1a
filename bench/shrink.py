"""Shrinking an input on which two programs differ to a smaller one on which they
still differ, by execution alone: an experiment for ``bench_judge.py --shrink``.

The hope was that a small model predicts the output of ``3 5`` more often right than
that of ``-1000000000 999999999``. Each differing input is shrunk the way
property-based testing shrinks a failing case: try inputs one step smaller (a number
halved or moved towards zero, an element dropped, a counted list one shorter with its
count lowered), keep the smallest on which the two programs still differ the same
way, and repeat until nothing smaller differs or the budget is spent. A smaller input
on which a program that ran before now crashes is not taken.

Measured, it made the 0.5B model's predictions worse, not better (docs/benchmarks.md,
"Shrunk before predicted"): shrunk inputs end where the wrong program's output is
trivial (0, an empty answer), which is what a small model guesses. So sstar does not
shrink; this stays here so the measurement can be repeated.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from agentsstar.problem import Problem
from agentsstar.sandboxes.base import ExecResult
from agentsstar.strategies.selection._bounds import statement_bounds
from agentsstar.strategies.selection._mutation import count_positions

#: Runs one program on a list of inputs (``Context.execute``, or a bare sandbox).
Execute = Callable[[str, list[Any]], Awaitable[list[ExecResult]]]
#: Turns an ExecResult into what "same output" compares (``_inputs.result_key``).
Key = Callable[[ExecResult], str]


def size(x: Any) -> tuple[int, int]:
    """How big an input reads: its length written out, then the sum of its numbers'
    magnitudes (so 7 shrinks to 1 though both are one character)."""
    text = json.dumps(x, sort_keys=True, default=str)
    return len(text), sum(abs(int(n)) for n in _DIGITS.findall(text))


_DIGITS = re.compile(r"\d+")


async def shrink(
    problem: Problem,
    x: Any,
    programs: tuple[str, str],
    results: tuple[ExecResult, ExecResult],
    execute: Execute,
    key: Key,
    *,
    rounds: int = 6,
    per_round: int = 12,
) -> tuple[Any, ExecResult, ExecResult]:
    """The smallest input found, at most ``rounds`` steps from ``x``, on which the two
    ``programs`` still differ, with their results there (``x`` itself when nothing
    smaller does). Each round runs both programs once, on at most ``per_round``
    smaller inputs."""
    floor = _floor(problem)
    ra, rb = results
    for _ in range(rounds):
        tried = [y for y in smaller(problem, x, floor) if size(y) < size(x)][:per_round]
        if not tried:
            break
        out_a = await execute(programs[0], tried)
        out_b = await execute(programs[1], tried)
        kept = [
            (y, a, b)
            for y, a, b in zip(tried, out_a, out_b, strict=True)
            # Still apart, and nobody newly crashed: a crash on a smaller input says
            # more likely "invalid input" than "wrong program".
            if key(a) != key(b) and a.ok >= ra.ok and b.ok >= rb.ok
        ]
        if not kept:
            break
        x, ra, rb = min(kept, key=lambda t: size(t[0]))
    return x, ra, rb


def _floor(problem: Problem) -> int:
    """The least a shrunk positive integer may become: the smallest stated lower bound
    when it is above 1 (``2 <= n``), else 1. Zero and the negatives are where mutation
    already goes; shrinking is for making inputs readable, not for new edges."""
    lower = [b for b in statement_bounds(problem.prompt).lower if b >= 1]
    return min(lower) if lower else 1


def smaller(problem: Problem, x: Any, floor: int = 1) -> list[Any]:
    """Inputs one step smaller than ``x``, in its shape, smallest first."""
    if problem.kind == "stdin" and isinstance(x, str):
        found = list(_stdin_smaller(x, floor))
    elif problem.kind == "function" and isinstance(x, list):
        found = [[*x[:i], y, *x[i + 1 :]] for i, v in enumerate(x) for y in _value(v, floor)]
    else:
        found = []
    unique = {json.dumps(y, sort_keys=True, default=str): y for y in found}
    return sorted(unique.values(), key=size)


def _int(n: int, floor: int) -> Iterator[int]:
    """Towards zero, never across it and, for a positive number, not below ``floor``."""
    if n > 0:
        for m in (floor, n // 10, n // 2, n - 1):
            if floor <= m < n:
                yield m
    elif n < 0:
        for m in (-1, -(-n // 10), -(-n // 2), n + 1):
            if n < m < 0:
                yield m


def _value(v: Any, floor: int, depth: int = 0) -> Iterator[Any]:
    if isinstance(v, bool):
        return
    if isinstance(v, int):
        yield from _int(v, floor)
    elif isinstance(v, float):
        if abs(v) >= 1:
            yield float(int(v / 2))
            yield float(round(v))
    elif isinstance(v, str | list) and v:
        n = len(v)
        yield v[: n // 2]
        yield v[n // 2 :]
        for i in sorted({0, n // 2, n - 1}):
            yield v[:i] + v[i + 1 :]
        if isinstance(v, list) and depth < 2:
            for i in sorted({0, n - 1}):
                for y in _value(v[i], floor, depth + 1):
                    yield [*v[:i], y, *v[i + 1 :]]
    elif isinstance(v, dict) and v:
        last = list(v)[-1]
        yield {k: w for k, w in v.items() if k != last}


def _stdin_smaller(text: str, floor: int) -> Iterator[str]:
    lines = text.split("\n")
    counts = count_positions(lines)
    rows = [line.split() for line in lines]
    # A counted list one shorter, its count lowered with it.
    for li, ti in sorted(counts):
        n = int(rows[li][ti])
        if n < 2:
            continue
        lowered = _with_token(rows, li, ti, str(n - 1))
        if li + 1 < len(rows) and len(rows[li + 1]) == n:  # n tokens on the next line
            for j in sorted({0, n // 2, n - 1}):
                yield _joined(_with_row(lowered, li + 1, rows[li + 1][:j] + rows[li + 1][j + 1 :]))
        filled = [k for k in range(li + 1, len(rows)) if rows[k]]
        if len(filled) == n:  # n lines after it
            for k in sorted({filled[0], filled[-1]}):
                yield _joined(lowered[:k] + lowered[k + 1 :])
    # One number at a time, towards zero.
    for li, tokens in enumerate(rows):
        for ti, token in enumerate(tokens):
            if (li, ti) in counts or not token.lstrip("-").isdigit():
                continue
            for m in _int(int(token), floor):
                yield _joined(_with_token(rows, li, ti, str(m)))
        if len(tokens) == 1 and not tokens[0].lstrip("-").isdigit() and len(tokens[0]) > 1:
            # One word on its line, such as a string to scan, unless a count says how long.
            counted = li > 0 and str(len(tokens[0])) in rows[li - 1]
            if not counted:
                w = tokens[0]
                for y in (w[: len(w) // 2], w[len(w) // 2 :], w[1:], w[:-1]):
                    yield _joined(_with_row(rows, li, [y]))


def _with_token(rows: list[list[str]], li: int, ti: int, token: str) -> list[list[str]]:
    return _with_row(rows, li, [*rows[li][:ti], token, *rows[li][ti + 1 :]])


def _with_row(rows: list[list[str]], li: int, row: list[str]) -> list[list[str]]:
    return [*rows[:li], row, *rows[li + 1 :]]


def _joined(rows: list[list[str]]) -> str:
    return "\n".join(" ".join(r) for r in rows)
