"""Why a program was chosen, in a few plain sentences, from a ``Result``.

An assistant shows this to its user (or reads it itself) to judge how much to trust
the pick: how many candidates passed the public tests, how the survivors behaved on
the synthesised inputs, which inputs separated them, and what the reference programs,
the predicted outputs and the judge said.
"""

from __future__ import annotations

import json
from typing import Any

from agentsstar.records import Comparison, Result, Vote

MAX_SHOWN = 60  # characters of an input or output quoted in the account


def quote(value: Any) -> str:
    """A short one-line rendering of an input or output."""
    text = json.dumps(value) if not isinstance(value, str) else json.dumps(value.rstrip("\n"))
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _group(members: list[int]) -> str:
    return "{" + ", ".join(str(m) for m in members) + "}"


def _public(result: Result) -> str:
    n = len(result.candidates)
    totals = {len(c.final.public) for c in result.candidates}
    total = max(totals, default=0)
    with_code = [c for c in result.candidates if c.code is not None]
    if total == 0:
        return f"No public tests: all {len(with_code)} of {n} candidates with code went on."
    passing = [c for c in with_code if c.final.passes_all_public]
    if passing:
        return f"{len(passing)} of {n} candidates pass all {total} public tests."
    best = max((c.final.public_passed for c in with_code), default=0)
    return f"No candidate passes all {total} public tests; the best pass {best}."


def _matched(comp: Comparison, votes: list[Vote], outputs: str) -> str:
    """Which program ``outputs`` (the references', the predicted ones) agreed with."""
    if not votes:
        return ""
    for_a, for_b = votes.count("a"), votes.count("b")
    if not for_a and not for_b:
        return f"; none of {outputs} ({len(votes)}) matched either program"
    return f"; {outputs} matched {comp.a} {for_a}x and {comp.b} {for_b}x"


def _votes(comp: Comparison) -> str:
    names = {"a": str(comp.a), "b": str(comp.b), "none": "unclear"}
    votes = [names[v] for v in comp.votes]
    if not votes:
        return ""
    if len(votes) == 2 and votes[0] == votes[1] and votes[0] != "unclear":
        return f"; the judge chose {votes[0]} with the programs in both orders"
    return "; the judge's votes: " + ", ".join(votes)


def _comparison(comp: Comparison) -> str:
    text = f"Candidate {comp.a} against {comp.b}: "
    if comp.inputs:
        text += (
            f"on input {quote(comp.inputs[0])} they gave {quote(comp.outputs_a[0])} "
            f"and {quote(comp.outputs_b[0])}"
        )
        if len(comp.inputs) > 1:
            text += f" (and differed on {len(comp.inputs) - 1} more)"
    else:
        text += "no input separated them"
    text += _matched(comp, comp.reference_votes, "the reference programs' outputs")
    text += _matched(comp, comp.predictions, "the model's predicted outputs") + _votes(comp)
    if comp.winner is not None:
        text += f"; {comp.winner} went on"
        if comp.reason:
            text += f" ({comp.reason})"
    return text + "."


def why_chosen(result: Result) -> str:
    """A short account of how ``result``'s program was chosen."""
    rec = result.selection
    parts = [_public(result)]
    if rec is not None:
        if rec.pool and len(rec.pool) < len(result.candidates):
            parts.append(f"Considered: candidates {_group(rec.pool)}.")
        if rec.inputs:
            text = f"They were run on {len(rec.inputs)} synthesised inputs"
            if rec.discarded_inputs:
                text += f" ({len(rec.discarded_inputs)} more dropped: every candidate failed them)"
            if len(rec.clusters) == 1:
                text += " and all gave the same outputs."
            elif rec.clusters:
                groups = ", ".join(_group(c) for c in rec.clusters)
                text += f" and behaved in {len(rec.clusters)} different ways: {groups}."
            else:
                text += "."
            parts.append(text)
        parts.extend(_comparison(c) for c in rec.comparisons)
    if result.selected is None:
        parts.append("No program was chosen: no candidate produced code.")
    else:
        how = ""
        if rec is not None:
            how = f" by {rec.strategy}" + (f": {rec.note}" if rec.note else "")
        parts.append(f"Chosen: candidate {result.selected.index}{how}.")
        if rec is not None and rec.upper_bound:
            parts.append("Oracle selection reads the private tests: an upper bound, not a choice.")
    if result.budget is not None:
        kind = "token" if result.budget.kind == "tokens" else "time"
        parts.append(f"The {kind} budget ran out during {result.budget.stage}.")
    return " ".join(parts)
