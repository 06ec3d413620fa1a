"""Grading in the harness: public tests and the private check judge a program alike."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from agentsstar.grading import run_private_check, run_tests
from agentsstar.problem import Problem, TestCase
from agentsstar.sandboxes import LocalSandbox

pytestmark = pytest.mark.anyio

# Annotated with ``List`` but never imports it: LeetCode and HumanEval models write
# this all the time, and graders supply ``typing``.
NO_IMPORT = "def total(xs: List[int]) -> int:\n    return sum(xs)\n"

PROBLEM = Problem(
    id="total",
    prompt="Return the sum of xs.",
    kind="function",
    entry_point="total",
    public_tests=[TestCase(input=[[1, 2, 3]], output=6)],
    private_check=(
        "def check(candidate):\n"
        "    assert candidate([]) == 0\n"
        "    assert candidate([5, -5, 7]) == 7\n"
    ),
)


@pytest.fixture
async def sandbox() -> AsyncIterator[LocalSandbox]:
    async with LocalSandbox(max_workers=1) as box:
        yield box


async def test_public_tests_and_private_check_agree_on_typing_names(
    sandbox: LocalSandbox,
) -> None:
    [public] = await run_tests(sandbox, PROBLEM, NO_IMPORT, PROBLEM.public_tests)
    private = await run_private_check(sandbox, PROBLEM, NO_IMPORT)
    assert public.grade == "accepted", public
    assert private.grade == "accepted", private


async def test_private_check_still_fails_a_wrong_program(sandbox: LocalSandbox) -> None:
    wrong = "def total(xs: List[int]) -> int:\n    return len(xs)\n"
    private = await run_private_check(sandbox, PROBLEM, wrong)
    assert private.grade == "runtime_error"
    assert (private.error or "").startswith("AssertionError"), private
