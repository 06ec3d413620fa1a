"""Per-problem budgets: tokens and wall time that one ``solve`` may spend.

A budget is checked before every model call: once it is spent, no call starts
(``Context.chat`` raises ``BudgetExhausted``), and a call still running when the time
budget ends is cut off. Stages then settle with what they have: sampling keeps the
samples that came back, revision keeps the rounds made so far, selection decides as
far as it got (or falls back to the public tests). The run still returns a program
and records which budget ended it, at which stage.

Tokens count every reply, cached ones included, so a run replayed from the
model-call cache stops exactly where the original did.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal, NoReturn

from agentsstar.records import BudgetStop


class BudgetExhausted(Exception):
    """No model call may start: the problem's budget is spent.

    Raised by ``Context.chat``; the pipeline and the built-in strategies catch it and
    settle with what they have. Never escapes ``solve``.
    """


@dataclass
class Budget:
    """Limits for one problem (``None``: unlimited) and what has been spent."""

    tokens: int | None = None
    seconds: float | None = None
    spent_tokens: int = 0
    started: float = field(default_factory=time.monotonic)
    stop: BudgetStop | None = None

    @property
    def limited(self) -> bool:
        return self.tokens is not None or self.seconds is not None

    def seconds_left(self) -> float | None:
        if self.seconds is None:
            return None
        return self.seconds - (time.monotonic() - self.started)

    def check(self, stage: str) -> None:
        """Raise ``BudgetExhausted`` (and record the first stop) if nothing may start."""
        kind: Literal["tokens", "time"] | None = None
        if self.tokens is not None and self.spent_tokens >= self.tokens:
            kind = "tokens"
        left = self.seconds_left()
        if left is not None and left <= 0:
            kind = kind or "time"
        if kind is not None:
            self.exhausted(kind, stage)

    def exhausted(self, kind: Literal["tokens", "time"], stage: str) -> NoReturn:
        if self.stop is None:
            self.stop = BudgetStop(
                kind=kind,
                stage=stage,
                limit=float((self.tokens if kind == "tokens" else self.seconds) or 0),
                spent_tokens=self.spent_tokens,
                seconds=time.monotonic() - self.started,
            )
        raise BudgetExhausted(f"{kind} budget spent during {stage}")

    def spend(self, tokens: int) -> None:
        self.spent_tokens += tokens


def only_budget(exc: BaseException) -> bool:
    """Whether ``exc`` is ``BudgetExhausted``, or a task group's failure made only of
    it (several concurrent calls refused at once)."""
    if isinstance(exc, BaseExceptionGroup):
        return all(only_budget(e) for e in exc.exceptions)
    return isinstance(exc, BudgetExhausted)
