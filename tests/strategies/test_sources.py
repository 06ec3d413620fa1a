"""Selection inputs from three sources: the model, generator programs and mutation of
the public inputs; the record says what each gave and which split the pool."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from agentsstar.backends import GenerationParams, Message
from agentsstar.backends.scripted import ScriptedBackend
from agentsstar.context import Context
from agentsstar.model import Model
from agentsstar.records import Attempt, Candidate
from agentsstar.sandboxes import LocalSandbox
from agentsstar.strategies.selection.majority import MajoritySelection
from agentsstar.strategies.selection.sstar import SStarSelection

from .world import CORRECT, WRONG_LEN, distinct_problem

pytestmark = pytest.mark.anyio

GENERATOR = "import json\nprint(json.dumps([[[4, 4, 4]], [[7, 8, 7, 8]], [[]]]))\n"


def scripted(generator: str = GENERATOR) -> ScriptedBackend:
    def reply(messages: Sequence[Message], params: GenerationParams) -> str:
        text = messages[-1].content
        if "Write a short Python program that builds" in text:
            return f"```python\n{generator}```"
        if "Both programs were executed" in text:
            # A judge that knows the right program, wherever it is shown.
            b = text.split("Program B:\n```python\n", 1)[1].split("```", 1)[0]
            return "Answer: B" if "set(" in b else "Answer: A"
        return "I am not sure what inputs to write."  # the direct call yields nothing

    return ScriptedBackend(reply)


async def pool_of(ctx: Context, *codes: str) -> list[Candidate]:
    out = []
    for i, code in enumerate(codes):
        public = await ctx.run_public(code)
        out.append(
            Candidate(index=i, attempts=[Attempt(round=0, code=code, reply="", public=public)])
        )
    return out


async def test_mutation_alone_splits_a_pool_the_model_could_not(sandbox: LocalSandbox) -> None:
    backend = scripted()
    ctx = Context(problem=distinct_problem().public(), model=Model(backend), sandbox=sandbox)
    cands = await pool_of(ctx, WRONG_LEN, CORRECT)
    record = await SStarSelection(sources=("model", "mutation")).select(ctx, cands)
    by_source = {s.source: s for s in record.sources}
    assert by_source["model"].kept == 0 and by_source["model"].error
    assert not by_source["model"].split
    assert by_source["mutation"].kept > 0 and by_source["mutation"].split
    assert set(record.input_sources) == {"mutation"}
    assert len(record.input_sources) == len(record.inputs)
    assert record.clusters == [[0], [1]]
    # The judge saw inputs that split the two programs, with their real outputs.
    [comp] = record.comparisons
    assert comp.inputs and all(a != b for a, b in zip(comp.outputs_a, comp.outputs_b, strict=True))
    assert record.selected == 1


async def test_a_generator_programs_inputs_are_used_and_recorded(sandbox: LocalSandbox) -> None:
    ctx = Context(problem=distinct_problem().public(), model=Model(scripted()), sandbox=sandbox)
    cands = await pool_of(ctx, WRONG_LEN, CORRECT)
    record = await SStarSelection(sources=("generator",), distinguish=False).select(ctx, cands)
    [source] = record.sources
    assert (source.source, source.offered, source.kept, source.split) == ("generator", 3, 3, True)
    assert record.inputs == [[[4, 4, 4]], [[7, 8, 7, 8]], [[]]]
    assert record.input_sources == ["generator"] * 3
    assert record.selected == 1


async def test_a_looping_generator_is_contained_and_the_others_still_count(
    sandbox: LocalSandbox,
) -> None:
    backend = scripted(generator="while True:\n    pass\n")
    ctx = Context(problem=distinct_problem().public(), model=Model(backend), sandbox=sandbox)
    cands = await pool_of(ctx, WRONG_LEN, CORRECT)
    record = await SStarSelection().select(ctx, cands)  # every source
    by_source = {s.source: s for s in record.sources}
    assert by_source["generator"].kept == 0
    assert (by_source["generator"].error or "").startswith("the generator ended in time_limit")
    assert by_source["mutation"].split
    assert record.selected == 1


async def test_majority_uses_the_sources_it_is_given(sandbox: LocalSandbox) -> None:
    ctx = Context(problem=distinct_problem().public(), model=Model(scripted()), sandbox=sandbox)
    cands = await pool_of(ctx, WRONG_LEN, WRONG_LEN.replace("xs", "ys"), CORRECT)
    paper = await MajoritySelection().select(ctx, cands)
    assert [s.source for s in paper.sources] == ["model"]
    assert "no usable synthesised inputs" in paper.note
    grounded = await MajoritySelection(sources=("mutation",)).select(ctx, cands)
    assert grounded.clusters == [[0, 1], [2]]  # the two wrong programs agree with each other
    assert grounded.selected == 0 and grounded.sources[0].split
