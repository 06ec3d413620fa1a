"""Judging by prediction: a stated output is a vote for the program that really gave
it, under the problem's own checker, and for nobody otherwise."""

from __future__ import annotations

import pytest

from agentsstar.extract import extract_answer, read_literal
from agentsstar.problem import Checker, Problem, TestCase
from agentsstar.sandboxes.base import ExecResult, Verdict
from agentsstar.strategies.selection._inputs import reading_order
from agentsstar.strategies.selection._predict import matches, vote_for


def stdin_problem(**extra: object) -> Problem:
    return Problem(
        id="p", prompt="Print the sum.", kind="stdin",
        public_tests=[TestCase(input="1 2\n", output="3\n")], **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def function_problem() -> Problem:
    return Problem(
        id="f", prompt="Return it.", kind="function", entry_point="f",
        public_tests=[TestCase(input=[1], output=1)],
    )  # fmt: skip


def printed(text: str) -> ExecResult:
    return ExecResult(Verdict.OK, stdout=text)


def returned(json_text: str) -> ExecResult:
    return ExecResult(Verdict.OK, value=json_text)


@pytest.mark.parametrize(
    ("reply", "answer"),
    [
        ("```\n0\n```", "0"),
        ("Let me think.\n```text\n1 2\n3\n```\nDone.", "1 2\n3"),
        ("Output: 5", "5"),
        ("The expected output is 7", "7"),
        ("", ""),
    ],
)
def test_the_answer_is_the_first_block_or_the_last_line(reply: str, answer: str) -> None:
    assert extract_answer(reply) == answer


def test_read_literal_takes_json_and_python_literals_and_evaluates_nothing() -> None:
    assert read_literal("[1, 2]") == (True, [1, 2])
    assert read_literal("('a', None, True)") == (True, ["a", None, True])
    assert read_literal("None") == (True, None)
    assert read_literal("__import__('os')") == (False, None)
    assert read_literal("x + 1") == (False, None)


def test_stdin_predictions_compare_as_the_checker_does() -> None:
    p = stdin_problem()
    assert matches(p, "3", printed("3\n"))
    assert matches(p, "1  2\n3", printed("1 2 3\n"))  # token mode: whitespace is free
    assert not matches(p, "4", printed("3\n"))
    lines = stdin_problem(checker=Checker(mode="lines"))
    assert not matches(lines, "1 2 3", printed("1 2\n3\n"))


def test_function_predictions_compare_values_with_tolerance() -> None:
    p = function_problem()
    assert matches(p, "[1, 2]", returned("[1, 2]"))
    assert matches(p, "(1, 2)", returned("[1, 2]"))  # a tuple is returned as a list
    assert matches(p, "0.30000001", returned("0.3"))
    assert not matches(p, "True", returned("1"))  # a bool is not a number
    assert not matches(p, "'3'", returned("3"))
    assert not matches(p, "len(x)", returned("3"))  # not a literal: no vote


def test_a_crash_or_an_empty_answer_matches_nothing() -> None:
    p = stdin_problem()
    crashed = ExecResult(Verdict.RUNTIME_ERROR, stdout="", error="ZeroDivisionError")
    assert not matches(p, "", crashed)
    assert not matches(p, "", printed(""))
    assert vote_for(p, "3", crashed, printed("3\n")) == "b"


def test_a_vote_needs_exactly_one_program_to_match() -> None:
    p = stdin_problem()
    assert vote_for(p, "3", printed("3\n"), printed("4\n")) == "a"
    assert vote_for(p, "4", printed("3\n"), printed("4\n")) == "b"
    assert vote_for(p, "5", printed("3\n"), printed("4\n")) == "none"
    # Under a loose checker an answer may match both: that tells them apart no better.
    loose = stdin_problem(checker=Checker(mode="tokens", abs_tol=1.0))
    assert vote_for(loose, "3.5", printed("3\n"), printed("4\n")) == "none"


def test_inputs_in_the_public_inputs_characters_are_read_first_then_the_shortest() -> None:
    problem = Problem(
        id="caesar", prompt="Shift a lower-case word by k.", kind="stdin",
        public_tests=[TestCase(input="3\nxyz\n", output="abc\n")],
    )  # fmt: skip
    order = reading_order(problem)
    # Upper case and a minus sign are characters no public input uses.
    xs = ["1\nABC\n", "37\nxyz\n", "-1\nab\n", "1\nab\n", "3\nxyz xyz\n"]
    # (The last two are as long as each other, so they keep their order.)
    assert sorted(xs, key=order) == ["1\nab\n", "37\nxyz\n", "3\nxyz xyz\n", "1\nABC\n", "-1\nab\n"]
    assert [order(x)[0] for x in xs] == [True, False, True, False, False]


def test_function_arguments_are_read_by_their_json_text() -> None:
    order = reading_order(function_problem())  # public input [1]
    assert not order([7])[0] and order([-7])[0] and order(["a"])[0]
