"""Shared machinery of execution-based selection: the pool, synthesised inputs,
running every candidate on them, and clustering by behaviour."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agentsstar import prompts
from agentsstar.checking import output_key
from agentsstar.concurrency import map_all
from agentsstar.context import Context
from agentsstar.problem import Problem
from agentsstar.records import Candidate, SelectionRecord
from agentsstar.sandboxes.base import ExecResult, Verdict
from agentsstar.strategies.selection._parse import (
    MAX_INPUT_CHARS,
    ParsedInputs,
    parse_inputs,
    tally,
)

__all__ = ["MAX_INPUT_CHARS", "ParsedInputs", "parse_inputs"]


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


def synthesis_note(reports: Sequence[ParsedInputs], invalid: int = 0) -> str:
    """Why no synthesised input could tell the pool apart: the items parsed, those
    dropped and why, and those every candidate failed on (most likely invalid)."""
    parsed = sum(r.parsed for r in reports)
    reasons = [reason for r in reports for _, reason in r.dropped]
    reasons += ["every candidate failed on it"] * invalid
    return f"no usable synthesised inputs ({parsed} parsed, {len(reasons)} dropped" + (
        f": {tally(reasons)})" if reasons else ")"
    )


def fallback_note(
    reports: Sequence[ParsedInputs], behaviour: Behaviour, pooled: Sequence[Candidate]
) -> str:
    """The note of a pick that no synthesised input decided, saying what did."""
    best = max(c.final.public_passed for c in pooled)
    total = len(pooled[0].final.public)
    tied = sum(c.final.public_passed == best for c in pooled)
    return (
        synthesis_note(reports, len(behaviour.discarded))
        + f"; picked on the public tests ({best} of {total} passed"
        + (f", lowest-numbered of {tied} tied)" if tied > 1 else ")")
    )


#: The frequency penalty of a request made again. Measured with the embedded 0.5B
#: model (docs/benchmarks.md, input synthesis): a reply with no usable input is mostly
#: the examples' inputs copied line after line; the same request with a new seed and
#: this penalty yields inputs 14 times in 16, where telling the model why (its reply
#: shown back) did 7 times: shown its reply, it copies that too.
AGAIN_PENALTY = 0.5


async def synthesise_inputs(ctx: Context, count: int, *, again: int = 1) -> list[ParsedInputs]:
    """Ask the model for test inputs only; outputs come from execution, never the model.

    A reply with no usable input is followed by the same request (``again`` times at
    most) with a new seed and a frequency penalty. One report per call, in order."""
    messages = prompts.input_generation_messages(ctx.problem, count)
    reports: list[ParsedInputs] = []
    for attempt in range(again + 1):
        reply = await ctx.chat(
            "selection",
            messages,
            seed=ctx.seed + 50_000 + 100 * attempt,
            frequency_penalty=AGAIN_PENALTY if attempt else 0.0,
        )
        reports.append(parse_inputs(ctx.problem, reply.text, count))
        if reports[-1].inputs:
            break
    return reports


def reading_order(problem: Problem) -> Callable[[Any], tuple[bool, int]]:
    """A sort key for inputs about to be shown to the model: those that keep to the
    characters the public inputs use come first, then the shortest.

    Mutation makes inputs the statement rules out (an upper-case word where the
    statement says lower case, a minus sign where every number is positive), and two
    programs often part exactly there. On such an input there is no right output to
    predict: on the selection benchmark's caesar pool, the 0.5B model predicted for
    ``ABC`` shifted by one what the wrong program prints (``BCD``) and so voted for it.
    """
    known = set().union(*(_classes(t.input) for t in problem.public_tests))

    def key(x: Any) -> tuple[bool, int]:
        return bool(_classes(x) - known), len(json.dumps(x, default=str))

    return key


def _classes(x: Any) -> set[str]:
    """The kinds of character an input is written with: lower- and upper-case letters,
    digits, and every other non-space character by itself."""
    text = x if isinstance(x, str) else json.dumps(x, default=str)
    out: set[str] = set()
    for ch in text:
        if ch.islower():
            out.add("a")
        elif ch.isupper():
            out.add("A")
        elif ch.isdigit():
            out.add("0")
        elif not ch.isspace():
            out.add(ch)
    return out


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
    which most of the pool failed (crashed, timed out...): such an input is most
    likely invalid and must not decide anything."""

    async def one(c: Candidate) -> list[ExecResult]:
        assert c.code is not None
        return await ctx.execute(c.code, inputs)

    outcomes = await map_all(one, candidates)
    results = {c.index: rs for c, rs in zip(candidates, outcomes, strict=True)}

    def valid(j: int) -> bool:
        failed = sum(not results[c.index][j].ok for c in candidates)
        return 2 * failed <= len(candidates) and failed < len(candidates)

    keep = [j for j in range(len(inputs)) if valid(j)]
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
