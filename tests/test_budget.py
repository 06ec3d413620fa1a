"""Token and time budgets per problem: no call starts once spent, the run still
returns its best program, and the result says which budget ended it and where."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import anyio
import pytest

from agentsstar import load_problem, solve
from agentsstar.backends import Completion, GenerationParams, Message
from agentsstar.backends.scripted import ScriptedBackend
from agentsstar.model import Model
from agentsstar.strategies import SelfDebug, TemperatureSampling
from agentsstar.strategies.selection.sstar import SStarSelection

pytestmark = pytest.mark.anyio

PROBLEM = load_problem(Path(__file__).parent.parent / "examples" / "reverse-words.json")
RIGHT = "```python\nprint(' '.join(input().split()[::-1]))\n```"
RIGHT_TOO = "```python\nwords = input().split()\nprint(' '.join(reversed(words)))\n```"
WRONG = "```python\nprint(input())\n```"
COST = 200  # tokens of every scripted reply


def scripted(sample_reply: str, *, delay: float = 0.0) -> ScriptedBackend:
    """Samples get ``sample_reply`` (seeded variants for even/odd seeds where it is a
    pair); revisions get the right program. Every reply costs ``COST`` tokens."""

    async def answer(messages: Sequence[Message], params: GenerationParams) -> Completion:
        await anyio.sleep(delay)
        revising = "failed" in messages[-1].content or "Expected" in messages[-1].content
        if revising:
            text = RIGHT
        elif sample_reply == "pair":
            text = RIGHT if (params.seed or 0) % 2 == 0 else RIGHT_TOO
        else:
            text = sample_reply
        return Completion(text, prompt_tokens=COST // 2, completion_tokens=COST // 2)

    return ScriptedBackend(answer)


async def test_a_token_budget_spent_while_sampling_keeps_the_samples_made(tmp_path: Path) -> None:
    backend = scripted(RIGHT)
    result = await solve(
        PROBLEM,
        model=Model(backend, max_concurrency=1),
        sampling=TemperatureSampling(n=4),
        token_budget=int(1.5 * COST),  # room for a second call, none for a third
    )
    # Calls queued behind the concurrency limit were refused when their turn came.
    assert len(backend.calls) == 2
    assert len(result.candidates) == 2
    assert result.budget is not None
    assert (result.budget.kind, result.budget.stage) == ("tokens", "sampling")
    assert result.budget.spent_tokens == 2 * COST
    # The run still answers, with a program that is right.
    assert result.selected is not None
    assert result.private is not None and result.private.accepted


async def test_a_token_budget_spent_while_revising_keeps_the_rounds_made() -> None:
    backend = scripted(WRONG)
    result = await solve(
        PROBLEM,
        model=Model(backend, max_concurrency=1),
        sampling=TemperatureSampling(n=2),
        revision=SelfDebug(rounds=3),
        token_budget=2 * COST + COST // 2,  # both samples and one revision
    )
    assert len(backend.calls) == 3
    rounds = sorted(len(c.attempts) for c in result.candidates)
    assert rounds == [1, 2]  # one candidate revised once, the other not at all
    assert result.budget is not None
    assert (result.budget.kind, result.budget.stage) == ("tokens", "revision")
    # The best program so far is the revised, passing one.
    assert result.selected is not None
    chosen = result.candidates[result.selected.index]
    assert chosen.final.passes_all_public
    assert result.private is not None and result.private.accepted


async def test_a_budget_spent_before_selection_falls_back_to_public_tests_openly() -> None:
    backend = scripted("pair")  # two different programs, both passing the public tests
    result = await solve(
        PROBLEM,
        model=Model(backend, max_concurrency=1),
        sampling=TemperatureSampling(n=2),
        revision=SelfDebug(rounds=1),
        selection=SStarSelection(),
        token_budget=2 * COST,
    )
    assert len(backend.calls) == 2  # S* asked for no input: the budget was spent
    assert result.budget is not None
    assert (result.budget.kind, result.budget.stage) == ("tokens", "selection")
    assert result.selection is not None
    assert result.selection.note == "tokens budget spent during selection: picked by public tests"
    assert result.selected is not None and result.selected.index == 0
    assert result.usage.by_stage.keys() == {"sampling"}


async def test_a_time_budget_cuts_off_the_call_in_flight_and_stops_the_rest() -> None:
    backend = scripted(RIGHT, delay=0.6)
    result = await solve(
        PROBLEM,
        model=Model(backend, max_concurrency=1),
        sampling=TemperatureSampling(n=6),
        time_budget=1.5,  # two replies fit, the third is cut off at 1.5 s
    )
    assert len(result.candidates) == 2
    assert len(backend.calls) == 3  # the third was started and then cut off
    assert result.budget is not None
    assert (result.budget.kind, result.budget.stage) == ("time", "sampling")
    assert 1.5 <= result.budget.seconds < 1.5 + 0.6  # not a full extra reply
    assert result.selected is not None


async def test_no_budget_means_no_budget_record() -> None:
    result = await solve(PROBLEM, model=Model(scripted(RIGHT)), sampling=TemperatureSampling(n=2))
    assert result.budget is None
    assert len(result.candidates) == 2
