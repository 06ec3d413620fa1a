from __future__ import annotations

import pytest

from agentsstar.model import Model
from agentsstar.pipeline import solve
from agentsstar.problem import TestCase
from agentsstar.sandboxes.local import LocalSandbox
from agentsstar.strategies.revision.self_debug import SelfDebug
from agentsstar.strategies.sampling.temperature import GreedySampling, TemperatureSampling
from agentsstar.strategies.selection.simple import PublicSelection

from .world import CORRECT, World, distinct_problem

pytestmark = pytest.mark.anyio

BROKEN = "def count_distinct(xs):\n    return len(xs) - 1\n"
STILL_BROKEN = "def count_distinct(xs):\n    return len(xs) + 1\n"
CRASHING = "def count_distinct(xs):\n    raise ValueError('boom ' + str(xs))\n"


async def test_fixed_in_round_one_then_stops(sandbox: LocalSandbox) -> None:
    w = World(samples=[BROKEN], fixes={BROKEN: CORRECT})
    result = await solve(
        distinct_problem(),
        model=Model(w.backend()),
        sandbox=sandbox,
        sampling=GreedySampling(),
        revision=SelfDebug(rounds=3),
        selection=PublicSelection(),
    )
    [cand] = result.candidates
    assert [a.round for a in cand.attempts] == [0, 1]  # no round 2 after passing
    assert not cand.attempts[0].passes_all_public and cand.attempts[1].passes_all_public
    assert result.selected is not None and result.selected.code == CORRECT
    assert result.private is not None and result.private.accepted
    # The feedback named the failed test: its input, the expected and the actual output.
    feedback = next(p for p in w.prompts if "failed 1 of 1 public tests" in p)
    assert "Arguments: [[1, 2, 3]]" in feedback
    assert "Expected return value: 3" in feedback and "returned:\n2" in feedback


async def test_a_revision_that_passes_fewer_tests_does_not_replace_the_program(
    sandbox: LocalSandbox,
) -> None:
    # Right on [1, 2, 3] but not on [1, 1]; its "fix" gets both wrong.
    half = "def count_distinct(xs):\n    return len(xs)\n"
    worse = "def count_distinct(xs):\n    return 0\n"
    w = World(samples=[half], fixes={half: worse, worse: worse})
    problem = distinct_problem(
        public_tests=[TestCase(input=[[1, 2, 3]], output=3), TestCase(input=[[1, 1]], output=1)]
    )
    result = await solve(
        problem,
        model=Model(w.backend()),
        sandbox=sandbox,
        sampling=GreedySampling(),
        revision=SelfDebug(rounds=2),
        selection=PublicSelection(),
    )
    [cand] = result.candidates
    assert [a.public_passed for a in cand.attempts] == [1, 0, 0]  # every round is kept
    assert cand.final is cand.attempts[0] and cand.code == half
    assert result.selected is not None and result.selected.code == half


async def test_rounds_are_bounded_and_errors_are_shown(sandbox: LocalSandbox) -> None:
    w = World(samples=[CRASHING], fixes={CRASHING: STILL_BROKEN})
    result = await solve(
        distinct_problem(),
        model=Model(w.backend()),
        sandbox=sandbox,
        sampling=GreedySampling(),
        revision=SelfDebug(rounds=2),
        selection=PublicSelection(),
    )
    [cand] = result.candidates
    assert [a.round for a in cand.attempts] == [0, 1, 2]
    assert cand.attempts[0].public[0].grade == "runtime_error"
    crash_feedback = next(p for p in w.prompts if "crashed" in p)
    assert "ValueError" in crash_feedback and "boom" in crash_feedback
    assert result.usage.by_stage["revision"].llm_calls == 2


async def test_context_all_replays_history_last_does_not(sandbox: LocalSandbox) -> None:
    for context, expected_turns in (("all", 2), ("last", 1)):
        w = World(samples=[CRASHING], fixes={CRASHING: STILL_BROKEN, STILL_BROKEN: BROKEN})
        backend = w.backend()
        await solve(
            distinct_problem(),
            model=Model(backend),
            sandbox=sandbox,
            sampling=GreedySampling(),
            revision=SelfDebug(rounds=2, context=context),  # type: ignore[arg-type]
            selection=PublicSelection(),
        )
        last_messages, _ = backend.calls[-1]
        assistant_turns = [m for m in last_messages if m.role == "assistant"]
        assert len(assistant_turns) == expected_turns, context


async def test_all_candidates_revised_concurrently_and_private_tests_never_shown(
    sandbox: LocalSandbox,
) -> None:
    problem = distinct_problem(
        private_tests=[{"input": [[424242, 424242]], "output": 1}],
    )
    w = World(
        samples=[BROKEN, STILL_BROKEN, CORRECT], fixes={BROKEN: CORRECT, STILL_BROKEN: CORRECT}
    )
    result = await solve(
        problem,
        model=Model(w.backend()),
        sandbox=sandbox,
        sampling=TemperatureSampling(n=3),
        revision=SelfDebug(rounds=1),
        selection=PublicSelection(),
    )
    assert [c.final.passes_all_public for c in result.candidates] == [True, True, True]
    assert not any("424242" in p for p in w.prompts)
    assert result.private is not None and result.private.accepted
