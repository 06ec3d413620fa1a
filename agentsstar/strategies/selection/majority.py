"""``majority``: the S* paper's majority-vote baseline.

Cluster candidates by their outputs on model-synthesised inputs and take the largest
cluster. No judge: where S* asks which behaviour is right, majority assumes the
most common behaviour is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from pydantic import Field

from agentsstar.context import Context
from agentsstar.records import Candidate, SelectionRecord
from agentsstar.strategies.base import StrategyBase
from agentsstar.strategies.selection import _inputs as inp


class MajoritySelection(StrategyBase):
    name: ClassVar[str] = "majority"
    num_inputs: int = Field(default=8, ge=1, le=100)
    # The paper's baseline votes over all samples; True first keeps only candidates
    # passing the public tests (as S* does), to isolate the judge's contribution.
    public_filter: bool = False

    async def select(self, ctx: Context, candidates: Sequence[Candidate]) -> SelectionRecord:
        pooled = (
            inp.pool(candidates)
            if self.public_filter
            else [c for c in candidates if c.code is not None]
        )
        record = SelectionRecord(strategy=self.name, selected=None, pool=[c.index for c in pooled])
        if inp.settled_without_execution(record, pooled):
            return record
        report = await inp.synthesise_inputs(ctx, self.num_inputs)
        record.synthesis.append(report.record("inputs"))
        behaviour = await inp.run_all(ctx, pooled, report.inputs)
        record.inputs, record.discarded_inputs = behaviour.inputs, behaviour.discarded
        record.clusters = inp.cluster(pooled, behaviour, ctx.problem.kind)
        record.selected = inp.representative(record.clusters[0], pooled)
        record.note = (
            f"largest of {len(record.clusters)} clusters ({len(record.clusters[0])} members)"
            if behaviour.inputs
            else inp.fallback_note([report], behaviour, pooled)
        )
        return record
