"""One judged match between programs a and b, asked in one or both orders.

A small judge prefers whichever program it is shown first about as often as the
better one; asking again with the order swapped and trusting only agreement turns that
position bias into an honest "undecided" instead of a coin flip. ``sstar`` (judge
shown real outputs) and ``llm-judge`` (code alone) both vote this way.
"""

from __future__ import annotations

from collections.abc import Callable

from agentsstar.backends.base import Message
from agentsstar.concurrency import map_all
from agentsstar.context import Context
from agentsstar.extract import extract_choice
from agentsstar.records import Vote

#: The messages for one order: ``swapped`` is False for "a shown as A", True for
#: "b shown as A".
Ask = Callable[[bool], list[Message]]


async def judge_votes(
    ctx: Context, ask: Ask, *, both_orders: bool, temperature: float, seed: int
) -> list[Vote]:
    """The judge's pick in each order, mapped back to ``a``/``b`` (``none`` when the
    reply names neither)."""

    async def one(swapped: bool) -> Vote:
        reply = await ctx.chat(
            "selection", ask(swapped), temperature=temperature, seed=seed + int(swapped)
        )
        choice = extract_choice(reply.text)
        if choice is None:
            return "none"
        return "a" if (choice == "A") != swapped else "b"

    return await map_all(one, [False, True] if both_orders else [False])


def agreed(votes: list[Vote]) -> Vote | None:
    """``a`` or ``b`` when every vote that names one names the same; else None."""
    decided = {v for v in votes if v != "none"}
    return decided.pop() if len(decided) == 1 else None
