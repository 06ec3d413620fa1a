"""``temperature``: N independent samples at a temperature (``greedy``: one at 0)."""

from __future__ import annotations

from typing import ClassVar

from agentsstar.context import Context
from agentsstar.strategies.base import Sample, StrategyBase
from agentsstar.strategies.sampling._draw import draw
from agentsstar.strategies.sampling.adaptive import DrawsSamples

__all__ = ["GreedySampling", "TemperatureSampling", "draw"]


class TemperatureSampling(DrawsSamples):
    """N samples at ``temperature`` with distinct seeds (the S* paper: N=16, 0.7)."""

    name: ClassVar[str] = "temperature"

    async def sample(self, ctx: Context) -> list[Sample]:
        return await self.draw_all(ctx, [None] * self.n)


class GreedySampling(StrategyBase):
    """One sample at temperature 0: the zero-shot baseline."""

    name: ClassVar[str] = "greedy"

    async def sample(self, ctx: Context) -> list[Sample]:
        return await draw(ctx, 1, 0.0, [None])
