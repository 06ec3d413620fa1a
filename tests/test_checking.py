from __future__ import annotations

import pytest

from agentsstar.checking import output_key, stdout_matches, value_matches, values_equal
from agentsstar.problem import Checker

TOK = Checker()


@pytest.mark.parametrize(
    ("actual", "expected", "ok"),
    [
        ("1 2 3\n", "1 2 3\n", True),
        ("1  2\n3", "1 2 3\n", True),  # whitespace-insensitive tokens
        ("0.3333333", "0.333333333", True),  # float within tolerance
        ("0.3334", "0.3333", False),
        ("3.0", "3", False),  # integer answers compare exactly
        ("1e-7", "0.0000001", True),
        ("yes", "YES", False),
        ("1 2", "1 2 3", False),
        ("nan", "nan", True),
    ],
)
def test_tokens(actual: str, expected: str, ok: bool) -> None:
    assert stdout_matches(actual, expected, TOK) is ok


def test_lines_and_exact_modes() -> None:
    lines = Checker(mode="lines")
    assert stdout_matches("a b  \nc\n\n", "a b\nc", lines)
    assert not stdout_matches("a  b\nc", "a b\nc", lines)
    exact = Checker(mode="exact")
    assert stdout_matches("x\n", "x\n", exact) and not stdout_matches("x", "x\n", exact)


def test_values() -> None:
    assert value_matches("[1, 2]", [1, 2], TOK)
    assert value_matches('{"a": [0.1000000001]}', {"a": [0.1]}, TOK)
    assert not value_matches("1", True, TOK)  # bool is not a number here
    assert not value_matches("true", 1, TOK)
    assert value_matches("2.0", 2, TOK)
    assert not value_matches(None, 1, TOK)
    assert not value_matches("not json", "not json", TOK)
    assert not values_equal([1, 2], [1, 2, 3], TOK)
    assert not values_equal({"a": 1}, {"a": 1, "b": 2}, TOK)


def test_output_key_normalises() -> None:
    assert output_key("1  2\n", None, "stdin") == output_key("1 2", None, "stdin")
    assert output_key("", '{"b":1, "a":2}', "function") == output_key(
        "", '{"a": 2, "b": 1}', "function"
    )
