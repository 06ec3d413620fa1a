"""Judging by prediction: the model, shown no program and no candidate output, states
the expected output for an input on which two programs differ; a prediction that
equals one program's real output is a vote for it.

Measured with the embedded models on the selection benchmark's stdin pools
(docs/benchmarks.md, "What a small judge tells apart"): asked "A or B", the 0.5B model
named the first-shown program every time (the 1.5B model, in an exploratory run, nearly
every time), so the two-order vote came out split and carried no information. A
prediction cannot favour a position: it matches one output, the other, or neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentsstar import prompts
from agentsstar.checking import stdout_matches, value_matches
from agentsstar.concurrency import map_all
from agentsstar.context import Context
from agentsstar.extract import extract_answer, read_literal
from agentsstar.problem import Problem
from agentsstar.records import Vote
from agentsstar.sandboxes.base import ExecResult

# Enough for any output a small input has; a reply that reasons past it is cut.
PREDICT_MAX_TOKENS = 160


def matches(problem: Problem, answer: str, result: ExecResult) -> bool:
    """Whether the predicted ``answer`` is the output ``result`` really gave, under the
    problem's own checker (float tolerance, token or line comparison)."""
    if not result.ok or not answer:
        return False
    if problem.kind == "stdin":
        return stdout_matches(result.stdout, answer, problem.checker)
    ok, predicted = read_literal(answer)
    return ok and value_matches(result.value, predicted, problem.checker)


def vote_for(problem: Problem, answer: str, ra: ExecResult, rb: ExecResult) -> Vote:
    in_a, in_b = matches(problem, answer, ra), matches(problem, answer, rb)
    if in_a == in_b:
        return "none"  # matches neither (or, for a loose checker, both)
    return "a" if in_a else "b"


async def predictions(
    ctx: Context,
    shown: Sequence[tuple[Any, ExecResult, ExecResult]],
    *,
    seed: int,
) -> list[Vote]:
    """One greedy prediction per (input, a's result, b's result), as votes."""

    async def one(item: tuple[int, tuple[Any, ExecResult, ExecResult]]) -> Vote:
        i, (x, ra, rb) = item
        reply = await ctx.chat(
            "selection",
            prompts.predict_messages(ctx.problem, x),
            temperature=0.0,
            max_tokens=PREDICT_MAX_TOKENS,
            seed=seed + i,
        )
        return vote_for(ctx.problem, extract_answer(reply.text), ra, rb)

    return await map_all(one, list(enumerate(shown)))
