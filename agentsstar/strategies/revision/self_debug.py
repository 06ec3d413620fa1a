"""``self-debug``: show the model its failures on the public tests and ask for a fix.

Each round executes the new program for real; a candidate stops as soon as it passes
every public test. ``context="all"`` replays every earlier round in the prompt,
``context="last"`` only the latest attempt (the S* paper studied both).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from agentsstar import prompts
from agentsstar.budget import BudgetExhausted
from agentsstar.context import Context
from agentsstar.extract import extract_code
from agentsstar.records import Attempt, Candidate
from agentsstar.strategies.base import StrategyBase


class SelfDebug(StrategyBase):
    name: ClassVar[str] = "self-debug"
    rounds: int = Field(default=2, ge=0, le=20)
    context: Literal["all", "last"] = "last"
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)

    async def revise(self, ctx: Context, candidate: Candidate) -> Candidate:
        attempts = list(candidate.attempts)
        if not ctx.problem.public_tests:
            return candidate  # nothing to debug against
        for r in range(1, self.rounds + 1):
            last = attempts[-1]
            if last.passes_all_public:
                break
            history = attempts if self.context == "all" else attempts[-1:]
            messages = prompts.debug_messages(ctx.problem, history)
            try:
                reply = await ctx.chat(
                    "revision",
                    messages,
                    temperature=self.temperature,
                    seed=ctx.seed + 1000 * r + candidate.index,
                )
            except BudgetExhausted:
                break  # the budget is spent: keep the rounds made so far
            code = extract_code(reply.text, ctx.problem.entry_point)
            if code is None and last.code is not None:
                # A reply without code keeps the previous program; the record shows why.
                code = last.code
            public = await ctx.run_public(code)
            attempts.append(Attempt(round=r, code=code, reply=reply.text, public=public))
            ctx.emit("revised", index=candidate.index, round=r)
        return candidate.model_copy(update={"attempts": attempts})


class NoRevision(StrategyBase):
    """Keep every sample as it is (the zero-shot and majority-vote baselines)."""

    name: ClassVar[str] = "none"

    async def revise(self, ctx: Context, candidate: Candidate) -> Candidate:
        return candidate
