"""Shared machinery of execution-based selection: the pool, synthesised inputs,
running every candidate on them, and clustering by behaviour."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import anyio

from agentsstar import prompts
from agentsstar.checking import output_key
from agentsstar.context import Context
from agentsstar.extract import extract_json_list
from agentsstar.problem import Problem
from agentsstar.records import Candidate, SelectionRecord
from agentsstar.sandboxes.base import ExecResult, Verdict

MAX_INPUT_CHARS = 20_000  # a "moderately large" input; bigger ones are model noise


def pool(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Candidates worth choosing from: those passing every public test, else those
    with the best public score (the S* fallback). Candidates without code are out."""
    with_code = [c for c in candidates if c.code is not None]
    if not with_code:
        return []
    passing = [c for c in with_code if c.final.passes_all_public]
    if passing:
        return passing
    best = max(c.final.public_passed for c in with_code)
    return [c for c in with_code if c.final.public_passed == best]


def distinct_programs(candidates: Sequence[Candidate]) -> int:
    """How many different programs (ignoring whitespace) the candidates hold."""
    return len({" ".join((c.code or "").split()) for c in candidates})


def settled_without_execution(record: SelectionRecord, pooled: Sequence[Candidate]) -> bool:
    """Decide ``record`` when there is nothing to tell apart: an empty pool, or one
    distinct program (possibly sampled several times). True when decided."""
    if not pooled:
        record.note = "no candidate produced code"
        return True
    if distinct_programs(pooled) == 1:
        record.selected = pooled[0].index
        record.note = "a single distinct program in the pool"
        return True
    return False


def _arity(problem: Problem) -> int | None:
    sizes = {len(t.input) for t in problem.public_tests if isinstance(t.input, list)}
    return sizes.pop() if len(sizes) == 1 else None


def clean_inputs(problem: Problem, raw: Sequence[Any] | None, limit: int) -> list[Any]:
    """Keep well-formed, distinct, not absurdly large inputs, at most ``limit``."""
    out: list[Any] = []
    seen: set[str] = set()
    arity = _arity(problem)
    for item in raw or []:
        value: Any = item
        if problem.kind == "stdin":
            if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
                value = "\n".join(str(v) for v in value)
            if isinstance(value, int | float) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str) or not value.strip():
                continue
            if not value.endswith("\n"):
                value += "\n"
        else:
            if not isinstance(value, list):
                if arity == 1:
                    value = [value]
                else:
                    continue
            if arity is not None and len(value) != arity:
                continue
        key = json.dumps(value, sort_keys=True)
        if len(key) > MAX_INPUT_CHARS or key in seen:
            continue
        seen.add(key)
        out.append(value)
        if len(out) >= limit:
            break
    return out


async def synthesise_inputs(ctx: Context, count: int, *, seed_offset: int = 0) -> list[Any]:
    """Ask the model for test inputs only; outputs come from execution, never the model."""
    reply = await ctx.chat(
        "selection",
        prompts.input_generation_messages(ctx.problem, count),
        seed=ctx.seed + 50_000 + seed_offset,
    )
    return clean_inputs(ctx.problem, extract_json_list(reply.text), count)


@dataclass
class Behaviour:
    """Every pooled candidate's results on the kept inputs."""

    inputs: list[Any]
    discarded: list[Any]
    results: dict[int, list[ExecResult]]  # candidate index -> one result per kept input

    def key(self, index: int, kind: str) -> tuple[str, ...]:
        return tuple(result_key(r, kind) for r in self.results[index])


def result_key(r: ExecResult, kind: str) -> str:
    if r.verdict is not Verdict.OK:
        return f"<{r.verdict.value}>"
    return output_key(r.stdout, r.value, kind)


async def run_all(ctx: Context, candidates: Sequence[Candidate], inputs: list[Any]) -> Behaviour:
    """Run every candidate on every input (concurrently), then drop the inputs on
    which every candidate failed: such an input is most likely invalid and must not
    decide anything."""
    results: dict[int, list[ExecResult]] = {}

    async def one(c: Candidate) -> None:
        assert c.code is not None
        results[c.index] = await ctx.execute(c.code, inputs)

    async with anyio.create_task_group() as tg:
        for c in candidates:
            tg.start_soon(one, c)
    keep = [j for j in range(len(inputs)) if any(results[c.index][j].ok for c in candidates)]
    dropped = [inputs[j] for j in range(len(inputs)) if j not in keep]
    return Behaviour(
        inputs=[inputs[j] for j in keep],
        discarded=dropped,
        results={i: [rs[j] for j in keep] for i, rs in results.items()},
    )


def cluster(candidates: Sequence[Candidate], behaviour: Behaviour, kind: str) -> list[list[int]]:
    """Group candidates with identical outputs on *all* kept inputs at once.

    Clusters are ordered largest first, then by best public score, then by index, so
    the order is deterministic.
    """
    groups: dict[tuple[str, ...], list[int]] = {}
    for c in candidates:
        groups.setdefault(behaviour.key(c.index, kind), []).append(c.index)
    by_index = {c.index: c for c in candidates}

    def rank(members: list[int]) -> tuple[int, int, int]:
        best = max(by_index[i].final.public_passed for i in members)
        return (-len(members), -best, min(members))

    return sorted(groups.values(), key=rank)


def representative(members: Sequence[int], candidates: Sequence[Candidate]) -> int:
    """The member with the best public score (lowest index on ties)."""
    by_index = {c.index: c for c in candidates}
    return min(members, key=lambda i: (-by_index[i].final.public_passed, i))
