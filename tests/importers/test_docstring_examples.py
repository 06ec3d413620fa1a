"""Docstring examples -> function tests: what parses, and what is refused."""

from __future__ import annotations

from agentsstar.importers._examples import Example, parse_examples


def test_doctest_examples_with_multiline_output_and_none() -> None:
    doc = """Pairs.
    >>> f([1, 2],
    ...   3)
    [[1, 2],
     3]
    >>> f([], 0)

    >>> f((1, 2), 'x')
    ('x', 1)
    """
    assert parse_examples(doc, "f") == [
        Example(args=[[1, 2], 3], expected=[[1, 2], 3]),
        Example(args=[[], 0], expected=None),  # doctest prints nothing for None
        Example(args=[[1, 2], "x"], expected=["x", 1]),  # tuples are lists in JSON
    ]


def test_comparison_and_prose_forms() -> None:
    doc = """
    >>> f(1) == 2
    >>> f(2) == 3
    True

    f(3) ==> 4
    f(4) ➞ [4]
    * f(5) => 'five'
    f(6) should return 7.
    f(7)   # returns "db"
    f(8) -> 9 # a comment
    """
    assert [(e.args, e.expected) for e in parse_examples(doc, "f")] == [
        ([1], 2),
        ([2], 3),
        ([3], 4),
        ([4], [4]),
        ([5], "five"),
        ([6], 7),
        ([7], "db"),
        ([8], 9),
    ]


def test_anything_not_a_literal_call_of_the_entry_point_is_skipped() -> None:
    doc = """
    >>> round(f(1), 2)
    0.5
    >>> g(1)
    2
    >>> f(x)
    1
    >>> f(1, key=2)
    1
    >>> f(1); f(2)
    1
    >>> print(f(1))
    hello world
    >>> f(__import__('os').system('true'))
    0
    >>> f(1)
    Traceback (most recent call last):
    >>> f({1, 2})
    2
    >>> f(1)
    {1, 2}
    >>> f(1)
    nan
    >>> f(1)
    {1: 'a'}
    tri(4) = 3
    f(2) = 3
    f(is) true
    """
    assert parse_examples(doc, "f") == []


def test_prose_line_stops_at_the_first_closing_call() -> None:
    assert parse_examples("f(')', [1, (2)]) == ')'", "f") == [
        Example(args=[")", [1, 2]], expected=")")
    ]
