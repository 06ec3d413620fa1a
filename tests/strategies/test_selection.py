"""Selection strategies on a constructed case: three wrong candidates agree with each
other, one correct candidate stands alone. Each strategy must behave as itself."""

from __future__ import annotations

import pytest

from agentsstar.errors import ConfigError
from agentsstar.model import Model
from agentsstar.pipeline import solve
from agentsstar.sandboxes.local import LocalSandbox
from agentsstar.strategies.revision.self_debug import NoRevision
from agentsstar.strategies.sampling.temperature import TemperatureSampling
from agentsstar.strategies.selection.codet import CodeTSelection
from agentsstar.strategies.selection.llm_judge import LLMJudgeSelection
from agentsstar.strategies.selection.majority import MajoritySelection
from agentsstar.strategies.selection.simple import (
    OracleSelection,
    PublicSelection,
    RandomSelection,
)
from agentsstar.strategies.selection.sstar import SStarSelection

from .world import (
    CORRECT,
    CRASHES,
    WRONG_LEN,
    WRONG_LEN_2,
    WRONG_LEN_3,
    World,
    distinct_problem,
    prefer_set,
)

pytestmark = pytest.mark.anyio

# Sample order: the correct program is sample 3, after three wrong ones that agree.
SAMPLES = [WRONG_LEN, WRONG_LEN_2, WRONG_LEN_3, CORRECT]
INPUTS = [[[1, 1, 2]], [[]], [[4, 4]], [[7, 8, 9]]]


def world(**kw: object) -> World:
    base = {
        "samples": SAMPLES,
        "inputs": INPUTS,
        "distinguishing": [[[2, 2, 3]]],
        "judge": prefer_set,
    }
    base.update(kw)
    return World(**base)  # type: ignore[arg-type]


async def run(w: World, selection: object, sandbox: LocalSandbox, **kw: object):  # type: ignore[no-untyped-def]
    return await solve(
        distinct_problem(),
        model=Model(w.backend()),
        sandbox=sandbox,
        sampling=TemperatureSampling(n=4),
        revision=NoRevision(),
        selection=selection,  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


async def test_sstar_picks_the_correct_minority(sandbox: LocalSandbox) -> None:
    w = world()
    result = await run(w, SStarSelection(), sandbox)
    rec = result.selection
    assert rec is not None and rec.strategy == "sstar"
    assert result.selected is not None and result.selected.code == CORRECT
    assert result.private is not None and result.private.accepted
    # Clustered over all inputs at once: the three wrong programs are one cluster.
    assert sorted(map(sorted, rec.clusters)) == [[0, 1, 2], [3]]
    # One match, judged in both orders, grounded in executed outputs.
    [comp] = rec.comparisons
    assert comp.votes == ["b", "b"] or comp.votes == ["a", "a"]
    assert comp.winner == 3
    assert comp.inputs and all(o != p for o, p in zip(comp.outputs_a, comp.outputs_b, strict=True))
    assert len(w.judge_calls) == 2 and w.judge_calls[0] == w.judge_calls[1][::-1]
    # 4 samples + 1 input generation + 1 distinguishing + 2 judge calls.
    assert result.usage.llm_calls == 8
    assert result.usage.by_stage["selection"].llm_calls == 4


async def test_majority_takes_the_largest_cluster(sandbox: LocalSandbox) -> None:
    result = await run(world(), MajoritySelection(), sandbox)
    assert result.selected is not None and result.selected.code in {
        WRONG_LEN,
        WRONG_LEN_2,
        WRONG_LEN_3,
    }
    assert result.private is not None and not result.private.accepted
    assert result.selection is not None and not result.selection.comparisons


async def test_judge_never_sees_model_predicted_outputs(sandbox: LocalSandbox) -> None:
    w = world()
    await run(w, SStarSelection(), sandbox)
    judge_prompts = [p for p in w.prompts if "Both programs were executed" in p]
    assert judge_prompts
    # The outputs shown are what the programs really returned on [2, 2, 3]: 3 vs 2.
    assert (
        "Program A's output:\n3" in judge_prompts[0] or "Program A's output:\n2" in judge_prompts[0]
    )


async def test_inputs_where_every_candidate_crashes_are_discarded(sandbox: LocalSandbox) -> None:
    # "oops" makes every candidate raise (len of int); it must not separate anyone.
    w = world(samples=[WRONG_LEN, CORRECT], inputs=[[5], [[1, 1]]])
    result = await run(w, SStarSelection(), sandbox)
    rec = result.selection
    assert rec is not None
    assert rec.discarded_inputs == [[5]] and rec.inputs == [[[1, 1]]]


async def test_split_vote_goes_to_the_larger_cluster(sandbox: LocalSandbox) -> None:
    w = world(judge=lambda a, b: "A")  # pure position bias: always the first program
    result = await run(w, SStarSelection(), sandbox)
    rec = result.selection
    assert rec is not None
    [comp] = rec.comparisons
    assert sorted(comp.votes) == ["a", "b"]  # the two orders disagree
    assert "larger cluster" in comp.reason
    assert result.selected is not None and result.selected.index in {0, 1, 2}


async def test_knockout_is_linear_in_clusters(sandbox: LocalSandbox) -> None:
    # Four behaviours on the inputs below, so four clusters.
    samples = [
        CORRECT,
        WRONG_LEN,
        "def count_distinct(xs):\n    return len(set(xs)) + (1 if xs.count(2) == 2 else 0)\n",
        "def count_distinct(xs):\n    return max(len(set(xs)), 1) if xs == [] else len(set(xs))\n",
    ]
    w = world(samples=samples, inputs=[[[1, 1]], [[]], [[1, 2, 2]]], distinguishing=[])
    result = await run(w, SStarSelection(), sandbox)
    rec = result.selection
    assert rec is not None and len(rec.clusters) == 4
    assert len(rec.comparisons) == 3  # C - 1 matches
    assert result.usage.by_stage["selection"].llm_calls == 1 + 3 * 3
    assert result.selected is not None and result.selected.code == CORRECT


async def test_one_distinct_passing_program_needs_no_model(sandbox: LocalSandbox) -> None:
    w = world(samples=[CORRECT, CRASHES])
    result = await run(w, SStarSelection(), sandbox)
    assert result.selected is not None and result.selected.code == CORRECT
    assert "selection" not in result.usage.by_stage


async def test_public_and_random(sandbox: LocalSandbox) -> None:
    result = await run(world(), PublicSelection(), sandbox)
    assert result.selected is not None and result.selected.index == 0
    picks = {
        (await run(world(), RandomSelection(), sandbox, seed=s)).selected.index  # type: ignore[union-attr]
        for s in range(6)
    }
    assert len(picks) > 1  # seeded, but not constant across seeds
    again = await run(world(), RandomSelection(), sandbox, seed=4)
    assert again.selected is not None
    assert (
        again.selected.index
        == (await run(world(), RandomSelection(), sandbox, seed=4)).selected.index
    )  # type: ignore[union-attr]


async def test_oracle_is_an_upper_bound_and_needs_private_tests(sandbox: LocalSandbox) -> None:
    result = await run(world(), OracleSelection(), sandbox)
    assert result.selection is not None and result.selection.upper_bound
    assert result.selected is not None and result.selected.code == CORRECT
    w = world()
    with pytest.raises(ConfigError, match="oracle"):
        await solve(
            distinct_problem(private_tests=()),
            model=Model(w.backend()),
            sandbox=sandbox,
            sampling=TemperatureSampling(n=2),
            revision=NoRevision(),
            selection=OracleSelection(),
        )


async def test_llm_judge_sees_code_but_no_execution(sandbox: LocalSandbox) -> None:
    w = world()
    result = await run(w, LLMJudgeSelection(), sandbox)
    assert result.selected is not None and result.selected.code == CORRECT
    assert not any("Both programs were executed" in p for p in w.prompts)
    assert not any("new test INPUTS" in p for p in w.prompts)


async def test_codet_trusts_agreement_not_single_tests(sandbox: LocalSandbox) -> None:
    tests = [
        {"input": [[1, 1, 2]], "output": 2},
        {"input": [[3, 3]], "output": 1},
        {"input": [[]], "output": 0},
    ]
    result = await run(world(codet_tests=tests), CodeTSelection(), sandbox)
    # Correct: 1 candidate × 3 tests = 3; wrong: 3 candidates × 1 test ([] → 0) = 3;
    # the tie goes to the larger group.
    assert result.selected is not None and result.selected.code != CORRECT
    # One more agreeing test tips the score: 1 × 4 > 3 × 1.
    tests.append({"input": [[9, 9, 9]], "output": 1})
    result = await run(world(codet_tests=tests), CodeTSelection(), sandbox)
    assert result.selected is not None and result.selected.code == CORRECT
