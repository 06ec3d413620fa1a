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


def test_input_output_blocks_name_arguments_in_the_signatures_order() -> None:
    doc = """
    Example 1:
        Input: k = 3, arr = [-3, -4, 5]
        Output: [-4, -3, 5]

    Example 2:
        Input: arr = [111, 21, 3], k = 2

        Output: 132 # sum of 111 + 21
    Example 3:
        Input: [1], 1
        Output: [1]
    Input: arr = [1]
    Output: [1]
    Input: arr = [1], k = 1, extra = 2
    Output: [1]
    """
    assert parse_examples(doc, "f", ["arr", "k"]) == [
        Example(args=[[-3, -4, 5], 3], expected=[-4, -3, 5]),
        Example(args=[[111, 21, 3], 2], expected=132),
        Example(args=[[1], 1], expected=[1]),
        # a parameter missing, or one the function does not have: skipped
    ]
    # Without the parameter names, named arguments cannot be placed.
    assert parse_examples(doc, "f") == []


def test_for_the_result_lines_and_prose_lead_ins() -> None:
    doc = """
    For s = "abcde", c = "ae", the result should be ('bcd',False)
    For s = "abcdef", c = "b"  the result should be ('acdef',False)
    For lst = [1,2,3] the output should be 14
    for f("x", "y") == 'xy'
    assert f("a", "b") => "ab"
    f("c", "d") # => 'cd'
    f("e", "f") => true
    """
    assert [(e.args, e.expected) for e in parse_examples(doc, "f", ["s", "c"])] == [
        (["abcde", "ae"], ["bcd", False]),
        (["abcdef", "b"], ["acdef", False]),
        # "lst" is not a parameter of f(s, c): skipped
        (["x", "y"], "xy"),
        (["a", "b"], "ab"),
        (["c", "d"], "cd"),
        (["e", "f"], True),
    ]


def test_a_bare_equals_is_an_example_unless_the_docstring_states_a_formula() -> None:
    plain = """
    choose(12, 15) = 14
    choose(13, 12) = -1
    """
    assert [(e.args, e.expected) for e in parse_examples(plain, "choose")] == [
        ([12, 15], 14),
        ([13, 12], -1),
    ]
    # tri's docstring defines tri with "=", so its "tri(4) = 3" is not tri's return.
    formula = """
    tri(1) = 3
    tri(n) = 1 + n / 2, if n is even.
    tri(4) = 3
    tri(3) == [1, 3, 2, 8]
    """
    assert [(e.args, e.expected) for e in parse_examples(formula, "tri")] == [([3], [1, 3, 2, 8])]
