"""Synthesised inputs: the reply shapes a small model really writes are read as it
meant them, the rest is dropped with a reason, and a record with no usable input says
so instead of claiming the candidates agree."""

from __future__ import annotations

from typing import Any

import pytest

from agentsstar import prompts
from agentsstar.model import Model
from agentsstar.pipeline import solve
from agentsstar.problem import Problem, TestCase
from agentsstar.sandboxes.local import LocalSandbox
from agentsstar.strategies.revision.self_debug import NoRevision
from agentsstar.strategies.sampling.temperature import TemperatureSampling
from agentsstar.strategies.selection._parse import parse_inputs
from agentsstar.strategies.selection.codet import CodeTSelection
from agentsstar.strategies.selection.majority import MajoritySelection
from agentsstar.strategies.selection.sstar import SStarSelection

from .world import CORRECT, WRONG_LEN, World, distinct_problem, prefer_set

STDIN = Problem(
    id="sum-max",
    prompt="First line n, second line n integers. Print their sum and their maximum.",
    kind="stdin",
    public_tests=[TestCase(input="2\n4 5\n", output="9 5\n")],
)
# HumanEval-style: one list argument.
SUM = Problem(
    id="sum",
    prompt="Return the sum of the list.",
    kind="function",
    entry_point="total",
    starter_code="def total(numbers: list[int]) -> int:\n",
    public_tests=[TestCase(input=[[1, 2]], output=3)],
)
# One string argument (the function problem of ../shared/SSTAR.md).
PARENS = Problem(
    id="parens",
    prompt="Split the string into balanced groups of parentheses.",
    kind="function",
    entry_point="separate_paren_groups",
    starter_code="def separate_paren_groups(paren_string: str) -> list[str]:\n",
    public_tests=[TestCase(input=["( ) (( ))"], output=["()", "(())"])],
)
# Two arguments of different types.
CLOSE = Problem(
    id="close",
    prompt="Are any two numbers closer than the threshold?",
    kind="function",
    entry_point="has_close_elements",
    starter_code="def has_close_elements(numbers: list[float], threshold: float) -> bool:\n",
    public_tests=[TestCase(input=[[1.0, 2.0, 3.0], 0.5], output=False)],
)
# These tests are about the model-written inputs (S* as published); the other
# input sources have tests of their own (test_sources.py).
MODEL_ONLY = ("model",)


def reasons(problem: Problem, reply: str, limit: int = 8) -> list[str]:
    return [r for _, r in parse_inputs(problem, reply, limit).dropped]


def kept(problem: Problem, reply: str, limit: int = 8) -> list[Any]:
    return parse_inputs(problem, reply, limit).inputs


# -- the raw replies recorded in ../shared/SSTAR.md and issue 15 ----------------------


def test_stdin_objects_shaped_like_tests_give_their_inputs_and_drop_the_outputs() -> None:
    reply = (
        "Here are some tests:\n```json\n"
        '[{"input": "3\\n1 2 3\\n", "output": "6 3"}, {"input": "1\\n-5", "output": "-5 -5"}]'
        "\n```"
    )
    report = parse_inputs(STDIN, reply, 8)
    assert report.inputs == ["3\n1 2 3\n", "1\n-5\n"]
    assert report.parsed == 2 and report.dropped == []


def test_argument_expected_pairs_lose_the_expected_value() -> None:
    # HumanEval probes: a one-list function answered with [arguments, expected].
    reply = "```json\n[[[1, 2, 3], 6], [[], 0], [[-1, 1], 0]]\n```"
    assert kept(SUM, reply) == [[[1, 2, 3]], [[]], [[-1, 1]]]


def test_bare_list_for_a_one_list_function_is_its_argument() -> None:
    assert kept(SUM, "```json\n[[5, 5, 5], [0]]\n```") == [[[5, 5, 5]], [[0]]]


def test_the_generic_example_fits_no_argument_of_a_string_function() -> None:
    # The old prompt's example copied verbatim, without the enclosing brackets.
    report = parse_inputs(PARENS, "[[1, 2, 3], 4], [[], 0]", 8)
    assert report.inputs == []
    assert report.parsed == 2
    assert [r for _, r in report.dropped] == ["wrong arity", "wrong arity"]


def test_strings_for_a_one_string_function() -> None:
    reply = '```json\n["(()) ()", ["((()))"], {"input": "()()"}]\n```'
    assert kept(PARENS, reply) == [["(()) ()"], ["((()))"], ["()()"]]


def test_two_argument_calls_and_their_wrong_types() -> None:
    reply = (
        "```json\n"
        "[[[1.0, 1.05], 0.1], [[[], 0.5], true], [[1, 2], 3, false], [0.5, [1.0]], [[1.0]]]\n"
        "```"
    )
    report = parse_inputs(CLOSE, reply, 8)
    assert report.inputs == [[[1.0, 1.05], 0.1], [[], 0.5], [[1, 2], 3]]
    assert [r for _, r in report.dropped] == ["wrong types", "wrong arity"]


# -- other shapes a small model produces ----------------------------------------------


def test_python_literals_in_a_python_fence() -> None:
    reply = "```python\n[['((', ], ['()()()'], ('))((',)]\n```"
    assert kept(PARENS, reply) == [["(("], ["()()()"], ["))(("]]


def test_python_literal_types_are_checked_like_json() -> None:
    nullable = Problem(
        id="first",
        prompt="Return the first truthy value, or None.",
        kind="function",
        entry_point="first",
        public_tests=[TestCase(input=[[0, None, 3], True], output=3)],
    )
    assert kept(nullable, "[[[None, 1], False], [[2], None]]") == [[[None, 1], False]]


def test_one_input_per_line_with_prose_around() -> None:
    reply = (
        "Sure! Inputs:\n[4, 4, 4]\n[]\n[10, -10]\nThese cover duplicates, an empty list "
        "and cancellation [see above]."
    )
    assert kept(SUM, reply) == [[[4, 4, 4]], [[]], [[10, -10]]]


def test_trailing_prose_after_the_array() -> None:
    reply = '["0\\n\\n", "4\\n1 1 1 1\\n"] are good edge cases because...'
    assert kept(STDIN, reply) == ["0\n\n", "4\n1 1 1 1\n"]


def test_truncated_reply_keeps_the_complete_items() -> None:
    reply = '```json\n[{"input": "3\\n1 2 3\\n"}, {"input": "2\\n7 8\\n"}, {"input": "5\\n1 2'
    report = parse_inputs(STDIN, reply, 8)
    assert report.inputs == ["3\n1 2 3\n", "2\n7 8\n"]
    assert report.truncated
    assert report.record("inputs").truncated


def test_arguments_fields_names_and_calls() -> None:
    reply = (
        '[{"args": [[2.0, 2.1], 0.2]}, {"arguments": [[], 1.0], "expected": false}, '
        '{"numbers": [1.5], "threshold": 0.0}, "has_close_elements([3.0, 3.0], 0.01)"]'
    )
    assert kept(CLOSE, reply) == [[[2.0, 2.1], 0.2], [[], 1.0], [[1.5], 0.0], [[3.0, 3.0], 0.01]]


def test_stdin_line_lists_numbers_and_escaped_line_breaks() -> None:
    reply = '[["2", "1 2"], 7, "3\\\\n1 2 3", {"stdin": "1\\n9\\n"}]'
    assert kept(STDIN, reply) == ["2\n1 2\n", "7\n", "3\n1 2 3\n", "1\n9\n"]


def test_each_unusable_item_has_its_reason() -> None:
    big = "1\n" + "9 " * 12_000
    reply = (
        '["2\\n4 5\\n", "", "1\\n3\\n", "1\\n3\\n", '
        f'{{"output": "3"}}, null, {{"input": {big!r}}}]'.replace("'", '"')
    )
    report = parse_inputs(STDIN, reply, 8)
    assert report.inputs == ["1\n3\n"]
    assert [r for _, r in report.dropped] == [
        "a public test's input",
        "empty",
        "duplicate",
        "object without an input field",
        "not a text input",
        "too large",
    ]


def test_unparseable_and_empty_replies() -> None:
    assert reasons(SUM, "I would test with an empty list and a long list.") == ["unparseable reply"]
    assert reasons(SUM, "") == ["empty reply"]


def test_at_most_the_number_asked_for() -> None:
    report = parse_inputs(SUM, "[[1], [2], [3]]", 2)
    assert report.inputs == [[[1]], [[2]]]
    assert [r for _, r in report.dropped] == ["over the number asked for"]


def test_model_written_outputs_are_never_kept() -> None:
    reply = '[{"input": [[7, 8]], "output": 999}, [[1, 1], 999]]'
    report = parse_inputs(SUM, reply, 8)
    assert report.inputs == [[[7, 8]], [[1, 1]]]
    assert "999" not in repr(report.inputs)


# -- the formats the prompts ask for: calls and plain blocks ----------------------------


def test_calls_one_per_line_in_a_python_block() -> None:
    reply = (
        "```python\nhas_close_elements([1.0, 1.05], 0.1)\nhas_close_elements([], 0.5)\n"
        "has_close_elements(numbers=[2.0, 9.0], threshold=7.0)\n```"
    )
    report = parse_inputs(CLOSE, reply, 8)
    assert report.inputs == [[[1.0, 1.05], 0.1], [[], 0.5], [[2.0, 9.0], 7.0]]
    assert report.dropped == []


def test_calls_in_asserts_prints_and_prose_lose_the_result() -> None:
    reply = (
        "Test cases:\n```python\nassert total([1, 2, 3]) == 6\nprint(total([]))  # 0\n```\n"
        "Also try `total([-5, 5])`, which should return 0."
    )
    assert kept(SUM, reply) == [[[1, 2, 3]], [[]], [[-5, 5]]]


def test_a_definition_is_not_a_call() -> None:
    reply = "```python\ndef total(numbers):\n    return sum(numbers)\n\ntotal([9, 9])\n```"
    assert kept(SUM, reply) == [[[9, 9]]]


def test_repeated_literals_are_folded_and_bounded() -> None:
    reply = "separate_paren_groups('(' * 3 + ')' * 3)\nseparate_paren_groups('()' * 1_000_000)"
    report = parse_inputs(PARENS, reply, 8)
    assert report.inputs == [["((()))"]]
    assert [r for _, r in report.dropped] == ["arguments not literals"]


def test_calls_whose_arguments_are_code_are_dropped_not_run() -> None:
    reply = "total(list(range(5)))\ntotal(__import__('os').getcwd())\ntotal([4])"
    report = parse_inputs(SUM, reply, 8)
    assert report.inputs == [[[4]]]
    assert [r for _, r in report.dropped] == ["arguments not literals"] * 2


def test_a_call_cut_short_by_the_token_limit_is_skipped() -> None:
    reply = "```python\ntotal([1, 1])\ntotal([2, 2])\ntotal([3, 3, 3, 3, 3, 3, 3"
    assert kept(SUM, reply) == [[[1, 1]], [[2, 2]]]


def test_call_arity_types_and_keywords_each_have_their_reason() -> None:
    reply = (
        "has_close_elements([1.0])\nhas_close_elements('x', 'y')\n"
        "has_close_elements([1.0], limit=2.0)\nhas_close_elements([1.0], 2.0, 3.0)\n"
        "has_close_elements([1.0, 1.0], 0.0)"
    )
    report = parse_inputs(CLOSE, reply, 8)
    assert report.inputs == [[[1.0, 1.0], 0.0]]
    assert [r for _, r in report.dropped] == [
        "wrong arity",
        "wrong types",
        "unknown keyword arguments",
        "wrong arity",
    ]
    assert report.dropped[0][0] == "([1.0])"  # shown as the call's arguments


def test_a_list_of_inputs_for_a_one_argument_function_is_opened_up() -> None:
    # A 0.5B habit: all the string inputs in one list, or calls given one list each.
    assert kept(PARENS, '```json\n["", "()", "(()) ()"]\n```') == [[""], ["()"], ["(()) ()"]]
    # A list that is itself one valid argument stays whole.
    assert kept(SUM, "```json\n[[7, 8, 9]]\n```") == [[[7, 8, 9]]]


def test_stdin_plain_blocks_one_input_each() -> None:
    reply = "Here:\n```\n1\n7\n```\n\n```text\n3\n-1 0 1\n```\n\n```\n4\n1 2 3"
    report = parse_inputs(STDIN, reply, 8)
    assert report.inputs == ["1\n7\n", "3\n-1 0 1\n"]
    assert report.truncated  # the last block was left open: not an input


def test_a_python_block_in_a_stdin_reply_is_not_an_input() -> None:
    reply = "```python\nprint(1)\n```\n```\n2\n5 5\n```"
    assert kept(STDIN, reply) == ["2\n5 5\n"]


def test_the_reading_with_the_most_usable_inputs_wins() -> None:
    # Calls that copy the public input, then a JSON list of new inputs.
    reply = "total([1, 2])\n```json\n[[[3]], [[4, 5]]]\n```"
    assert kept(SUM, reply) == [[[3]], [[4, 5]]]
    # A stdin JSON list beside one plain block: the list has more.
    reply = '```\n1\n1\n```\n["2\\n1 1\\n", "3\\n1 1 1\\n"]'
    assert kept(STDIN, reply) == ["2\n1 1\n", "3\n1 1 1\n"]


# -- prompts ---------------------------------------------------------------------------


def whole(messages: list[Any]) -> str:
    return "\n".join(m.content for m in messages)


def test_format_example_comes_from_the_problems_own_public_inputs() -> None:
    msgs = prompts.input_generation_messages(PARENS, 8)
    text = whole(msgs)
    assert "[[1, 2, 3], 4]" not in text
    # Shown as the model's own answer to "write the examples' inputs" (calls, as a
    # docstring writes them), then a request for different ones in the same format.
    assert msgs[-2].role == "assistant"
    assert msgs[-2].content == "```python\nseparate_paren_groups('( ) (( ))')\n```"
    assert "one call of `separate_paren_groups` per line" in msgs[-1].content
    assert "different from the examples" in msgs[-1].content
    assert "def separate_paren_groups(paren_string: str)" in text  # the signature
    # A stdin input is shown as the text the program reads, in a plain block.
    assert prompts.input_generation_messages(STDIN, 8)[-2].content == "```\n2\n4 5\n```"
    d = prompts.distinguish_messages(CLOSE, "a = 1\n", "b = 2\n", 3)
    assert "has_close_elements([1.0, 2.0, 3.0], 0.5)" in d[-2].content
    assert "Program A:" in d[-1].content and "would produce different outputs" in d[-1].content


def test_example_of_the_prompt_parses_back_to_the_public_inputs() -> None:
    # The example is valid by construction: the parser reads it as the public inputs,
    # which it then drops (they cannot split candidates that all pass them).
    for problem in (SUM, PARENS, CLOSE, STDIN):
        example = prompts.input_generation_messages(problem, 8)[-2].content
        report = parse_inputs(problem, example, 8)
        assert report.inputs == []
        assert [r for _, r in report.dropped] == ["a public test's input"]


def test_without_public_tests_the_format_is_described() -> None:
    bare = SUM.model_copy(update={"public_tests": ()})
    [_system, user] = prompts.input_generation_messages(bare, 4)
    assert "one call of `total` per line" in user.content
    bare_stdin = STDIN.model_copy(update={"public_tests": ()})
    [_system, user] = prompts.input_generation_messages(bare_stdin, 4)
    assert "one ``` block per test" in user.content


def test_unbalanced_lines_are_read_one_per_line() -> None:
    # A 0.5B reply (HumanEval/1): each line opens two brackets and closes one.
    reply = '```json\n[\n    [["(()())"], \n    [["(())"], \n    [["(( ))"], \n'
    report = parse_inputs(PARENS, reply, 8)
    assert report.inputs == [["(()())"], ["(())"], ["(( ))"]]
    assert report.truncated


# -- the record when nothing is usable -------------------------------------------------


def world(**kw: Any) -> World:
    base: dict[str, Any] = {
        "samples": [WRONG_LEN, CORRECT],
        "inputs": [],
        "distinguishing": [],
        "judge": prefer_set,
    }
    base.update(kw)
    return World(**base)


async def run(w: World, selection: Any, sandbox: LocalSandbox, problem: Problem | None = None):  # type: ignore[no-untyped-def]
    return await solve(
        problem or distinct_problem(),
        model=Model(w.backend()),
        sandbox=sandbox,
        sampling=TemperatureSampling(n=2),
        revision=NoRevision(),
        selection=selection,
    )


@pytest.mark.anyio
async def test_sstar_record_says_no_usable_inputs_and_what_decided(sandbox: LocalSandbox) -> None:
    # The generic example, copied: two-argument calls for a one-list function.
    w = world(inputs=[[[1, 2, 3], 4, 5], [[], 0, 1], "x"])
    result = await run(w, SStarSelection(sources=MODEL_ONLY), sandbox)
    rec = result.selection
    assert rec is not None
    assert rec.inputs == [] and rec.comparisons == []
    # Asked again with why, it answers the same: both calls are counted.
    assert rec.note == (
        "no usable synthesised inputs (6 parsed, 6 dropped: 4 wrong arity, 2 wrong types); "
        "picked on the public tests (1 of 1 passed, lowest-numbered of 2 tied)"
    )
    assert "agree" not in rec.note
    first, again = rec.synthesis
    assert (first.purpose, first.parsed, first.kept) == ("inputs", 3, 0)
    assert (again.purpose, again.parsed, again.kept) == ("inputs, asked again", 3, 0)
    assert [d.reason for d in first.dropped] == ["wrong arity", "wrong arity", "wrong types"]
    [params] = w.asked_again
    assert params.seed == 50_100 and params.frequency_penalty == 0.5
    assert result.selected is not None and result.selected.index == 0


@pytest.mark.anyio
async def test_copied_examples_are_asked_again_with_a_repetition_penalty(
    sandbox: LocalSandbox,
) -> None:
    # The 0.5B model's commonest failure: the example's input, over and over.
    public = distinct_problem().public_tests[0].input
    w = world(inputs=[public, public], inputs_again=[[[1, 1, 2]], [[5]]])
    result = await run(w, SStarSelection(sources=MODEL_ONLY), sandbox)
    rec = result.selection
    assert rec is not None
    assert [(c.purpose, c.kept) for c in rec.synthesis] == [
        ("inputs", 0),
        ("inputs, asked again", 2),
    ]
    assert rec.inputs == [[[1, 1, 2]], [[5]]]
    # The same request, a new seed, and repeating a line made costly.
    [params] = w.asked_again
    assert params.frequency_penalty > 0 and params.seed != 50_000
    first, second = (p for p in w.prompts if "new test INPUTS" in p)
    assert first == second
    assert result.selected is not None and result.selected.index == 1  # [1, 1, 2] split them


@pytest.mark.anyio
async def test_asking_again_can_be_turned_off(sandbox: LocalSandbox) -> None:
    public = distinct_problem().public_tests[0].input
    w = world(inputs=[public], inputs_again=[[[1, 1, 2]]])
    result = await run(w, SStarSelection(sources=MODEL_ONLY, ask_again=0), sandbox)
    rec = result.selection
    assert rec is not None
    assert [c.purpose for c in rec.synthesis] == ["inputs"] and rec.inputs == []
    assert w.asked_again == []


@pytest.mark.anyio
async def test_inputs_every_candidate_fails_on_are_counted_in_the_note(
    sandbox: LocalSandbox,
) -> None:
    # Right types, but an input the statement rules out: every candidate crashes.
    half = Problem(
        id="half",
        prompt="Return n // d for positive d.",
        kind="function",
        entry_point="div",
        public_tests=[TestCase(input=[6, 3], output=2)],
        private_tests=[TestCase(input=[7, 2], output=3)],
    )
    samples = ["def div(n, d):\n    return n // d\n", "def div(n, d):\n    return int(n / d)\n"]
    w = world(samples=samples, inputs=[[1, 0]])
    result = await run(w, SStarSelection(sources=MODEL_ONLY), sandbox, half)
    rec = result.selection
    assert rec is not None
    assert rec.discarded_inputs == [[1, 0]] and rec.inputs == []
    assert rec.note.startswith(
        "no usable synthesised inputs (1 parsed, 1 dropped: 1 every candidate failed on it)"
    )


@pytest.mark.anyio
async def test_sstar_with_usable_objects_tells_the_pool_apart(sandbox: LocalSandbox) -> None:
    # The stdin-style object shape, on a function problem: read as the model meant.
    w = world(inputs=[{"input": [[1, 1, 2]], "output": 3}], distinguishing=[[[5, 5]], 7])
    result = await run(w, SStarSelection(sources=MODEL_ONLY), sandbox)
    rec = result.selection
    assert rec is not None
    assert rec.inputs == [[[1, 1, 2]]]
    assert sorted(map(sorted, rec.clusters)) == [[0], [1]]
    [comp] = rec.comparisons
    assert comp.synthesis is not None
    assert (comp.synthesis.parsed, comp.synthesis.kept) == (2, 1)
    assert [d.reason for d in comp.synthesis.dropped] == ["wrong types"]
    assert result.selected is not None and result.selected.code == CORRECT


@pytest.mark.anyio
async def test_unusable_distinguishing_inputs_are_reported_in_the_match(
    sandbox: LocalSandbox,
) -> None:
    samples = [WRONG_LEN, CORRECT]
    # The first synthesised input splits them; the distinguishing reply is unusable.
    w = world(samples=samples, inputs=[[[2, 2]]], distinguishing=["oops", [[1], 2, 3]])
    result = await run(w, SStarSelection(sources=MODEL_ONLY), sandbox)
    rec = result.selection
    assert rec is not None
    [comp] = rec.comparisons
    assert comp.synthesis is not None and comp.synthesis.kept == 0
    assert [d.reason for d in comp.synthesis.dropped] == ["wrong types", "wrong arity"]
    assert comp.inputs == [[[2, 2]]]  # the synthesised input still grounds the judge


@pytest.mark.anyio
async def test_majority_and_codet_say_so_too(sandbox: LocalSandbox) -> None:
    result = await run(world(inputs=["nothing"], inputs_again=[]), MajoritySelection(), sandbox)
    assert result.selection is not None
    assert result.selection.note.startswith(
        "no usable synthesised inputs (1 parsed, 1 dropped: 1 wrong types)"
    )
    assert [c.parsed for c in result.selection.synthesis] == [1, 0]  # asked again: []
    tests = [{"input": [[1, 2, 3]], "output": 3}, {"input": "x", "output": 1}, {"in": 3}]
    result = await run(world(codet_tests=tests), CodeTSelection(), sandbox)
    rec = result.selection
    assert rec is not None
    [call] = rec.synthesis
    assert (call.purpose, call.parsed, call.kept) == ("codet tests", 3, 0)
    assert sorted(d.reason for d in call.dropped) == [
        "a public test's input",
        "not a test with an output",
        "wrong types",
    ]
    assert rec.note.startswith("no usable synthesised inputs (3 parsed, 3 dropped")


DICT_CASE = Problem(
    id="dict-case",
    prompt="Are all keys strings in one case?",
    kind="function",
    entry_point="check_dict_case",
    starter_code="def check_dict_case(d: dict) -> bool:\n",
    public_tests=[TestCase(input=[{"a": 1}], output=True)],
)


def test_a_dict_mixing_int_and_str_keys_is_kept_not_a_crash() -> None:
    # HumanEval/95's probes: a dict such as {1: "a", "b": 2} cannot sort its keys, and
    # that once stopped a whole eval with a TypeError.
    reply = '```python\ncheck_dict_case({1: "a", "b": 2})\ncheck_dict_case({"b": 2, 1: "a"})\n```'
    report = parse_inputs(DICT_CASE, reply, 8)
    assert report.inputs == [[{1: "a", "b": 2}]]
    assert [r for _, r in report.dropped] == ["duplicate"]
