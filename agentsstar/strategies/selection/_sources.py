"""Where selection's test inputs come from, and what each source contributed.

Three sources, each recorded in the selection record with whether any of its inputs
split the pool:

- ``model``: the model writes inputs directly (S* as published);
- ``generator``: the model writes a short program that prints inputs, run in the
  sandbox (``_generators``): large and random inputs a small model cannot type out;
- ``mutation``: the public tests' inputs mutated by type (``_mutation``), no model
  call at all: valid by construction and close to where programs part.

Inputs are pooled in that order, duplicates dropped (the first source keeps one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import Field

from agentsstar.concurrency import map_all
from agentsstar.context import Context
from agentsstar.records import Candidate, InputSource, SelectionRecord
from agentsstar.strategies.base import StrategyBase
from agentsstar.strategies.selection import _inputs as inp
from agentsstar.strategies.selection._generators import generated_inputs
from agentsstar.strategies.selection._mutation import mutants
from agentsstar.strategies.selection._parse import ParsedInputs, parse_inputs

SourceName = Literal["model", "generator", "mutation"]
SOURCES: tuple[SourceName, ...] = ("model", "generator", "mutation")


@dataclass
class Gathered:
    """Inputs from every source, each tagged with where it came from."""

    inputs: list[Any] = field(default_factory=list)
    origin: list[SourceName] = field(default_factory=list)
    sources: list[InputSource] = field(default_factory=list)
    model_reports: list[ParsedInputs] = field(default_factory=list)  # per model call


async def gather(
    ctx: Context,
    sources: Sequence[SourceName],
    *,
    model_inputs: int,
    generated: int,
    mutated: int,
    again: int = 1,
) -> Gathered:
    """Ask every source in ``sources`` (the model calls run concurrently)."""
    out = Gathered()
    found: dict[SourceName, list[Any]] = {}
    notes: dict[SourceName, str | None] = {}

    async def ask(source: SourceName) -> None:
        if source == "model":
            out.model_reports = await inp.synthesise_inputs(ctx, model_inputs, again=again)
            found["model"] = out.model_reports[-1].inputs
            notes["model"] = None if found["model"] else "no usable input in the replies"
        elif source == "generator":

            def clean(raw: Sequence[Any]) -> list[Any]:
                return parse_inputs(ctx.problem, "", generated, items=list(raw)).inputs

            outcome = await generated_inputs(ctx, generated, clean)
            found["generator"] = outcome.inputs
            notes["generator"] = outcome.error
        else:
            found["mutation"] = mutants(ctx.problem, limit=mutated, seed=ctx.seed)
            notes["mutation"] = None if found["mutation"] else "no public input to mutate"

    await map_all(ask, list(sources))
    seen: set[str] = set()
    for source in sources:
        offered = found.get(source, [])
        kept = 0
        for value in offered:
            key = repr(value)
            if key in seen:
                continue
            seen.add(key)
            out.inputs.append(value)
            out.origin.append(source)
            kept += 1
        out.sources.append(
            InputSource(source=source, offered=len(offered), kept=kept, error=notes.get(source))
        )
    return out


def record_outcome(
    record: SelectionRecord,
    gathered: Gathered,
    behaviour: inp.Behaviour,
    pooled: Sequence[Candidate],
    kind: str,
) -> None:
    """Fill the record's inputs, their sources, and which sources split the pool."""
    record.inputs, record.discarded_inputs = behaviour.inputs, behaviour.discarded
    origin_of = {repr(x): o for x, o in zip(gathered.inputs, gathered.origin, strict=True)}
    record.input_sources = [origin_of.get(repr(x), "model") for x in behaviour.inputs]
    splitting: set[str] = set()
    for j, x in enumerate(behaviour.inputs):
        keys = {inp.result_key(behaviour.results[c.index][j], kind) for c in pooled}
        if len(keys) > 1:
            splitting.add(origin_of.get(repr(x), "model"))
    dropped: dict[str, int] = {}
    for x in behaviour.discarded:
        source = origin_of.get(repr(x), "model")
        dropped[source] = dropped.get(source, 0) + 1
    for s in gathered.sources:
        s.split = s.source in splitting
        s.invalid = dropped.get(s.source, 0)
    record.sources = gathered.sources


async def gather_and_run(
    ctx: Context,
    record: SelectionRecord,
    pooled: Sequence[Candidate],
    sources: Sequence[SourceName],
    *,
    model_inputs: int,
    generated: int,
    mutated: int,
    again: int = 1,
) -> tuple[Gathered, list[ParsedInputs], inp.Behaviour]:
    """Gather inputs from ``sources``, run the pool on them, and record it all."""
    gathered = await gather(
        ctx,
        sources,
        model_inputs=model_inputs,
        generated=generated,
        mutated=mutated,
        again=again,
    )
    for attempt, report in enumerate(gathered.model_reports):
        record.synthesis.append(report.record("inputs" if attempt == 0 else "inputs, asked again"))
    behaviour = await inp.run_all(ctx, pooled, gathered.inputs)
    record_outcome(record, gathered, behaviour, pooled, ctx.problem.kind)
    return gathered, gathered.model_reports, behaviour


def sources_note(gathered: Gathered) -> str:
    """What the sources gave, for a record whose inputs decided nothing."""
    parts = []
    for s in gathered.sources:
        what = f"{s.source}: {s.kept} inputs"
        if s.error:
            what += f" ({s.error})"
        parts.append(what)
    return "; ".join(parts)


class GathersInputs(StrategyBase):
    """Base of the selections that cluster candidates by behaviour on test inputs:
    how many inputs to ask each source for, and which sources to ask."""

    num_inputs: int = Field(default=8, ge=1, le=100)  # written by the model directly
    sources: tuple[SourceName, ...] = SOURCES
    generated_inputs: int = Field(default=8, ge=1, le=100)
    mutated_inputs: int = Field(default=24, ge=1, le=500)
    # A model reply with no usable input is answered with why, and asked again this
    # many times (0: ask once, as published).
    ask_again: int = Field(default=1, ge=0, le=3)

    async def gather_and_run(
        self, ctx: Context, record: SelectionRecord, pooled: Sequence[Candidate]
    ) -> tuple[Gathered, list[ParsedInputs], inp.Behaviour]:
        """``gather_and_run`` with this strategy's sources and counts."""
        return await gather_and_run(
            ctx,
            record,
            pooled,
            self.sources,
            model_inputs=self.num_inputs,
            generated=self.generated_inputs,
            mutated=self.mutated_inputs,
            again=self.ask_again,
        )
