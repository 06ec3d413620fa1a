"""The pipeline's flow: a candidate's revision starts as soon as its own sample is
back, not when the whole pool is."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import anyio
import pytest

from agentsstar import load_problem, solve
from agentsstar.backends import GenerationParams, Message
from agentsstar.backends.scripted import ScriptedBackend
from agentsstar.strategies import SelfDebug, TemperatureSampling

pytestmark = pytest.mark.anyio

PROBLEM = load_problem(Path(__file__).parent.parent / "examples" / "reverse-words.json")
RIGHT = "```python\nprint(' '.join(input().split()[::-1]))\n```"
WRONG = "```python\nprint(input())\n```"


async def test_revision_of_a_fast_sample_does_not_wait_for_a_slow_one() -> None:
    events: list[tuple[str, float]] = []
    start = time.perf_counter()

    async def answer(messages: Sequence[Message], params: GenerationParams) -> str:
        revising = "Expected" in messages[-1].content or "failed" in messages[-1].content
        if revising:
            events.append(("revision asked", time.perf_counter() - start))
            return RIGHT
        if params.seed == 1:  # the second sample is slow
            await anyio.sleep(1.0)
            events.append(("slow sample back", time.perf_counter() - start))
            return RIGHT
        return WRONG  # the first sample is fast and needs a revision

    result = await solve(
        PROBLEM,
        model=ScriptedBackend(answer),
        sampling=TemperatureSampling(n=2),
        revision=SelfDebug(rounds=1),
        seed=0,
    )
    order = [name for name, _ in events]
    assert order == ["revision asked", "slow sample back"]
    assert [len(c.attempts) for c in result.candidates] == [2, 1]
    assert [c.index for c in result.candidates] == [0, 1]
    assert result.private is not None and result.private.accepted
