"""Running a program on tests and grading the results, in the harness.

The sandbox reports what happened (``Verdict``); this module decides whether that is
a right answer, with the problem's checker. A sandbox failure becomes the grade
``sandbox_error``, which callers treat as "unknown", never as a wrong program.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentsstar.checking import stdout_matches, value_matches
from agentsstar.problem import Problem, TestCase
from agentsstar.records import Grade, TestOutcome
from agentsstar.sandboxes.base import ExecResult, Limits, Program, Sandbox, Verdict

# The private check runs the benchmark's ``check(candidate)`` after the candidate's
# code, inside one sandboxed program; it returns True only if check() returned.
_CHECK_ENTRY = "__agentsstar_check__"


def limits_for(problem: Problem) -> Limits:
    return Limits(time_s=problem.time_limit_s, memory_mb=problem.memory_limit_mb)


# LeetCode-style starter code annotates with ``List[int]`` without importing typing;
# the platforms' own harnesses prepend the import, so a candidate that keeps the given
# signature must not fail with NameError here either. One line, so tracebacks shown
# to the model are off by one line at most.
FUNCTION_PREAMBLE = "from typing import *  # noqa: F403 (added by agentsstar)\n"


def program_for(problem: Problem, code: str) -> Program:
    if problem.kind == "function":
        code = FUNCTION_PREAMBLE + code
    return Program(code=code, kind=problem.kind, entry_point=problem.entry_point)


def _error_text(r: ExecResult) -> str | None:
    if r.error:
        return r.error
    tail = r.stderr.strip()
    return tail[-600:] if tail else None


def grade_result(problem: Problem, test: TestCase, r: ExecResult) -> TestOutcome:
    """Turn one execution into a graded outcome."""
    actual = r.value if problem.kind == "function" else r.stdout
    grade: Grade
    if r.verdict is Verdict.OK:
        if problem.kind == "function":
            ok = value_matches(r.value, test.output, problem.checker)
        else:
            ok = stdout_matches(r.stdout, test.output, problem.checker)
        grade = "accepted" if ok else "wrong_answer"
    elif r.verdict is Verdict.RUNTIME_ERROR:
        grade = "runtime_error"
    elif r.verdict is Verdict.TIME_LIMIT:
        grade = "time_limit"
    elif r.verdict is Verdict.MEMORY_LIMIT:
        grade = "memory_limit"
    elif r.verdict is Verdict.OUTPUT_LIMIT:
        grade = "output_limit"
    else:
        grade = "sandbox_error"
    return TestOutcome(
        input=test.input,
        expected=test.output,
        grade=grade,
        actual=actual,
        error=_error_text(r) if grade != "accepted" else None,
        seconds=r.seconds,
    )


async def run_tests(
    sandbox: Sandbox, problem: Problem, code: str | None, tests: Sequence[TestCase]
) -> list[TestOutcome]:
    """Run ``code`` on every test (one sandbox batch) and grade each result."""
    if not tests:
        return []
    if code is None:
        return [
            TestOutcome(input=t.input, expected=t.output, grade="no_code", error="no code")
            for t in tests
        ]
    results = await sandbox.run(
        program_for(problem, code), [t.input for t in tests], limits_for(problem)
    )
    return [grade_result(problem, t, r) for t, r in zip(tests, results, strict=True)]


async def execute(
    sandbox: Sandbox, problem: Problem, code: str, inputs: Sequence[Any]
) -> list[ExecResult]:
    """Run ``code`` on inputs without grading (selection uses the raw outputs)."""
    if not inputs:
        return []
    return await sandbox.run(program_for(problem, code), list(inputs), limits_for(problem))


async def run_private_check(sandbox: Sandbox, problem: Problem, code: str) -> TestOutcome:
    """Score ``code`` with the problem's ``private_check`` (e.g. HumanEval's ``check``)."""
    assert problem.private_check is not None and problem.entry_point is not None
    entry = problem.entry_point
    if "." in entry:
        cls, meth = entry.split(".")
        target = f"{cls}().{meth}"
    else:
        target = entry
    # The same preamble as the public tests: a program that passed them must not
    # fail the private check over a name its grader would have supplied.
    source = (
        f"{FUNCTION_PREAMBLE}{code}\n\n{problem.private_check}\n\n"
        f"def {_CHECK_ENTRY}():\n    check({target})\n    return True\n"
    )
    limits = Limits(time_s=max(problem.time_limit_s, 10.0), memory_mb=problem.memory_limit_mb)
    [r] = await sandbox.run(
        Program(code=source, kind="function", entry_point=_CHECK_ENTRY), [[]], limits
    )
    check_case = TestCase(input=[], output=True)
    checked = problem.model_copy(update={"kind": "function", "entry_point": _CHECK_ENTRY})
    return grade_result(checked, check_case, r).model_copy(update={"input": "private_check"})
