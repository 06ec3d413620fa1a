"""The selection benchmark's own stdin problems: each right program passes every
test, each wrong one passes the public tests and fails a private one (graded in the
real sandbox, as the benchmark grades them)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from agentsstar import grading
from agentsstar.problem import load_problem
from agentsstar.sandboxes import LocalSandbox

pytestmark = pytest.mark.anyio

DIR = Path(__file__).parent.parent / "bench" / "selection" / "problems"
IDS = sorted(p.stem for p in DIR.glob("*.json"))


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def box() -> AsyncIterator[LocalSandbox]:
    async with LocalSandbox() as sandbox:
        yield sandbox


def test_there_are_at_least_twelve() -> None:
    assert len(IDS) >= 12


@pytest.mark.parametrize("name", IDS)
async def test_right_passes_everything_and_wrong_only_the_public_tests(
    box: LocalSandbox, name: str
) -> None:
    problem = load_problem(DIR / f"{name}.json")
    right = (DIR / f"{name}.right.py").read_text()
    wrong = (DIR / f"{name}.wrong.py").read_text()
    tests = [*problem.public_tests, *problem.private_tests]
    assert all(o.passed for o in await grading.run_tests(box, problem, right, tests))
    public = await grading.run_tests(box, problem, wrong, problem.public_tests)
    assert all(o.passed for o in public)
    private = await grading.run_tests(box, problem, wrong, problem.private_tests)
    assert not all(o.passed for o in private)
