"""``llm-judge``: pairwise comparison of code alone, no execution (a baseline that
shows what grounding the judge in execution results buys)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from pydantic import Field

from agentsstar import prompts
from agentsstar.backends.base import Message
from agentsstar.context import Context
from agentsstar.records import Candidate, Comparison, SelectionRecord
from agentsstar.strategies.base import StrategyBase
from agentsstar.strategies.selection import _inputs as inp
from agentsstar.strategies.selection._judge import agreed, judge_votes
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

            def ask(swapped: bool) -> list[Message]:
                first, second = (code_b, code_a) if swapped else (code_a, code_b)
                return prompts.code_judge_messages(ctx.problem, first, second)

            votes = await judge_votes(
                ctx,
                ask,
                both_orders=True,
                temperature=self.temperature,
                seed=ctx.seed + 80_000 + 2 * number,
            )
            decided = agreed(votes)
            winner = min(a, b) if decided is None else (a if decided == "a" else b)
            record.comparisons.append(
                Comparison(
                    a=a,
                    b=b,
                    votes=votes,
                    winner=winner,
                    reason="judge split or unclear; lower index kept"
                    if decided is None
                    else "judge agreed in both orders",
                )
            )
            return winner

        record.selected = await knockout(entrants, match, lambda i: i)
        return record
