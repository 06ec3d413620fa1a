"""Drawing samples: one model call per sample, all at once."""

from __future__ import annotations

from agentsstar import prompts
from agentsstar.budget import BudgetExhausted
from agentsstar.concurrency import map_all
from agentsstar.context import Context
from agentsstar.extract import extract_code
from agentsstar.strategies.base import Sample


async def draw(
    ctx: Context, n: int, temperature: float, hints: list[str | None], *, start: int = 0
) -> list[Sample]:
    """Samples ``start`` to ``start + n - 1``, concurrently; sample ``i`` gets seed
    ``ctx.seed + i`` and ``hints[i]``.

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

    return [s for s in await map_all(one, range(start, start + n)) if s is not None]
