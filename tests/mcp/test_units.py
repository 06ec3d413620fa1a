"""Unit logic of the MCP tools: the account of a choice, per-call settings, the
progress relay. The protocol itself is tested end to end in test_stdio/test_http."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from agentsstar.config import build_config
from agentsstar.mcp.explain import why_chosen
from agentsstar.mcp.progress import ProgressRelay
from agentsstar.mcp.schemas import SolveArgs
from agentsstar.mcp.tools import ToolCallError, call_config, summarise
from agentsstar.records import (
    Attempt,
    BudgetStop,
    Candidate,
    Comparison,
    Result,
    Selected,
    SelectionRecord,
    TestOutcome,
    Usage,
)


def candidate(index: int, passed: int, total: int, code: str | None = "x = 1\n") -> Candidate:
    public = [
        TestOutcome(input="", expected="", grade="accepted" if i < passed else "wrong_answer")
        for i in range(total)
    ]
    return Candidate(index=index, attempts=[Attempt(round=0, code=code, reply="", public=public)])


def result(candidates: list[Candidate], record: SelectionRecord | None, **extra: Any) -> Result:
    chosen = record.selected if record else None
    selected = (
        Selected(index=chosen, code=candidates[chosen].code or "") if chosen is not None else None
    )
    return Result(
        problem_id="p",
        model="m",
        strategies={},
        selected=selected,
        candidates=candidates,
        selection=record,
        usage=Usage(),
        timings={"total": 1.0},
        **extra,
    )


def test_account_of_a_split_judge() -> None:
    rec = SelectionRecord(
        strategy="sstar",
        selected=3,
        pool=[1, 3],
        inputs=["1\n", "2\n", "3\n"],
        discarded_inputs=["bad\n"],
        clusters=[[3], [1]],
        comparisons=[
            Comparison(
                a=3,
                b=1,
                inputs=["2\n", "3\n"],
                outputs_a=["4\n", "9\n"],
                outputs_b=["5\n", "7\n"],
                votes=["a", "none"],
                winner=3,
                reason="judge split or unclear; larger cluster kept",
            )
        ],
        note="knockout over 2 clusters (1 rounds)",
    )
    cands = [candidate(0, 1, 2), candidate(1, 2, 2), candidate(2, 0, 2), candidate(3, 2, 2)]
    assert why_chosen(result(cands, rec)) == (
        "2 of 4 candidates pass all 2 public tests. Considered: candidates {1, 3}. "
        "They were run on 3 synthesised inputs (1 more dropped: every candidate failed "
        "them) and behaved in 2 different ways: {3}, {1}. "
        'Candidate 3 against 1: on input "2" they gave "4" and "5" (and differed on 1 more); '
        "the judge's votes: 3, unclear; 3 went on (judge split or unclear; larger cluster "
        "kept). Chosen: candidate 3 by sstar: knockout over 2 clusters (1 rounds)."
    )


def one_match_account(**decided: Any) -> str:
    """The account of a two-candidate pick decided in one match by ``decided``."""
    comp = Comparison(a=0, b=1, inputs=["2\n"], outputs_a=["4\n"], outputs_b=["5\n"], winner=1, **decided)  # fmt: skip
    rec = SelectionRecord(
        strategy="sstar", selected=1, pool=[0, 1], clusters=[[0], [1]], comparisons=[comp],
        note="knockout over 2 clusters (1 rounds)",
    )  # fmt: skip
    return why_chosen(result([candidate(0, 1, 1), candidate(1, 1, 1)], rec))


def test_account_of_a_match_decided_by_predicted_outputs() -> None:
    text = one_match_account(
        predictions=["b", "none", "b"], reason="predicted outputs matched 0 vs 2"
    )
    assert (
        'Candidate 0 against 1: on input "2" they gave "4" and "5"; the model\'s predicted '
        "outputs matched 0 0x and 1 2x; 1 went on (predicted outputs matched 0 vs 2)."
    ) in text


def test_account_of_a_match_decided_by_reference_programs() -> None:
    text = one_match_account(
        reference_votes=["b", "none", "b", "a"], reason="reference programs matched 1 vs 2"
    )
    assert (
        "the reference programs' outputs matched 0 1x and 1 2x; 1 went on "
        "(reference programs matched 1 vs 2)."
    ) in text


def test_account_of_references_that_matched_neither_program() -> None:
    text = one_match_account(
        reference_votes=["none", "none"],
        predictions=["b"],
        reason="predicted outputs matched 0 vs 1",
    )
    assert (
        "none of the reference programs' outputs (2) matched either program; the model's "
        "predicted outputs matched 0 0x and 1 1x; 1 went on"
    ) in text


def test_account_when_nothing_passes_and_a_budget_ended_it() -> None:
    rec = SelectionRecord(
        strategy="public", selected=1, pool=[1], note="first candidate with the best public score"
    )
    cands = [candidate(0, 0, 3), candidate(1, 2, 3), candidate(2, 0, 3, code=None)]
    stop = BudgetStop(kind="tokens", stage="revision", limit=100, spent_tokens=120, seconds=1.0)
    assert why_chosen(result(cands, rec, budget=stop)) == (
        "No candidate passes all 3 public tests; the best pass 2. Considered: candidates {1}. "
        "Chosen: candidate 1 by public: first candidate with the best public score. "
        "The token budget ran out during revision."
    )


def test_account_without_code_or_public_tests() -> None:
    rec = SelectionRecord(strategy="sstar", selected=None, note="no candidate produced code")
    cands = [candidate(0, 0, 0, code=None)]
    assert why_chosen(result(cands, rec)) == (
        "No public tests: all 0 of 1 candidates with code went on. "
        "No program was chosen: no candidate produced code."
    )
    out = summarise(result(cands, rec))
    assert (out.code, out.selected, out.public_passed, out.public_total) == (None, None, 0, 0)
    assert out.candidates[0].has_code is False and out.candidates[0].cluster is None


def test_long_inputs_are_cut_in_the_account() -> None:
    rec = SelectionRecord(
        strategy="sstar",
        selected=0,
        pool=[0, 1],
        inputs=["x"],
        clusters=[[0], [1]],
        comparisons=[
            Comparison(a=0, b=1, inputs=["9 " * 200], outputs_a=["1"], outputs_b=["2"], winner=0)
        ],
    )
    text = why_chosen(result([candidate(0, 1, 1), candidate(1, 1, 1)], rec))
    assert 'on input "9 9 9' in text and "…" in text and "9 " * 40 not in text


def test_per_call_settings_leave_the_server_config_alone() -> None:
    cfg = build_config(
        overrides={
            "model": "openai:m",
            "selection": {"name": "sstar", "num_inputs": 5},
            "models": {"selection": {"model": "openai:judge", "base_url": "http://127.0.0.1:2/v1"}},
            "cache": "replies.db",
        }
    )
    args = SolveArgs(samples=3, rounds=0, selection="sstar", token_budget=500, time_budget=9.5)
    call = call_config(cfg, args)
    assert call.sampling.params()["n"] == 3 and call.revision.params()["rounds"] == 0
    assert call.selection.params() == {"num_inputs": 5}  # same strategy: its settings kept
    assert (call.token_budget, call.time_budget_s) == (500, 9.5)
    # Everything else is the server's: models per stage, cache.
    assert call.models == cfg.models and call.cache == "replies.db"
    assert call == cfg.model_copy(
        update={
            k: getattr(call, k) for k in ("sampling", "revision", "token_budget", "time_budget_s")
        }
    )
    assert cfg.sampling.params()["n"] == 8 and cfg.token_budget is None
    other = call_config(cfg, SolveArgs(selection="majority"))
    assert other.selection.name == "majority" and other.selection.params() == {}


@pytest.mark.parametrize(
    ("preset", "args", "message"),
    [
        ("zero-shot", SolveArgs(samples=4), "samples: sampling strategy 'greedy' has no parameter"),
        ("zero-shot", SolveArgs(rounds=1), "rounds: revision strategy 'none' has no parameter"),
        (None, SolveArgs(selection="best"), "selection: unknown selection strategy 'best'"),
    ],
)
def test_per_call_errors_name_the_argument(
    preset: str | None, args: SolveArgs, message: str
) -> None:
    cfg = build_config(preset=preset, overrides={"model": "openai:m"})
    with pytest.raises(ToolCallError, match="^" + message):
        call_config(cfg, args)


@pytest.mark.anyio
async def test_progress_keeps_the_run_going_when_the_client_is_gone() -> None:
    relay = ProgressRelay()
    sent: list[tuple[float, str | None]] = []

    async def report(progress: float, total: float | None, message: str | None) -> None:
        sent.append((progress, message))
        if len(sent) == 2:
            raise anyio.BrokenResourceError  # the client went away

    async with anyio.create_task_group() as tg:
        tg.start_soon(relay.forward, report)
        relay("stage", {"stage": "sampling"})
        relay("sampled", {"index": 0})
        relay("llm_call", {"stage": "sampling", "tokens": 1200})
        relay("stage", {"stage": "revision", "candidates": 1})
        relay.close()
    relay("candidate_done", {"index": 0})  # after the call: ignored, no error
    assert sent == [(1, "sampling · 0 sampled · 0 model calls, 0 tokens"), (2, sent[1][1])]
    assert relay.message("candidate_done", {"index": 0}) == (
        "revision · 1/1 candidates debugged · 1 model calls, 1,200 tokens"
    )
