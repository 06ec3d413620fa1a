"""Test inputs made by mutating the public tests' inputs: no model call at all.

A small model writes weak test inputs, but the public inputs are valid by
construction, and small changes to them (a number nudged or pushed to zero, a list
emptied or reversed, a string shortened) are where wrong programs part from right
ones. Mutations keep each input's shape: a function's argument list keeps its arity
and each argument its type; a stdin input keeps its lines and the numbers that count
what follows. Which mutants matter is decided by execution (those that split the pool
are kept), never by guessing.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from agentsstar.problem import Problem
from agentsstar.strategies.selection._bounds import Bounds, pushed, statement_bounds
from agentsstar.strategies.selection._parse import input_key as _key

MAX_CHARS = 20_000  # larger mutants are dropped, like model-written inputs


def mutants(problem: Problem, *, limit: int, seed: int = 0) -> list[Any]:
    """Up to ``limit`` distinct mutants of the public inputs, in a seeded order that
    takes each public input's mutants in turn."""
    originals = [t.input for t in problem.public_tests]
    seen = {_key(x) for x in originals}
    bounds = statement_bounds(problem.prompt)
    per_input: list[list[Any]] = []
    for original in originals:
        found: list[Any]
        edges: list[Any]
        if problem.kind == "stdin" and isinstance(original, str):
            found = list(_stdin_mutants(original))
            edges = list(_stdin_edges(original, bounds))
        elif problem.kind == "function" and isinstance(original, list):
            found = [list(args) for args in _argument_mutants(original)]
            edges = [list(args) for args in _argument_mutants(original, _edges(bounds))]
        else:
            found, edges = [], []
        rng = random.Random(f"{seed}:{_key(original)}")
        rng.shuffle(found)
        # The stated edges early, where the public inputs never go, but taking turns
        # with the other mutants so they never crowd those out of the budget.
        per_input.append(list(_interleave([edges, found])))
    out: list[Any] = []
    # Round-robin over the public inputs, so every one contributes early.
    for row in _interleave(per_input):
        key = _key(row)
        if key in seen or len(key) > MAX_CHARS:
            continue
        seen.add(key)
        out.append(row)
        if len(out) >= limit:
            break
    return out


def _interleave(lists: Sequence[Sequence[Any]]) -> Iterator[Any]:
    for i in range(max((len(x) for x in lists), default=0)):
        for x in lists:
            if i < len(x):
                yield x[i]


# --- function arguments -------------------------------------------------------------


def _argument_mutants(
    args: list[Any], changes: Callable[[Any], Iterable[Any]] | None = None
) -> Iterator[tuple[Any, ...]]:
    """Each argument changed alone (by ``changes``, else ``value_mutants``), the
    others kept."""
    for i, value in enumerate(args):
        for changed in (changes or value_mutants)(value):
            yield (*args[:i], changed, *args[i + 1 :])


def _edges(bounds: Bounds) -> Callable[[Any], list[int]]:
    """An integer argument pushed to the statement's bounds (other values: none)."""

    def change(value: Any) -> list[int]:
        if isinstance(value, int) and not isinstance(value, bool):
            return pushed(value, bounds)
        return []

    return change


def value_mutants(value: Any, depth: int = 0) -> Iterator[Any]:
    """Values of the same type as ``value``, near it and at its edges."""
    if isinstance(value, bool):
        yield not value
    elif isinstance(value, int):
        yield from _int_mutants(value)
    elif isinstance(value, float):
        yield from (value + 0.5, value - 0.5, 0.0, -value, value * 2, round(value))
    elif isinstance(value, str):
        yield from _sequence_mutants(value, "", depth)
    elif isinstance(value, list):
        yield from _sequence_mutants(value, [], depth)
    elif isinstance(value, dict) and value:
        first = next(iter(value))
        yield {k: v for k, v in value.items() if k != first}
        if depth < 2:
            for changed in value_mutants(value[first], depth + 1):
                yield {**value, first: changed}


def _int_mutants(n: int) -> Iterator[int]:
    yield from (n + 1, n - 1, 0, 1, -n, n * 2, n // 2)
    if abs(n) < 10**6:
        yield n * 10 + 7  # a larger value of the same sign
    yield -1


def _sequence_mutants(seq: Any, empty: Any, depth: int) -> Iterator[Any]:
    n = len(seq)
    yield empty
    if n:
        yield seq[:1]
        yield seq[:-1]
        yield seq[::-1]
        yield seq + seq[-1:]  # last element duplicated
        yield seq + seq
        yield seq[1:]
    if isinstance(seq, str):
        yield "".join(dict.fromkeys(seq))  # duplicates removed, order kept
        if seq != seq.upper():
            yield seq.upper()
        if " " in seq:
            yield " ".join(seq.split())
            yield seq.replace(" ", "  ")
        return
    try:
        yield sorted(seq)
        yield sorted(seq, reverse=True)
    except TypeError:
        pass  # mixed types do not sort
    unique = [x for i, x in enumerate(seq) if x not in seq[:i]]
    if len(unique) != n:
        yield unique
    if n and depth < 2:  # nested values: the first element mutated, recursively
        for changed in value_mutants(seq[0], depth + 1):
            yield [changed, *seq[1:]]


# --- standard input -----------------------------------------------------------------

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _stdin_mutants(text: str) -> Iterator[str]:
    """Numbers perturbed one at a time (counts left alone), and lines of several
    numbers reordered, so the shape of the input is kept."""
    lines = text.split("\n")
    counts = count_positions(lines)
    for li, line in enumerate(lines):
        tokens = line.split()
        for ti, token in enumerate(tokens):
            if (li, ti) in counts or not _NUMBER.fullmatch(token):
                continue
            for changed in _number_mutants(token):
                new = [*tokens[:ti], changed, *tokens[ti + 1 :]]
                yield _replace_line(lines, li, " ".join(new))
        numeric = [t for t in tokens if _NUMBER.fullmatch(t)]
        has_counts = any((li, t) in counts for t in range(len(tokens)))
        if len(numeric) == len(tokens) > 1 and not has_counts:
            for order in _orders(tokens):
                yield _replace_line(lines, li, " ".join(order))
        elif not numeric and tokens:
            # A line of words: its length is free unless a count on the line before
            # says how many there are.
            counted = li > 0 and str(len(tokens)) in lines[li - 1].split()
            yield from (_replace_line(lines, li, w) for w in _word_mutants(tokens, counted))
            if len(tokens) == 1 and not counted:
                # One word, such as a string to scan: mutated as a string (its last
                # letter dropped or repeated, reversed, ...), never emptied.
                for word in _sequence_mutants(tokens[0], "", 0):
                    if word and word != tokens[0]:
                        yield _replace_line(lines, li, word)
    # Every (non-count) number at once, for a mutant unlike any single change.
    for change in (_plus_one, functools.partial(_set_int, "0")):
        yield _map_numbers(lines, counts, change)


def _stdin_edges(text: str, bounds: Bounds) -> Iterator[str]:
    """Numbers (counts left alone) pushed to the statement's bounds: one at a time,
    then all at once to the largest and to the smallest."""
    lines = text.split("\n")
    counts = count_positions(lines)
    for li, line in enumerate(lines):
        tokens = line.split()
        for ti, token in enumerate(tokens):
            if (li, ti) in counts or not token.lstrip("-").isdigit():
                continue
            for changed in pushed(int(token), bounds):
                new = [*tokens[:ti], str(changed), *tokens[ti + 1 :]]
                yield _replace_line(lines, li, " ".join(new))
    for edge in bounds.upper[:1] + bounds.lower[:1]:
        yield _map_numbers(lines, counts, functools.partial(_set_int, str(edge)))


def _word_mutants(tokens: list[str], counted: bool) -> Iterator[str]:
    if len(tokens) > 1:
        yield " ".join(tokens[::-1])
        yield " ".join(sorted(tokens))
    if not counted:
        yield tokens[0]
        yield " ".join([*tokens, tokens[-1]])
        yield " ".join(tokens[1:])
        yield "   ".join(tokens)  # runs of spaces between the same words
    yield " ".join(t.upper() for t in tokens)


def count_positions(lines: list[str]) -> set[tuple[int, int]]:
    """Tokens that look like counts: an integer equal to the number of tokens on the
    next line, or to the number of non-empty lines after it. Changing those would make
    the input malformed, not tricky."""
    out: set[tuple[int, int]] = set()
    rest = [ln for ln in lines if ln.strip()]
    for li, line in enumerate(lines):
        tokens = line.split()
        after = len([ln for ln in lines[li + 1 :] if ln.strip()])
        following = lines[li + 1].split() if li + 1 < len(lines) else []
        for ti, token in enumerate(tokens):
            if not token.lstrip("-").isdigit():
                continue
            n = int(token)
            if n in (len(following), after) or (li == 0 and ti == 0 and n == len(rest) - 1):
                out.add((li, ti))
    return out


def _number_mutants(token: str) -> Iterator[str]:
    if "." in token:
        value = float(token)
        for v in (value + 0.5, value - 0.5, 0.0, value * 2):
            yield f"{v:g}"
        return
    for v in _int_mutants(int(token)):
        yield str(v)


def _orders(tokens: list[str]) -> Iterator[list[str]]:
    yield tokens[::-1]
    yield sorted(tokens, key=float)
    yield sorted(tokens, key=float, reverse=True)


def _replace_line(lines: list[str], index: int, line: str) -> str:
    return "\n".join([*lines[:index], line, *lines[index + 1 :]])


def _plus_one(token: str) -> str:
    return str(int(token) + 1) if token.lstrip("-").isdigit() else token


def _set_int(value: str, token: str) -> str:
    return value if token.lstrip("-").isdigit() else token


def _map_numbers(lines: list[str], counts: set[tuple[int, int]], fn: Callable[[str], str]) -> str:
    out = []
    for li, line in enumerate(lines):
        tokens = line.split()
        new = [t if (li, ti) in counts else fn(t) for ti, t in enumerate(tokens)]
        out.append(" ".join(new) if tokens else line)
    return "\n".join(out)
