"""Comparing an actual output with the expected one, in the harness.

Nothing here runs inside a candidate's interpreter: stdin programs are judged on the
text they printed and function programs on the JSON text of their return value,
parsed here. An object with a lying ``__eq__`` never reaches this module.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from agentsstar.problem import Checker

# A token is compared with tolerance only if the *expected* token is clearly a real
# number (has a fraction or an exponent); "3" vs "3.0" stays an exact comparison,
# which is what judges do for integer answers.
_REAL = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+(\.\d*)?[eE][+-]?\d+)$")


def _close(actual: float, expected: float, checker: Checker) -> bool:
    if math.isnan(expected) or math.isnan(actual):
        return math.isnan(expected) and math.isnan(actual)
    return math.isclose(actual, expected, rel_tol=checker.rel_tol, abs_tol=checker.abs_tol)


def _token_equal(actual: str, expected: str, checker: Checker) -> bool:
    if actual == expected:
        return True
    if _REAL.match(expected):
        try:
            return _close(float(actual), float(expected), checker)
        except ValueError:
            return False
    return False


def stdout_matches(actual: str, expected: str, checker: Checker) -> bool:
    """True when printed ``actual`` is an acceptable answer for ``expected``."""
    if checker.mode == "exact":
        return actual == expected
    if checker.mode == "lines":
        a = [line.rstrip() for line in actual.rstrip().splitlines()]
        e = [line.rstrip() for line in expected.rstrip().splitlines()]
        return a == e
    a_tokens, e_tokens = actual.split(), expected.split()
    return len(a_tokens) == len(e_tokens) and all(
        _token_equal(a, e, checker) for a, e in zip(a_tokens, e_tokens, strict=True)
    )


def values_equal(actual: Any, expected: Any, checker: Checker) -> bool:
    """JSON-value equality: tuples as lists, floats within tolerance, recursively.

    Booleans are not numbers here (``True`` does not equal ``1``), because a function
    that returns ``1`` where ``True`` was expected is usually a different answer.
    """
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and actual == expected
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        if isinstance(expected, int) and isinstance(actual, int):
            return actual == expected
        return _close(float(actual), float(expected), checker)
    if isinstance(expected, list | tuple) and isinstance(actual, list | tuple):
        return len(actual) == len(expected) and all(
            values_equal(a, e, checker) for a, e in zip(actual, expected, strict=True)
        )
    if isinstance(expected, dict) and isinstance(actual, dict):
        return actual.keys() == expected.keys() and all(
            values_equal(actual[k], expected[k], checker) for k in expected
        )
    return type(actual) is type(expected) and bool(actual == expected)


def value_matches(actual_json: str | None, expected: Any, checker: Checker) -> bool:
    """Compare the JSON text a function returned with the expected JSON value."""
    if actual_json is None:
        return False
    try:
        actual = json.loads(actual_json)
    except (json.JSONDecodeError, RecursionError):
        return False
    return values_equal(actual, expected, checker)


def output_key(stdout: str | None, value: str | None, kind: str) -> str:
    """A canonical form of an output, for clustering candidates by behaviour.

    Whitespace differences in printed output and formatting differences in JSON do
    not split clusters.
    """
    if kind == "function":
        if value is None:
            return "<no value>"
        try:
            return json.dumps(json.loads(value), sort_keys=True, separators=(",", ":"))
        except (json.JSONDecodeError, RecursionError):
            return value
    return " ".join((stdout or "").split())
