"""``diverse``: N samples that are each told to take a different approach.

Plain temperature sampling from a small model tends to repeat one idea, bugs included.
Varying the instruction spreads the candidates over approaches, which is what the
selection stage needs to have something to choose between.
"""

from __future__ import annotations

from typing import ClassVar

from agentsstar.context import Context
from agentsstar.strategies.base import Sample
from agentsstar.strategies.sampling.adaptive import DrawsSamples

HINTS: tuple[str, ...] = (
    "the most direct, straightforward solution; check edge cases carefully",
    "first reason step by step about the algorithm in a few sentences, then write the code",
    "an approach based on sorting or a hash map if it fits",
    "handle empty, minimal and maximal inputs explicitly before the main logic",
    "a simulation that follows the statement literally, written very carefully",
    "a solution with the best time complexity you can find",
    "dynamic programming or greedy reasoning if it fits; explain the invariant in a comment",
    "small helper functions, each doing one clear thing",
)


class DiverseSampling(DrawsSamples):
    """N samples, sample ``i`` given approach hint ``i`` (cycling through ``hints``)."""

    name: ClassVar[str] = "diverse"
    hints: tuple[str, ...] = HINTS

    async def sample(self, ctx: Context) -> list[Sample]:
        hints: list[str | None] = [self.hints[i % len(self.hints)] for i in range(self.n)]
        return await self.draw_all(ctx, hints)
