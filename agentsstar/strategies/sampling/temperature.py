"""``temperature``: N independent samples at a temperature, all at once."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from agentsstar import prompts
from agentsstar.budget import BudgetExhausted
from agentsstar.concurrency import map_all
from agentsstar.context import Context
from agentsstar.extract import extract_code
from agentsstar.strategies.base import Sample, StrategyBase


async def draw(ctx: Context, n: int, temperature: float, hints: list[str | None]) -> list[Sample]:
    """``n`` concurrent samples; sample ``i`` gets seed ``ctx.seed + i`` and ``hints[i]``.

    Distinct seeds matter: servers and llama.cpp return the same text for the same
    seed, and N identical candidates would waste the whole budget.
    """

    async def one(i: int) -> Sample | None:
        messages = prompts.sample_messages(ctx.problem, hints[i])
        try:
            reply = await ctx.chat("sampling", messages, temperature=temperature, seed=ctx.seed + i)
        except BudgetExhausted:
            return None  # the budget is spent: keep the samples that came back
        code = extract_code(reply.text, ctx.problem.entry_point)
        sample = Sample(reply=reply.text, code=code, note=hints[i], index=i)
        ctx.sampled(i, sample)
        return sample

    return [s for s in await map_all(one, range(n)) if s is not None]


class TemperatureSampling(StrategyBase):
    """N samples at ``temperature`` with distinct seeds (the S* paper: N=16, 0.7)."""

    name: ClassVar[str] = "temperature"
    n: int = Field(default=8, ge=1, le=1024)
    temperature: float = Field(default=0.7, ge=0.0, le=2.0)

    async def sample(self, ctx: Context) -> list[Sample]:
        return await draw(ctx, self.n, self.temperature, [None] * self.n)


class GreedySampling(StrategyBase):
    """One sample at temperature 0: the zero-shot baseline."""

    name: ClassVar[str] = "greedy"

    async def sample(self, ctx: Context) -> list[Sample]:
        return await draw(ctx, 1, 0.0, [None])
