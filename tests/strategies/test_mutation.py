"""Mutation of the public inputs: same shapes and types, counts kept, no model."""

from __future__ import annotations

from typing import Any

from agentsstar.problem import problem_from_dict
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
