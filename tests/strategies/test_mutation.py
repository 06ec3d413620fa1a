"""Mutation of the public inputs: same shapes and types, counts kept, no model."""

from __future__ import annotations

from typing import Any

from agentsstar.problem import problem_from_dict
from agentsstar.strategies.selection._bounds import statement_bounds
from agentsstar.strategies.selection._mutation import mutants, value_mutants


def function_problem(*inputs: list[Any]) -> Any:
    return problem_from_dict(
        {
            "id": "f",
            "prompt": "p",
            "kind": "function",
            "entry_point": "f",
            "public_tests": [{"input": x, "output": 0} for x in inputs],
        },
        source="test",
    )


def stdin_problem(*inputs: str) -> Any:
    return problem_from_dict(
        {
            "id": "s",
            "prompt": "p",
            "kind": "stdin",
            "public_tests": [{"input": x, "output": "0\n"} for x in inputs],
        },
        source="test",
    )


def shape(value: Any) -> Any:
    """The type structure of a value, ignoring lengths."""
    if isinstance(value, list):
        return ("list", {shape(v) for v in value} - {("list", frozenset())})
    return type(value).__name__


def test_function_mutants_keep_arity_and_argument_types() -> None:
    problem = function_problem([[3, 1, 2], "abc", 4, True], [[5], "x", 0, False])
    found = mutants(problem, limit=200)
    assert len(found) > 40
    for args in found:
        assert len(args) == 4
        assert isinstance(args[0], list) and all(type(v) is int for v in args[0])
        assert isinstance(args[1], str)
        assert type(args[2]) is int
        assert type(args[3]) is bool
    originals = [t.input for t in problem.public_tests]
    assert not any(m in originals for m in found)
    assert len({repr(m) for m in found}) == len(found)


def test_mutants_include_edges_and_are_reproducible() -> None:
    problem = function_problem([[3, 1, 2], 4])
    found = mutants(problem, limit=500)
    assert [[], 4] in found  # emptied list
    assert [[1, 2, 3], 4] in found  # sorted
    assert [[3, 1, 2], 0] in found and [[3, 1, 2], -4] in found  # zeroed, negated
    assert mutants(problem, limit=500, seed=1) == mutants(problem, limit=500, seed=1)
    assert len(mutants(problem, limit=5)) == 5


def test_nested_values_are_mutated_recursively() -> None:
    nested = list(value_mutants([[1, 2], [3]]))
    assert [[1, 2, 2], [3]] in nested  # the first element's last value duplicated
    assert [] in nested


def test_stdin_mutants_keep_lines_and_counts() -> None:
    problem = stdin_problem("3\n5 1 4\n", "2\n7 7\n")
    found = mutants(problem, limit=300)
    assert found
    for text in found:
        lines = text.split("\n")
        count, values = int(lines[0]), lines[1].split()
        assert count == len(values)  # the count still matches its line
        assert count in (3, 2)  # counts are never perturbed
        assert text.endswith("\n") and len(lines) == 3
    assert "3\n6 1 4\n" in found  # a number nudged
    assert "3\n4 1 5\n" in found  # a line reversed


def test_stdin_mutants_of_a_line_of_words() -> None:
    problem = stdin_problem("hello world\n")
    found = mutants(problem, limit=50)
    assert "world hello\n" in found and "hello\n" in found


def test_a_problem_without_public_tests_has_no_mutants() -> None:
    assert mutants(stdin_problem(), limit=10) == []


def test_bounds_are_read_as_statements_write_them() -> None:
    cases = {
        "Given n (0 <= n <= 10^18), print": ((0,), (10**18,)),
        "1 ≤ n ≤ 2·10^5": ((1,), (200_000,)),
        r"$1 \le k \le 10^{5}$": ((1,), (100_000,)),
        "-10^6 <= a_i <= 10^6 and 1 <= n <= 1000": ((-(10**6), 1), (10**6, 1000)),
        "0 < x < 100": ((1,), (99,)),  # strict bounds: the first values allowed
        "n >= 2 and n <= 2 * 10**5": ((2,), (200_000,)),
        "Return the sum.": ((), ()),
    }
    for text, (lower, upper) in cases.items():
        b = statement_bounds(text)
        assert (b.lower, b.upper) == (lower, upper), text


def test_numbers_are_pushed_to_the_stated_bounds_early() -> None:
    # A float square root is right on the public inputs and wrong near 10^18.
    problem = stdin_problem("10\n", "1000000\n").model_copy(
        update={"prompt": "Given n (0 <= n <= 10^18), print the integer square root."}
    )
    found = mutants(problem, limit=8)
    assert found[0] == "1000000000000000000\n"  # each public input's first mutant
    assert {"999999999999999999\n", "0\n"} < set(found)
    # Taking turns with the other mutants: the edges never crowd those out.
    assert len(set(found) - {"1000000000000000000\n", "999999999999999999\n", "0\n"}) == 5
    args = function_problem([5, "x"]).model_copy(update={"prompt": "1 <= k <= 10^9"})
    found = mutants(args, limit=6)
    assert found[0::2][:2] == [[10**9, "x"], [10**9 - 1, "x"]] and [1, "x"] in found


def test_stdin_edges_keep_counts_and_push_all_numbers_at_once() -> None:
    problem = stdin_problem("2\n7 8\n").model_copy(update={"prompt": "1 <= a_i <= 100"})
    found = mutants(problem, limit=100)
    assert "2\n100 8\n" in found and "2\n100 100\n" in found and "2\n1 1\n" in found
    assert all(text.startswith("2\n") for text in found)  # the count is never pushed


def test_a_single_word_line_is_mutated_as_a_string() -> None:
    # The longest block at the end of the string, where the public input has none.
    found = mutants(stdin_problem("aabbbc\n"), limit=100)
    assert "aabbb\n" in found and "cbbbaa\n" in found


def test_a_dict_mixing_int_and_str_keys_is_mutated_not_a_crash() -> None:
    # HumanEval/95's public inputs hold dicts such as {"a": "apple", 8: "banana"};
    # their keys do not sort against each other, and that once ended a whole eval.
    problem = function_problem([{"a": "apple", 8: "banana"}], [{"p": "pineapple"}])
    found = mutants(problem, limit=50)
    assert found
    assert [{"a": "apple"}] in found or [{8: "banana"}] in found
    assert all(len(args) == 1 and isinstance(args[0], dict) for args in found)
    assert len({repr(m) for m in found}) == len(found)
