"""Selection strategies on a constructed case: three wrong candidates agree with each
other, one correct candidate stands alone. Each strategy must behave as itself."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from agentsstar import prompts
from agentsstar.errors import ConfigError
from agentsstar.model import Model
from agentsstar.pipeline import solve
from agentsstar.problem import Problem, TestCase
from agentsstar.records import SelectionRecord
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
    PREDICTING,
    SPLITTING_INPUTS,
    WRONG_EMPTY,
    WRONG_LEN,
    WRONG_LEN_2,
    WRONG_LEN_3,
    WRONG_TWOS,
    World,
    distinct_problem,
    first_shown,
    prefer_set,
    ranking,
    second_shown,
)

# These tests are about the model-written inputs (S* as published); the other
# input sources have tests of their own (test_sources.py).
MODEL_ONLY = ("model",)

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
    result = await run(w, SStarSelection(sources=MODEL_ONLY), sandbox)
    rec = result.selection
    assert rec is not None and rec.strategy == "sstar"
    assert result.selected is not None and result.selected.code == CORRECT
    assert result.private is not None and result.private.accepted
    # Clustered over all inputs at once: the three wrong programs are one cluster.
    assert sorted(map(sorted, rec.clusters)) == [[0, 1, 2], [3]]
    # One match, grounded in executed outputs. The model stated no output for the
    # differing inputs, so the judge decided, in both orders. The larger cluster's
    # representative (0) is seeded first, so it is A; the judge chose B twice.
    [comp] = rec.comparisons
    assert (comp.a, comp.b, comp.winner) == (0, 3, 3)
    assert comp.predictions == ["none", "none", "none"]
    assert comp.votes == ["b", "b"]
    assert comp.reason == "judge agreed in both orders"
    # The inputs on which the two really differ (the model's distinguishing input
    # and the synthesised ones that split the clusters), smallest first; outputs are
    # what the programs really returned.
    assert comp.inputs == [[[4, 4]], [[2, 2, 3]], [[1, 1, 2]]]
    assert comp.outputs_a == ["2", "3", "3"] and comp.outputs_b == ["1", "2", "2"]
    assert w.predict_calls == [
        "count_distinct([4, 4])", "count_distinct([2, 2, 3])", "count_distinct([1, 1, 2])"
    ]  # fmt: skip
    assert w.judge_calls == [(WRONG_LEN, CORRECT), (CORRECT, WRONG_LEN)]
    # 4 samples + 1 input generation + 3 reference programs asked for (this model
    # writes none) + 1 distinguishing + 3 predictions + 2 judge calls.
    assert w.reference_calls == 3 and rec.references == [] and rec.references_written == 3
    assert comp.reference_votes == []
    assert result.usage.llm_calls == 14
    assert result.usage.by_stage["selection"].llm_calls == 10


def right_count(call: str) -> str:
    """A model that works the answer out: the number of distinct values."""
    xs = call.removeprefix("count_distinct(").removesuffix(")")
    return f"The list has these distinct values.\n```\n{len(set(json.loads(xs)))}\n```"


async def test_sstar_decides_by_predicted_outputs_before_any_judge(
    sandbox: LocalSandbox,
) -> None:
    # The judge would pick the wrong program; the predictions decide first.
    w = world(predict=right_count, judge=lambda a, b: "A" if a == WRONG_LEN else "B")
    result = await run(w, SStarSelection(sources=MODEL_ONLY), sandbox)
    assert result.selected is not None and result.selected.code == CORRECT
    [comp] = result.selection.comparisons  # type: ignore[union-attr]
    assert comp.predictions == ["b", "b", "b"] and comp.votes == []
    assert comp.reason == "predicted outputs matched 0 vs 3"
    assert w.judge_calls == []


async def test_a_match_predicts_on_mutants_run_on_its_two_programs_alone(
    sandbox: LocalSandbox,
) -> None:
    # The model's inputs split the pair on three inputs. Mutants of the public input,
    # run on the match's two programs only, give more on which to predict.
    def predicted(match_mutants: int) -> list[object]:
        return [
            x
            for comp in result_of[match_mutants].selection.comparisons  # type: ignore[union-attr]
            for x in comp.predicted_inputs
        ]

    result_of = {}
    for match_mutants in (0, 64):
        w = world(predict=right_count)
        selection = SStarSelection(
            sources=("model", "mutation"), mutated_inputs=1, match_mutants=match_mutants
        )
        result_of[match_mutants] = await run(w, selection, sandbox)
    # The model's inputs and the one mutant gathered for the whole pool (the
    # public input doubled)...
    assert predicted(0) == [[[4, 4]], [[2, 2, 3]], [[1, 1, 2]], [[1, 2, 3, 1, 2, 3]]]
    # ...and one more from the match's own mutants. Smallest first; each has a
    # repeated value, where the two programs really differ.
    assert predicted(64) == [
        [[4, 4]], [[2, 2, 3]], [[1, 1, 2]], [[1, 2, 3, 3]], [[1, 2, 3, 1, 2, 3]]
    ]  # fmt: skip
    [comp] = result_of[64].selection.comparisons  # type: ignore[union-attr]
    assert comp.predictions == ["b"] * 5 and comp.winner == 3


async def test_no_prediction_on_inputs_with_characters_no_public_input_has(
    sandbox: LocalSandbox,
) -> None:
    # [-1, -1] splits the pair and is the shortest, but no public input has a minus
    # sign: most likely outside the statement, so nothing to predict there.
    w = world(predict=right_count, distinguishing=[[[-1, -1]], [[2, 2, 3]]])
    result = await run(w, SStarSelection(sources=MODEL_ONLY), sandbox)
    [comp] = result.selection.comparisons  # type: ignore[union-attr]
    assert comp.predicted_inputs == [[[4, 4]], [[2, 2, 3]], [[1, 1, 2]]]
    assert "count_distinct([-1, -1])" not in w.predict_calls
    # The judge, too, is shown the plain ones first (three at most).
    assert comp.inputs == [[[4, 4]], [[2, 2, 3]], [[1, 1, 2]]]


async def test_reference_programs_decide_before_any_prediction(sandbox: LocalSandbox) -> None:
    # Three references: one right, one failing the public test (not used), one that
    # repeats the wrong candidates. On the three inputs where the match's programs
    # differ, the right one votes for the correct program, the other against: a tie.
    failing = "def count_distinct(xs):\n    return 0\n"
    w = world(references=[CORRECT, failing, WRONG_LEN])
    result = await run(w, SStarSelection(sources=MODEL_ONLY), sandbox)
    rec = result.selection
    assert rec is not None and rec.references_written == 3
    assert rec.references == [CORRECT, WRONG_LEN]  # seeds 90000.. pick them in turn
    [comp] = rec.comparisons
    assert comp.reference_votes == ["b", "b", "b", "a", "a", "a"]
    # A tie goes on to the predictions (none here), then to the judge.
    assert comp.predictions == ["none"] * 3 and comp.votes == ["b", "b"]

    w = world(references=[CORRECT], judge=first_shown)
    result = await run(w, SStarSelection(sources=MODEL_ONLY), sandbox)
    [comp] = result.selection.comparisons  # type: ignore[union-attr]
    assert comp.reference_votes == ["b"] * 9 and comp.reason == "reference programs matched 0 vs 9"
    assert result.selected is not None and result.selected.code == CORRECT
    assert w.predict_calls == [] and w.judge_calls == []  # neither was needed


async def test_a_reference_that_crashes_or_hangs_on_an_input_gives_no_vote_there(
    sandbox: LocalSandbox,
) -> None:
    # Both pass the public test ([1, 2, 3]); on a two-element list one crashes and
    # the other runs out of time.
    crashes = "def count_distinct(xs):\n    assert len(xs) != 2\n    return len(set(xs))\n"
    hangs = (
        "def count_distinct(xs):\n    while len(xs) == 2:\n        pass\n    return len(set(xs))\n"
    )
    w = world(references=[crashes, hangs])
    result = await run(w, SStarSelection(sources=MODEL_ONLY, references=2), sandbox)
    rec = result.selection
    assert rec is not None and rec.references == [crashes, hangs]
    [comp] = rec.comparisons
    # Inputs [4, 4], [2, 2, 3], [1, 1, 2], per reference.
    assert comp.reference_votes == ["none", "b", "b", "none", "b", "b"]
    assert comp.reason == "reference programs matched 0 vs 4"
    assert result.selected is not None and result.selected.code == CORRECT


async def test_a_prediction_matching_neither_program_leaves_it_to_the_judge(
    sandbox: LocalSandbox,
) -> None:
    # An output neither program gives is no vote for either.
    w = world(predict=lambda call: "```\n99\n```")
    result = await run(w, SStarSelection(sources=MODEL_ONLY), sandbox)
    [comp] = result.selection.comparisons  # type: ignore[union-attr]
    assert comp.predictions == ["none", "none", "none"] and comp.votes == ["b", "b"]
    assert result.selected is not None and result.selected.code == CORRECT


async def test_a_prediction_prompt_shows_no_program_and_no_output(sandbox: LocalSandbox) -> None:
    w = world()
    await run(w, SStarSelection(sources=MODEL_ONLY), sandbox)
    asked = [p for p in w.prompts if PREDICTING in p]
    assert len(asked) == 3
    for prompt in asked:
        assert "def count_distinct(xs):\n    return" not in prompt  # no candidate code
        assert "output:" not in prompt.lower().replace("expected output", "")


def test_a_prediction_prompt_plays_the_public_examples_as_earlier_turns() -> None:
    # Told in words to answer with an output alone, the 0.5B model wrote programs;
    # shown the examples answered that way, it answers that way.
    examples = [TestCase(input=[[1, 2, 3]], output=3), TestCase(input=[[1, 2, 2]], output=2)]
    msgs = prompts.predict_messages(distinct_problem(public_tests=examples), [[5, 5, 6]])
    assert [m.role for m in msgs] == ["system"] + ["user", "assistant"] * 2 + ["user"]
    assert msgs[3].content == "```python\ncount_distinct([1, 2, 2])\n```"
    assert msgs[4].content == "```python\n2\n```"
    assert msgs[-1].content == "```python\ncount_distinct([5, 5, 6])\n```"
    assert "Do not read input" not in msgs[0].content  # no instructions for writing code


async def test_predict_0_asks_for_no_prediction(sandbox: LocalSandbox) -> None:
    w = world()
    result = await run(w, SStarSelection(sources=MODEL_ONLY, predict=0, references=0), sandbox)
    assert w.predict_calls == [] and result.usage.by_stage["selection"].llm_calls == 4
    assert result.selected is not None and result.selected.code == CORRECT


async def test_majority_takes_the_largest_cluster(sandbox: LocalSandbox) -> None:
    result = await run(world(), MajoritySelection(), sandbox)
    # The largest cluster is the three wrong programs; its lowest index represents it.
    assert result.selected is not None and result.selected.index == 0
    assert result.selected.code == WRONG_LEN
    assert result.private is not None and not result.private.accepted
    assert result.selection is not None and not result.selection.comparisons


async def test_judge_never_sees_model_predicted_outputs(sandbox: LocalSandbox) -> None:
    w = world()
    await run(w, SStarSelection(sources=MODEL_ONLY), sandbox)
    judge_prompts = [p for p in w.prompts if "Both programs were executed" in p]
    # The outputs shown are what the programs really returned on [2, 2, 3] (the second
    # smallest differing input): the wrong program (len) 3, the correct one 2, each
    # under its own label.
    assert len(judge_prompts) == 2 == len(w.judge_calls)
    for prompt, (code_a, _) in zip(judge_prompts, w.judge_calls, strict=True):
        out_a, out_b = ("3", "2") if code_a == WRONG_LEN else ("2", "3")
        first = f"Test 2:\nArguments:\n[[2, 2, 3]]\nProgram A's output:\n{out_a}\n"
        assert first + f"Program B's output:\n{out_b}" in prompt


async def test_inputs_where_every_candidate_crashes_are_discarded(sandbox: LocalSandbox) -> None:
    # Both programs read xs[0]: the empty list (well-formed, so it passes parsing) makes
    # every candidate raise, and it must not separate anyone.
    first_then_set = "def count_distinct(xs):\n    xs[0]\n    return len(set(xs))\n"
    first_then_len = "def count_distinct(xs):\n    xs[0]\n    return len(xs)\n"
    w = world(samples=[first_then_len, first_then_set], inputs=[[[]], [[1, 1]]])
    result = await run(w, SStarSelection(sources=MODEL_ONLY), sandbox)
    rec = result.selection
    assert rec is not None
    assert rec.discarded_inputs == [[[]]] and rec.inputs == [[[1, 1]]]


async def test_split_vote_goes_to_the_larger_cluster(sandbox: LocalSandbox) -> None:
    w = world(judge=first_shown)
    result = await run(w, SStarSelection(sources=MODEL_ONLY), sandbox)
    rec = result.selection
    assert rec is not None
    [comp] = rec.comparisons
    assert (comp.a, comp.b) == (0, 3)
    assert comp.votes == ["a", "b"]  # the two orders disagree
    assert comp.reason == "judge split or unclear; larger cluster kept"
    # The three-member cluster of wrong programs, represented by its lowest index.
    assert result.selected is not None and result.selected.index == 0


def matches(rec: SelectionRecord) -> list[tuple[int, int, int]]:
    """(a, b, winner) of every match; the matches of a round finish in any order."""
    return sorted((c.a, c.b, c.winner) for c in rec.comparisons)  # type: ignore[misc]


# Four clusters of one program each, so the tie-break (equal size and public score)
# keeps the lower index in every match, and the correct program has the highest.
FOUR = [WRONG_LEN, WRONG_TWOS, WRONG_EMPTY, CORRECT]
BEST_FIRST = ranking(CORRECT, WRONG_EMPTY, WRONG_TWOS, WRONG_LEN)


async def test_knockout_over_four_clusters_follows_a_decisive_judge(
    sandbox: LocalSandbox,
) -> None:
    w = world(samples=FOUR, inputs=SPLITTING_INPUTS, distinguishing=[], judge=BEST_FIRST)
    # predict=0: the A-or-B judge alone, as published.
    result = await run(w, SStarSelection(sources=MODEL_ONLY, predict=0, references=0), sandbox)
    rec = result.selection
    assert rec is not None and rec.clusters == [[0], [1], [2], [3]]
    # Top seed meets bottom seed, then the survivors meet; in each match the judge
    # (agreeing in both orders) overrules the tie-break's lower index.
    assert matches(rec) == [(0, 3, 3), (1, 2, 2), (2, 3, 3)]
    assert rec.comparisons[-1].a == 2 and rec.comparisons[-1].b == 3  # the final
    assert all(c.reason == "judge agreed in both orders" for c in rec.comparisons)
    assert result.selected is not None and result.selected.code == CORRECT
    # C - 1 = 3 matches, each 1 distinguishing + 2 judge calls, after 1 input call.
    assert result.usage.by_stage["selection"].llm_calls == 1 + 3 * 3


@pytest.mark.parametrize("biased", [first_shown, second_shown])
async def test_a_position_biased_judge_leaves_every_match_to_the_tie_break(
    sandbox: LocalSandbox, biased: Callable[[str, str], str]
) -> None:
    # The control for the test above: a judge whose answer depends only on the order
    # splits every match, and the lowest index (a wrong program) wins throughout.
    w = world(samples=FOUR, inputs=SPLITTING_INPUTS, distinguishing=[], judge=biased)
    result = await run(w, SStarSelection(sources=MODEL_ONLY), sandbox)
    rec = result.selection
    assert rec is not None
    assert matches(rec) == [(0, 1, 0), (0, 3, 0), (1, 2, 1)]
    assert all(c.reason == "judge split or unclear; larger cluster kept" for c in rec.comparisons)
    assert result.selected is not None and result.selected.code == WRONG_LEN


# Three clusters: {0, 1} (two wrong programs that agree), {2} and {3}.
THREE = [WRONG_LEN, WRONG_LEN_2, WRONG_TWOS, CORRECT]


async def test_three_clusters_give_the_middle_seed_a_bye(sandbox: LocalSandbox) -> None:
    judge = ranking(CORRECT, WRONG_TWOS, WRONG_LEN)
    w = world(samples=THREE, inputs=SPLITTING_INPUTS, distinguishing=[], judge=judge)
    result = await run(w, SStarSelection(sources=MODEL_ONLY, predict=0, references=0), sandbox)
    rec = result.selection
    assert rec is not None and rec.clusters == [[0, 1], [2], [3]]
    # Seeds 0 (largest), 2, 3: 0 meets 3 while 2 waits; 2 then meets the winner.
    # Both matches go against the tie-break (larger cluster, then lower index).
    assert [(c.a, c.b, c.winner) for c in rec.comparisons] == [(0, 3, 3), (2, 3, 3)]
    assert result.selected is not None and result.selected.code == CORRECT
    assert rec.note == "knockout over 3 clusters (2 rounds)"
    assert result.usage.by_stage["selection"].llm_calls == 1 + 3 * 2


async def test_clusters_beyond_max_clusters_are_not_contenders(sandbox: LocalSandbox) -> None:
    # The judge would pick CORRECT, but its cluster is the third of three and only two
    # may contend: it is never shown to the model, let alone selected.
    judge = ranking(CORRECT, WRONG_TWOS, WRONG_LEN)
    w = world(samples=THREE, inputs=SPLITTING_INPUTS, distinguishing=[], judge=judge)
    result = await run(
        w, SStarSelection(sources=MODEL_ONLY, max_clusters=2, predict=0, references=0), sandbox
    )
    rec = result.selection
    assert rec is not None and rec.clusters == [[0, 1], [2], [3]]
    assert [(c.a, c.b, c.winner) for c in rec.comparisons] == [(0, 2, 2)]
    assert result.selected is not None and result.selected.code == WRONG_TWOS
    assert not any(CORRECT in p for p in w.prompts if "Program A:" in p)
    assert result.usage.by_stage["selection"].llm_calls == 1 + 3


async def test_one_order_asks_the_judge_once_and_takes_its_word(sandbox: LocalSandbox) -> None:
    w = world()
    result = await run(
        w, SStarSelection(sources=MODEL_ONLY, orders="one", predict=0, references=0), sandbox
    )
    rec = result.selection
    assert rec is not None
    [comp] = rec.comparisons
    assert (comp.a, comp.b, comp.winner, comp.votes) == (0, 3, 3, ["b"])
    assert comp.reason == "judge"
    assert w.judge_calls == [(WRONG_LEN, CORRECT)]
    assert result.usage.by_stage["selection"].llm_calls == 1 + 1 + 1
    # With one order nothing cancels position bias: the first program shown wins.
    biased = world(judge=first_shown)
    result = await run(biased, SStarSelection(sources=MODEL_ONLY, orders="one"), sandbox)
    assert result.selection is not None
    [comp] = result.selection.comparisons
    assert (comp.winner, comp.votes, comp.reason) == (0, ["a"], "judge")


async def test_without_distinguish_the_judge_sees_only_synthesised_inputs(
    sandbox: LocalSandbox,
) -> None:
    w = world()
    result = await run(
        w, SStarSelection(sources=MODEL_ONLY, distinguish=False, predict=0, references=0), sandbox
    )
    rec = result.selection
    assert rec is not None
    assert not any("would produce different outputs" in p for p in w.prompts)
    [comp] = rec.comparisons
    # Of the synthesised inputs, [4, 4] and [1, 1, 2] split len(xs) from len(set(xs))
    # (shown smallest first); the distinguishing input [2, 2, 3] the model would have
    # given is not asked for.
    assert comp.inputs == [[[4, 4]], [[1, 1, 2]]]
    assert (comp.winner, comp.votes) == (3, ["b", "b"])
    assert result.usage.by_stage["selection"].llm_calls == 1 + 2


async def test_one_distinct_passing_program_needs_no_model(sandbox: LocalSandbox) -> None:
    w = world(samples=[CORRECT, CRASHES])
    result = await run(w, SStarSelection(sources=MODEL_ONLY), sandbox)
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


async def test_codet_reads_tests_written_as_asserts(sandbox: LocalSandbox) -> None:
    # As its prompt asks, and as docstrings write them; the examples come first.
    w = world(
        codet_reply="```python\nassert count_distinct([1, 1, 2]) == 2\n"
        "assert 1 == count_distinct([3, 3])\nassert count_distinct([]) == 0\n"
        "assert count_distinct([9, 9, 9]) == 1\nassert count_distinct(xs) == 1\n```"
    )
    result = await run(w, CodeTSelection(), sandbox)
    rec = result.selection
    assert rec is not None and rec.inputs == [[[1, 1, 2]], [[3, 3]], [[]], [[9, 9, 9]]]
    assert result.selected is not None and result.selected.code == CORRECT
    asked = next(p for p in w.prompts if "test cases with their expected" in p)
    assert "assert count_distinct([1, 2, 3]) == 3" in asked  # the public example first


async def test_codet_reads_stdin_tests_as_input_and_output_blocks(sandbox: LocalSandbox) -> None:
    problem = Problem(
        id="sum", prompt="Print the sum of the integers on the line.", kind="stdin",
        public_tests=[TestCase(input="1 2\n", output="3\n")],
        private_tests=[TestCase(input="5\n", output="5\n")],
    )  # fmt: skip
    right, wrong = "print(sum(map(int, input().split())))\n", "print(3)\n"
    # Blocks tagged as input and output, as a model may write them, stay paired.
    reply = "".join(
        f"```input\n{x}\n```\n```output\n{y}\n```\n" for x, y in (("4 4", "8"), ("-1 1", "0"))
    )
    w = World(samples=[wrong, right, right, wrong, wrong, wrong], codet_reply=reply)
    result = await solve(
        problem, model=Model(w.backend()), sandbox=sandbox,
        sampling=TemperatureSampling(n=6), revision=NoRevision(), selection=CodeTSelection(),
    )  # fmt: skip
    rec = result.selection
    assert rec is not None and rec.inputs == ["4 4\n", "-1 1\n"]
    assert result.selected is not None and result.selected.code == right


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
