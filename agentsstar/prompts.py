"""Every prompt agentsstar sends, in one place so they can be read and compared.

The model always sees the statement, the starter code (the reference implementation
of S* forgot it) and the exact input/output form its program must use.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from agentsstar.backends.base import Message
from agentsstar.problem import Problem
from agentsstar.records import Attempt, TestOutcome

SYSTEM = (
    "You are an expert Python programmer. You write correct, efficient Python 3 "
    "programs and put the complete program in one ```python fenced block."
)

_SHOW = 600  # characters of an input/output shown in feedback before eliding


def clip(value: Any, limit: int = _SHOW) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= limit else text[:limit] + f"... [{len(text) - limit} more chars]"


def io_contract(problem: Problem) -> str:
    if problem.kind == "stdin":
        return (
            "Your program reads the input from standard input and prints the answer to "
            "standard output. Do not print anything else (no prompts or debugging)."
        )
    # Never "called as f(*args)": a small model copies that into its signature
    # (`def longest(*args)`) and then treats the argument tuple as the first argument;
    # measured, 45 of 60 greedy HumanEval programs of the 0.5B model did.
    entry = problem.entry_point or ""
    keep = " with the starter code's signature" if problem.starter_code else ""
    if "." in entry:
        cls, meth = entry.split(".")
        how = f"a class `{cls}` whose method `{meth}`{keep} is called on `{cls}()`"
    else:
        how = f"the function `{entry}`{keep}"
    return (
        f"Write {how}; it is called with the arguments shown in the examples and must "
        "return the answer (do not print it). Do not read input. Include every import "
        "you need."
    )


def problem_text(problem: Problem, *, examples: bool = True, contract: bool = True) -> str:
    parts = [problem.prompt.strip()]
    if problem.starter_code:
        parts.append(
            "Starter code (keep this signature):\n```python\n"
            + problem.starter_code.rstrip()
            + "\n```"
        )
    if contract:
        parts.append(io_contract(problem))
    if examples and problem.public_tests:
        shown = []
        for t in problem.public_tests[:5]:
            if problem.kind == "stdin":
                shown.append(f"Input:\n{clip(t.input)}\nOutput:\n{clip(t.output)}")
            else:
                # As a call, the way docstrings and code models write examples.
                call = call_text(problem, t.input) if isinstance(t.input, list) else t.input
                shown.append(f"{clip(call)} returns {clip(repr(t.output))}")
        parts.append("Examples:\n" + ("\n\n" if problem.kind == "stdin" else "\n").join(shown))
    return "\n\n".join(parts)


def sample_messages(problem: Problem, hint: str | None = None) -> list[Message]:
    user = problem_text(problem)
    if hint:
        user += f"\n\nApproach to take: {hint}"
    user += "\n\nReturn the complete solution in one ```python block."
    return [Message("system", SYSTEM), Message("user", user)]


def describe_outcome(problem: Problem, o: TestOutcome) -> str:
    if problem.kind == "stdin":
        head = f"Input:\n{clip(o.input)}\nExpected output:\n{clip(o.expected)}"
    else:
        head = f"Arguments: {clip(o.input)}\nExpected return value: {clip(o.expected)}"
    if o.grade == "wrong_answer":
        verb = "printed" if problem.kind == "stdin" else "returned"
        what = f"Your program {verb}:\n{clip(o.actual or '')}"
    elif o.grade == "time_limit":
        what = f"Your program exceeded the time limit ({problem.time_limit_s:g} s)."
    elif o.grade == "memory_limit":
        what = f"Your program exceeded the memory limit ({problem.memory_limit_mb} MB)."
    elif o.grade == "output_limit":
        what = "Your program printed far too much output."
    else:
        what = f"Your program crashed:\n{clip(o.error or 'no error text', 1200)}"
    return f"{head}\n{what}"


def feedback(problem: Problem, attempt: Attempt) -> str:
    if attempt.code is None:
        return "Your reply contained no Python code block. Write the complete program."
    failed = [o for o in attempt.public if not o.passed]
    lines = [f"Your program failed {len(failed)} of {len(attempt.public)} public tests."]
    for i, o in enumerate(failed[:3], 1):
        lines.append(f"Failed test {i}:\n{describe_outcome(problem, o)}")
    if len(failed) > 3:
        lines.append(f"({len(failed) - 3} more failed tests not shown.)")
    lines.append("Find the bug, then return the complete corrected program in one ```python block.")
    return "\n\n".join(lines)


def debug_messages(problem: Problem, history: Sequence[Attempt]) -> list[Message]:
    """A conversation replaying ``history``: each attempt's reply then its feedback."""
    msgs = [Message("system", SYSTEM), Message("user", problem_text(problem))]
    for attempt in history:
        msgs.append(
            Message(
                "assistant",
                attempt.reply if attempt.code is None else f"```python\n{attempt.code}```",
            )
        )
        msgs.append(Message("user", feedback(problem, attempt)))
    return msgs


def call_text(problem: Problem, args: Sequence[Any]) -> str:
    """A function problem's call on ``args``, as Python reads it: ``f([1, 2], 'x')``."""
    name = (problem.entry_point or "f").split(".")[-1]
    return f"{name}(" + ", ".join(repr(a) for a in args) + ")"


def _input_format(problem: Problem) -> tuple[str, str]:
    """How test inputs are to be written, and the closing instruction."""
    if problem.kind == "stdin":
        # Plain text blocks, not JSON strings: a small model writes a multi-line input
        # as it appears in a statement, where escaping every line break derails it.
        return (
            "one ``` block per test holding exactly what the program reads from standard input",
            "\nAnswer with the blocks only.",
        )
    # Calls, not JSON: a code model writes `f(x, y)` as it reads in every docstring,
    # where a JSON array of argument arrays gets its nesting wrong.
    name = (problem.entry_point or "f").split(".")[-1]
    return (
        f"one call of `{name}` per line, with literal arguments and without the result",
        "\nAnswer with one ```python block containing only the calls.",
    )


def _shown_inputs(problem: Problem, inputs: Sequence[Any]) -> str:
    if problem.kind == "stdin":
        return "\n\n".join(f"```\n{str(x).rstrip(chr(10))}\n```" for x in inputs)
    return "```python\n" + "\n".join(call_text(problem, x) for x in inputs) + "\n```"


def _inputs_conversation(problem: Problem, context: str, ask: str) -> list[Message]:
    """A request for test inputs whose format example is the problem's own public-test
    inputs (valid by construction), shown as the model's own earlier answer so that it
    sees the exact shape and is asked for *different* ones; a generic example's shape
    may fit no argument list of this problem, and is copied all the same."""
    form, end = _input_format(problem)
    examples = [t.input for t in problem.public_tests[:3]]
    msgs = [Message("system", "You are an expert at testing programs.")]
    if not examples:
        msgs.append(
            Message("user", f"{problem_text(problem)}{context}\n\n{ask}\nWrite {form}.{end}")
        )
        return msgs
    msgs += [
        Message(
            "user",
            f"{problem_text(problem)}\n\nFirst write the inputs of the examples above as "
            f"{form}.{end}",
        ),
        Message("assistant", _shown_inputs(problem, examples)),
        Message(
            "user",
            f"Right.{context}\n\n{ask} They must be different from the examples. Same "
            f"format: {form}.{end}",
        ),
    ]
    return msgs


def input_generation_messages(problem: Problem, count: int) -> list[Message]:
    ask = (
        f"Do not solve the problem. Instead write {count} new test INPUTS that would "
        "expose wrong solutions: the smallest cases, boundary values, special cases the "
        "statement mentions, and a few larger cases. Every input must be valid for the "
        "problem and different from the others. Give inputs only, no expected outputs."
    )
    return _inputs_conversation(problem, "", ask)


def distinguish_messages(problem: Problem, code_a: str, code_b: str, count: int) -> list[Message]:
    programs = f"\n\nProgram A:\n```python\n{code_a}```\n\nProgram B:\n```python\n{code_b}```"
    ask = (
        f"These two programs behave differently. Write {count} valid test INPUTS on which "
        "they would produce different outputs. Give inputs only, no outputs."
    )
    return _inputs_conversation(problem, programs, ask)


def predict_messages(problem: Problem, x: Any, *, shots: int = 3) -> list[Message]:
    """Ask for the expected output on one input, with no program and no candidate
    output in sight: nothing to copy and no position to favour.

    The problem's examples are played as earlier turns of the conversation (input
    asked, output answered) rather than listed in the statement: told in words to
    answer with an output only, the 0.5B model wrote a program in 27 of 30 replies
    (docs/benchmarks.md, "What a small judge tells apart")."""
    system = (
        "You are an expert programmer. Given an input to the problem below, you work out "
        "the correct output from the problem statement and answer with that output only, "
        "in one ``` block: no code, no explanation."
    )

    def asked(args: Any) -> str:
        if problem.kind == "stdin":
            return f"Input:\n```\n{clip(args).rstrip(chr(10))}\n```"
        return f"```python\n{clip(call_text(problem, args))}\n```"

    def answered(out: Any) -> str:
        if problem.kind == "stdin":
            return f"```\n{clip(out).rstrip(chr(10))}\n```"
        return f"```python\n{clip(repr(out))}\n```"

    msgs = [
        Message("system", f"{system}\n\n{problem_text(problem, examples=False, contract=False)}")
    ]
    for t in problem.public_tests[:shots]:
        msgs += [Message("user", asked(t.input)), Message("assistant", answered(t.output))]
    msgs.append(Message("user", asked(x)))
    return msgs


def judge_messages(
    problem: Problem,
    code_a: str,
    code_b: str,
    inputs: Sequence[Any],
    outputs_a: Sequence[str],
    outputs_b: Sequence[str],
) -> list[Message]:
    rows = []
    for i, (inp, oa, ob) in enumerate(zip(inputs, outputs_a, outputs_b, strict=True), 1):
        label = "Input" if problem.kind == "stdin" else "Arguments"
        rows.append(
            f"Test {i}:\n{label}:\n{clip(inp)}\nProgram A's output:\n{clip(oa)}\n"
            f"Program B's output:\n{clip(ob)}"
        )
    user = (
        problem_text(problem)
        + f"\n\nProgram A:\n```python\n{code_a}```\n\nProgram B:\n```python\n{code_b}```\n\n"
        "Both programs were executed on these inputs; these are their real outputs:\n\n"
        + "\n\n".join(rows)
        + "\n\nWork out the correct output for each input from the problem statement, "
        "then decide which program is correct. End with a line 'Answer: A' or 'Answer: B'."
    )
    return [
        Message("system", "You are an expert programmer and a careful judge."),
        Message("user", user),
    ]


def outcome_text(kind: str, stdout: str, value: str | None, verdict: str, error: str | None) -> str:
    """How an execution result is shown to a judge."""
    if verdict != "ok":
        return f"<{verdict}{': ' + error.splitlines()[-1] if error else ''}>"
    return (value or "") if kind == "function" else stdout


def code_judge_messages(problem: Problem, code_a: str, code_b: str) -> list[Message]:
    """The ``llm-judge`` baseline: the judge sees code only, no execution."""
    user = (
        problem_text(problem)
        + f"\n\nProgram A:\n```python\n{code_a}```\n\nProgram B:\n```python\n{code_b}```\n\n"
        "Which program solves the problem correctly? Reason briefly, then end with a "
        "line 'Answer: A' or 'Answer: B'."
    )
    return [
        Message("system", "You are an expert programmer and a careful judge."),
        Message("user", user),
    ]


def codet_messages(problem: Problem, count: int) -> list[Message]:
    """CodeT: the model writes tests *with* expected outputs, which are then only
    trusted through agreement between candidates.

    Asked for JSON test objects, the 0.5B model wrote ``{"input": [1.0, 2.0, 3.0]}``
    for ``has_close_elements(numbers, threshold)`` (the arguments' nesting lost) on the
    first HumanEval problems, and every test was dropped. So tests are asked for the
    way docstrings and CodeT's paper write them (``assert f(x) == y``; for stdin, an
    input block and an output block), with the problem's own examples shown first as
    the model's earlier answer."""
    if problem.kind == "stdin":
        form = (
            "for each test, its complete standard input in one ``` block, then its "
            "expected output in the next ``` block"
        )
        end = "\nAnswer with the blocks only."
        shown = "\n\n".join(
            f"Input:\n```\n{str(t.input).rstrip(chr(10))}\n```\n"
            f"Output:\n```\n{str(t.output).rstrip(chr(10))}\n```"
            for t in problem.public_tests[:3]
        )
    else:
        name = (problem.entry_point or "f").split(".")[-1]
        form = (
            f"one `assert {name}(arguments) == expected` per line, with literal arguments "
            "and the expected return value"
        )
        end = "\nAnswer with one ```python block containing only the asserts."
        shown = (
            "```python\n"
            + "\n".join(
                f"assert {call_text(problem, t.input)} == {t.output!r}"
                for t in problem.public_tests[:3]
            )
            + "\n```"
        )
    ask = (
        f"Do not solve the problem. Write {count} new test cases with their expected "
        "outputs, worked out carefully from the statement"
    )
    system = Message("system", "You are an expert at testing programs.")
    if not problem.public_tests:
        return [system, Message("user", f"{problem_text(problem)}\n\n{ask}: {form}.{end}")]
    return [
        system,
        Message(
            "user",
            f"{problem_text(problem)}\n\nFirst write the examples above as tests: {form}.{end}",
        ),
        Message("assistant", shown),
        Message("user", f"Right. {ask}, different from the examples. Same format: {form}.{end}"),
    ]
