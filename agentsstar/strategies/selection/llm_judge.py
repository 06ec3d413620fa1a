"""``llm-judge``: pairwise comparison of code alone, no execution (a baseline that
shows what grounding the judge in execution results buys)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import anyio
from pydantic import Field

from agentsstar import prompts
from agentsstar.context import Context
from agentsstar.extract import extract_choice
from agentsstar.records import Candidate, Comparison, SelectionRecord, Vote
from agentsstar.strategies.base import StrategyBase
from agentsstar.strategies.selection import _inputs as inp
from agentsstar.strategies.selection._tournament import knockout


class LLMJudgeSelection(StrategyBase):
    name: ClassVar[str] = "llm-judge"
    max_entrants: int = Field(default=8, ge=2, le=64)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)

    async def select(self, ctx: Context, candidates: Sequence[Candidate]) -> SelectionRecord:
        pooled = inp.pool(candidates)
        record = SelectionRecord(strategy=self.name, selected=None, pool=[c.index for c in pooled])
        # Identical programs need no judging: keep the first of each.
        unique: dict[str, Candidate] = {}
        for c in pooled:
            assert c.code is not None
            unique.setdefault(" ".join(c.code.split()), c)
        entrants = [c.index for c in unique.values()][: self.max_entrants]
        if len(entrants) <= 1:
            record.selected = entrants[0] if entrants else None
            return record
        by_index = {c.index: c for c in pooled}

        async def match(a: int, b: int, number: int) -> int:
            code_a, code_b = by_index[a].code or "", by_index[b].code or ""
            votes: list[Vote] = ["none", "none"]

            async def ask(slot: int) -> None:
                first, second = (code_a, code_b) if slot == 0 else (code_b, code_a)
                reply = await ctx.chat(
                    "selection",
                    prompts.code_judge_messages(ctx.problem, first, second),
                    temperature=self.temperature,
                    seed=ctx.seed + 80_000 + 2 * number + slot,
                )
                choice = extract_choice(reply.text)
                if choice is not None:
                    votes[slot] = "a" if (choice == "A") == (slot == 0) else "b"

            async with anyio.create_task_group() as tg:
                tg.start_soon(ask, 0)
                tg.start_soon(ask, 1)
            decided = {v for v in votes if v != "none"}
            winner = (a if decided == {"a"} else b) if len(decided) == 1 else min(a, b)
            record.comparisons.append(
                Comparison(
                    a=a,
                    b=b,
                    votes=votes,
                    winner=winner,
                    reason="judge agreed in both orders"
                    if len(decided) == 1
                    else "judge split or unclear; lower index kept",
                )
            )
            return winner

        record.selected = await knockout(entrants, match, lambda i: i)
        return record
