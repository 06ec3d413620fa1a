"""Adaptive sampling: waves of samples, stopping once the candidates that pass the
public tests agree on mutated inputs; never stopping on a pool that disagrees."""

from __future__ import annotations

import pytest

from agentsstar.model import Model
from agentsstar.pipeline import solve
from agentsstar.records import Result
from agentsstar.sandboxes.local import LocalSandbox
from agentsstar.strategies.revision.self_debug import NoRevision
from agentsstar.strategies.sampling.diverse import DiverseSampling
from agentsstar.strategies.sampling.temperature import TemperatureSampling
from agentsstar.strategies.selection.simple import PublicSelection

from .world import CORRECT, WRONG_LEN, World, distinct_problem

pytestmark = pytest.mark.anyio


async def run(samples: list[str], sampling: object, sandbox: LocalSandbox) -> Result:
    return await solve(
        distinct_problem(),
        model=Model(World(samples=samples).backend()),
        sandbox=sandbox,
        sampling=sampling,  # type: ignore[arg-type]
        revision=NoRevision(),
        selection=PublicSelection(),
    )


async def test_agreeing_passers_stop_sampling_after_the_first_wave(sandbox: LocalSandbox) -> None:
    result = await run([CORRECT], TemperatureSampling(n=8, adaptive=True), sandbox)
    assert len(result.candidates) == 2
    assert result.usage.by_stage["sampling"].llm_calls == 2
    assert result.private is not None and result.private.accepted


async def test_a_pool_that_disagrees_is_sampled_in_full(sandbox: LocalSandbox) -> None:
    # Both pass the public test; a mutated input (a duplicate) tells them apart.
    result = await run([CORRECT, WRONG_LEN], TemperatureSampling(n=6, adaptive=True), sandbox)
    assert len(result.candidates) == 6


async def test_too_few_passers_keep_it_going(sandbox: LocalSandbox) -> None:
    # One passer per wave of two: agree=3 needs a third wave.
    broken = "def count_distinct(xs):\n    return -1\n"
    sampling = TemperatureSampling(n=8, wave=2, agree=3, adaptive=True)
    result = await run([CORRECT, broken], sampling, sandbox)
    assert len(result.candidates) == 6


async def test_adaptive_samples_are_a_prefix_of_the_full_run(sandbox: LocalSandbox) -> None:
    samples = [CORRECT, CORRECT, WRONG_LEN, CORRECT]
    full = await run(samples, TemperatureSampling(n=4), sandbox)
    early = await run(samples, TemperatureSampling(n=4, adaptive=True), sandbox)
    assert [c.code for c in early.candidates] == [c.code for c in full.candidates][:2]


async def test_off_by_default_and_for_diverse_too(sandbox: LocalSandbox) -> None:
    assert len((await run([CORRECT], TemperatureSampling(n=4), sandbox)).candidates) == 4
    result = await run([CORRECT], DiverseSampling(n=4, wave=1, adaptive=True), sandbox)
    assert len(result.candidates) == 2  # a wave of one, then two agreeing passers
