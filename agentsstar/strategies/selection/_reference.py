"""Judging by reference programs: the selection model writes the simplest program it
can that is right on small inputs (brute force where that is simplest); those that
pass every public test are run, in the sandbox, on the inputs where two candidates
differ, and an output equal to one candidate's is a vote for it.

Why: a code model is a better programmer than a mental interpreter. Asked for an
output, the 0.5B model wrote a program (docs/benchmarks.md, "What a small judge tells
apart"); asked for a program, on the selection benchmark's stdin pools, those of its
programs that passed the public tests agreed with the right candidate 76 times and
with the wrong one 4 times, where its predicted outputs did 22 against 8 ("Reference
programs", same file). References are written once per problem and serve every match.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentsstar import prompts
from agentsstar.concurrency import map_all
from agentsstar.context import Context
from agentsstar.extract import extract_code
from agentsstar.records import Vote
from agentsstar.sandboxes.base import ExecResult
from agentsstar.strategies.selection._inputs import result_key

HINT = (
    "write the simplest program that is correct on small inputs. Clarity over speed: "
    "where trying every possibility is simplest, try every possibility. Follow the "
    "statement exactly."
)
#: Temperature of every reference after the first (which is greedy): different
#: programs, so that one reference's slip is outvoted.
TEMPERATURE = 0.7


async def write_references(ctx: Context, count: int, *, seed: int) -> list[str]:
    """Of ``count`` reference programs asked for (concurrently), those that pass every
    public test."""

    async def one(i: int) -> str | None:
        reply = await ctx.chat(
            "selection",
            prompts.sample_messages(ctx.problem, hint=HINT),
            temperature=TEMPERATURE if i else 0.0,
            seed=seed + i,
        )
        return extract_code(reply.text, ctx.problem.entry_point)

    codes = [c for c in await map_all(one, list(range(count))) if c is not None]
    graded = await map_all(ctx.run_public, codes)
    return [c for c, outcomes in zip(codes, graded, strict=True) if all(o.passed for o in outcomes)]


async def reference_votes(
    ctx: Context, refs: Sequence[str], shown: Sequence[tuple[Any, ExecResult, ExecResult]]
) -> list[Vote]:
    """Per reference and input, the program whose output the reference's equals."""
    if not refs or not shown:
        return []
    xs = [x for x, _, _ in shown]
    kind = ctx.problem.kind
    outputs = await map_all(lambda code: ctx.execute(code, xs), list(refs))
    votes: list[Vote] = []
    for results in outputs:
        for r, (_, ra, rb) in zip(results, shown, strict=True):
            key = result_key(r, kind) if r.ok else None
            in_a, in_b = key == result_key(ra, kind), key == result_key(rb, kind)
            votes.append("none" if in_a == in_b else "a" if in_a else "b")
    return votes
