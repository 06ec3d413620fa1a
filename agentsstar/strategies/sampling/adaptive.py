"""Sampling in waves that stops once the pool already has a clear winner.

Most problems a model finds easy need far fewer than N samples: after a few, several
candidates pass every public test and behave identically, and every further sample
only joins their cluster. With ``adaptive`` on, samples are drawn ``wave`` at a time;
after each wave the candidates that pass every public test are run on mutations of the
public inputs (no model call), and drawing stops when at least ``agree`` of them
behave identically on all of them and no passing candidate behaves otherwise.

Sample ``i`` keeps seed ``ctx.seed + i`` whether drawn adaptively or not, so an
adaptive run's samples are a prefix of the full run's (and come from the same cache).
"""

from __future__ import annotations

from typing import Any

import structlog
from pydantic import Field

from agentsstar.concurrency import map_all
from agentsstar.context import Context
from agentsstar.strategies.base import Sample, StrategyBase
from agentsstar.strategies.sampling._draw import draw
from agentsstar.strategies.selection._inputs import result_key
from agentsstar.strategies.selection._mutation import mutants

log = structlog.get_logger(__name__)

#: Mutated public inputs the early-stop check runs each passing candidate on.
CHECK_INPUTS = 16


class DrawsSamples(StrategyBase):
    """Base of the samplers that draw ``n`` programs at ``temperature``."""

    n: int = Field(default=8, ge=1, le=1024)
    temperature: float = Field(default=0.7, ge=0.0, le=2.0)
    adaptive: bool = False  # draw in waves; stop at a clear winner
    wave: int = Field(default=2, ge=1, le=1024)  # samples per wave when adaptive
    agree: int = Field(default=2, ge=1, le=1024)  # agreeing passers that stop it

    async def draw_all(self, ctx: Context, hints: list[str | None]) -> list[Sample]:
        if not self.adaptive:
            return await draw(ctx, self.n, self.temperature, hints)
        checks = mutants(ctx.problem, limit=CHECK_INPUTS, seed=ctx.seed)
        samples: list[Sample] = []
        known: dict[str, tuple[str, ...] | None] = {}
        start = 0
        while start < self.n:
            size = min(self.wave, self.n - start)
            samples += await draw(ctx, size, self.temperature, hints, start=start)
            start += size
            if start < self.n and await clear_winner(ctx, samples, checks, self.agree, known):
                log.info("sampling.stopped_early", drawn=start, of=self.n)
                ctx.emit("sampling_stopped", drawn=start, of=self.n)
                break
        return samples


async def clear_winner(
    ctx: Context,
    samples: list[Sample],
    checks: list[Any],
    agree: int,
    known: dict[str, tuple[str, ...] | None],
) -> bool:
    """Whether at least ``agree`` samples pass every public test, and every sample that
    does gives the same results on ``checks``. ``known`` keeps each program's behaviour
    from earlier waves (``None``: it fails a public test), so none is run twice."""
    codes = [s.code for s in samples if s.code is not None]
    kind = ctx.problem.kind

    async def behaviour(code: str) -> tuple[str, ...] | None:
        outcomes = await ctx.run_public(code)
        if not outcomes or not all(o.passed for o in outcomes):
            return None
        # With no public input to mutate, the public tests are all there is.
        results = await ctx.execute(code, checks) if checks else []
        return tuple(result_key(r, kind) for r in results)

    new = [c for c in dict.fromkeys(codes) if c not in known]
    known.update(zip(new, await map_all(behaviour, new), strict=True))
    passing = [known[c] for c in codes if known[c] is not None]
    return len(passing) >= agree and len(set(passing)) == 1
