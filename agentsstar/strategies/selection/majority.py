"""``majority``: the S* paper's majority-vote baseline.

Cluster candidates by their outputs on model-synthesised inputs and take the largest
cluster. No judge: where S* asks which behaviour is right, majority assumes the
most common behaviour is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from agentsstar.context import Context
from agentsstar.records import Candidate, SelectionRecord
from agentsstar.strategies.selection import _inputs as inp
from agentsstar.strategies.selection._sources import GathersInputs, SourceName


class MajoritySelection(GathersInputs):
    name: ClassVar[str] = "majority"
    # The paper's baseline votes over all samples; True first keeps only candidates
    # passing the public tests (as S* does), to isolate the judge's contribution.
    public_filter: bool = False
    # The paper's baseline clusters on the model's inputs only; give it the other
    # sources (see sstar) to compare the two on the same evidence.
    sources: tuple[SourceName, ...] = ("model",)

    async def select(self, ctx: Context, candidates: Sequence[Candidate]) -> SelectionRecord:
        pooled = (
            inp.pool(candidates)
            if self.public_filter
            else [c for c in candidates if c.code is not None]
        )
        record = SelectionRecord(strategy=self.name, selected=None, pool=[c.index for c in pooled])
        if inp.settled_without_execution(record, pooled):
            return record
        _, reports, behaviour = await self.gather_and_run(ctx, record, pooled)
        record.clusters = inp.cluster(pooled, behaviour, ctx.problem.kind)
        record.selected = inp.representative(record.clusters[0], pooled)
        record.note = (
            f"largest of {len(record.clusters)} clusters ({len(record.clusters[0])} members)"
            if behaviour.inputs
            else inp.fallback_note(reports, behaviour, pooled)
        )
        return record
