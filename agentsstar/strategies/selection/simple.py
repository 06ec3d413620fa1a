"""Selections that need no model: ``public``, ``random`` and the ``oracle`` bound."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import ClassVar

from agentsstar.concurrency import map_all
from agentsstar.context import Context
from agentsstar.errors import ConfigError
from agentsstar.records import Candidate, SelectionRecord
from agentsstar.strategies.base import StrategyBase
from agentsstar.strategies.selection import _inputs as inp


class PublicSelection(StrategyBase):
    """The first candidate passing every public test (else the best public score)."""

    name: ClassVar[str] = "public"

    async def select(self, ctx: Context, candidates: Sequence[Candidate]) -> SelectionRecord:
        pooled = inp.pool(candidates)
        return SelectionRecord(
            strategy=self.name,
            selected=min(c.index for c in pooled) if pooled else None,
            pool=[c.index for c in pooled],
            note="first candidate with the best public score",
        )


class RandomSelection(StrategyBase):
    """A seeded random choice among the candidates that have code."""

    name: ClassVar[str] = "random"
    seed: int = 0

    async def select(self, ctx: Context, candidates: Sequence[Candidate]) -> SelectionRecord:
        pooled = [c.index for c in candidates if c.code is not None]
        rng = random.Random(ctx.seed * 1_000_003 + self.seed)
        return SelectionRecord(
            strategy=self.name,
            selected=rng.choice(pooled) if pooled else None,
            pool=pooled,
        )


class OracleSelection(StrategyBase):
    """Picks a candidate that passes the private tests, if any does.

    Not a strategy anyone can deploy: it reads the hidden tests. It is the upper bound
    of selection (pass@N) and is labelled ``upper_bound`` in every record and report.
    """

    name: ClassVar[str] = "oracle"
    uses_private_tests: ClassVar[bool] = True

    async def select(self, ctx: Context, candidates: Sequence[Candidate]) -> SelectionRecord:
        if not ctx.sees_private:
            raise ConfigError(
                "selection 'oracle' needs a problem with private tests (it is an upper bound)"
            )
        with_code = [c for c in candidates if c.code is not None]
        scores = await map_all(lambda c: ctx.score_private(c.code), with_code)
        winners = sorted(c.index for c, s in zip(with_code, scores, strict=True) if s.accepted)
        fallback = inp.pool(candidates)
        selected = winners[0] if winners else (fallback[0].index if fallback else None)
        return SelectionRecord(
            strategy=self.name,
            selected=selected,
            pool=[c.index for c in with_code],
            upper_bound=True,
            note=f"{len(winners)} of {len(with_code)} candidates pass the private tests "
            "(oracle: an upper bound, not a deployable strategy)",
        )
