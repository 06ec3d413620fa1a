"""The result page, built from a real ``solve`` result: everything there, all escaped."""

from __future__ import annotations

from typing import Any

from agentsstar.problem import Problem
from agentsstar.records import Result
from agentsstar.viewer import result_page

from .conftest import BUGGY, FIVE_WORDS, FIXED, HOSTILE
from .htmlscan import Scan


def by_code(result: Result, code: str) -> int:
    [index] = [c.index for c in result.candidates if c.attempts[0].code == code]
    return index


def test_hostile_code_and_inputs_are_text_not_markup(result: Result, problem: Problem) -> None:
    page = result_page(result, problem=problem)
    scan = Scan(page)
    # No script element at all: the hostile comment did not become one.
    assert scan.starts["script"] == 0
    # The synthesised input "</td><b>bold</b>" did not become markup either.
    assert "<b>bold</b>" not in page
    # Every <details> is closed by its own </details>: the hostile one closed none.
    assert scan.starts["details"] == scan.ends["details"]
    # And the code reads as written inside its candidate.
    hostile = by_code(result, HOSTILE)
    assert HOSTILE in scan.text(f"cand-{hostile}")
    assert "</td><b>bold</b>" in scan.text("selection")


def test_every_candidate_and_each_rounds_code_is_shown(result: Result, problem: Problem) -> None:
    scan = Scan(result_page(result, problem=problem))
    assert len(result.candidates) == 4
    for cand in result.candidates:
        text = scan.text(f"cand-{cand.index}")
        assert f"Candidate #{cand.index}" in text
        for attempt in cand.attempts:
            assert attempt.code is not None and attempt.code in text
            assert attempt.reply in text


def test_a_revision_shows_a_unified_diff_from_the_round_before(
    result: Result, problem: Problem
) -> None:
    revised = by_code(result, BUGGY)
    assert [a.code for a in result.candidates[revised].attempts] == [BUGGY, FIXED]
    page = result_page(result, problem=problem)
    text = Scan(page).text(f"cand-{revised}")
    assert "--- sample\n+++ round 1\n" in text
    assert '<span class="dd">-print(input().strip())\n</span>' in page
    assert '<span class="da">+line = input()\n</span>' in page
    # The round's public-test outcomes are there: the sample failed both, the fix passed.
    assert "public 0/2" in text and "public 2/2" in text


def test_clusters_and_comparisons_with_inputs_outputs_and_votes(
    result: Result, problem: Problem
) -> None:
    sel = result.selection
    assert sel is not None and len(sel.clusters) == 2 and len(sel.comparisons) == 1
    text = Scan(result_page(result, problem=problem)).text("selection")
    assert "Clusters (2)" in text and "Comparisons (1)" in text
    comp = sel.comparisons[0]
    for value in [*comp.inputs, *comp.outputs_a, *comp.outputs_b]:
        assert value in text
    assert "votes A 1 · B 1 · none 0" in text
    # What the predicted outputs matched, in input order, beside the judge's votes.
    assert comp.predictions and "predicted outputs" + ", ".join(comp.predictions) in text
    assert comp.reason in text
    assert f"Comparison 0: #{comp.a} vs #{comp.b} → winner #{comp.winner}" in text
    for value in sel.inputs:
        assert value in text


def test_pick_private_score_usage_and_timings(result: Result, problem: Problem) -> None:
    scan = Scan(result_page(result, problem=problem))
    assert result.private is not None and result.selected is not None
    pick = scan.text("pick")
    assert f"Candidate #{result.selected.index} was picked." in pick
    assert f"private {result.private.passed}/{result.private.total}" in pick
    assert result.selected.code in pick
    # The five-word program passes the public tests but not the private ones.
    assert "private fail" in scan.text(f"cand-{by_code(result, FIVE_WORDS)}")
    usage = scan.text("usage")
    for stage, u in result.usage.by_stage.items():
        assert f"{stage}{u.llm_calls:,}{u.prompt_tokens:,}{u.completion_tokens:,}" in usage
    assert f"total{result.usage.llm_calls:,}{result.usage.prompt_tokens:,}" in usage
    for stage, seconds in result.timings.items():
        assert f"{stage}{seconds:.2f}" in usage


def test_problem_statement_and_public_tests(result: Result, problem: Problem) -> None:
    text = Scan(result_page(result, problem=problem)).text("problem")
    assert problem.prompt in text
    for t in problem.public_tests:
        assert t.input in text and t.output in text
    # Without the problem file the public tests still show (every candidate ran them),
    # and the page says how to get the statement.
    bare = Scan(result_page(result)).text("problem")
    assert problem.prompt not in bare and "--problem FILE" in bare
    for t in problem.public_tests:
        assert t.input in bare and t.output in bare


def test_fields_the_viewer_does_not_know_are_shown_escaped(result: Result) -> None:
    raw: dict[str, Any] = result.model_dump(mode="json")
    assert raw["selection"] is not None
    raw["selection"]["input_notes"] = [
        {"input": "1 2 3\n", "source": "mutation", "split_pool": True},
        {"input": "<img src=x onerror=alert(1)>", "source": "model", "split_pool": False},
    ]
    raw["warnings"] = ["<script>x()</script> a later field"]
    page = result_page(result, raw=raw)
    scan = Scan(page)
    sel = scan.text("selection")
    assert "input_notes" in sel and "mutation" in sel and "split_pool" in sel
    assert "<img src=x onerror=alert(1)>" in sel
    assert "<script>x()</script> a later field" in scan.text("run")
    assert scan.starts["script"] == 0 and scan.starts["img"] == 0


def test_long_data_is_cut_but_code_never(result: Result) -> None:
    big = "9 " * 10_000
    cand = result.candidates[0]
    first = cand.attempts[0]
    long_code = "x = 1\n" * 2_000
    outcome = first.public[0].model_copy(update={"input": big})
    attempt = first.model_copy(update={"public": [outcome], "code": long_code})
    edited = result.model_copy(
        update={"candidates": [cand.model_copy(update={"attempts": [attempt]})]}
    )
    text = Scan(result_page(edited)).text(f"cand-{cand.index}")
    assert big not in text and big[:4000] in text
    assert f"({len(big) - 4000:,} more characters)" in text
    assert long_code in text


def test_page_fetches_nothing_and_forbids_script(result: Result, problem: Problem) -> None:
    page = result_page(result, problem=problem)
    scan = Scan(page)
    for tag, attrs in scan.attrs:
        assert "src" not in attrs, tag
        href = attrs.get("href")
        if href is not None:
            assert href.startswith("#") or href == "data:,", href
    [policy] = [
        a["content"] for t, a in scan.attrs if a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert policy is not None
    assert "default-src 'none'" in policy and "script-src 'none'" in policy


def test_where_each_input_came_from_and_which_sources_split_the_pool(
    result: Result, problem: Problem
) -> None:
    sel = result.selection
    assert sel is not None
    sources = {s.source: s for s in sel.sources}
    # The model's inputs and the generator's long line both tell the five-word program
    # apart; the generator really ran (in the sandbox) and its inputs were kept.
    assert sources["model"].split and sources["generator"].split
    assert sources["generator"].kept == 2 and "w0 w1 w2" in "".join(sel.inputs)
    page = result_page(result, problem=problem)
    text = Scan(page).text("selection")
    assert "Where the inputs came from" in text
    for src in sel.sources:
        verdict = "split the pool" if src.split else "no split"
        assert f"{src.source}{src.offered}{src.kept}{src.invalid}{verdict}" in text
    # The kept inputs, each with its source.
    for i, (value, source) in enumerate(zip(sel.inputs, sel.input_sources, strict=True)):
        assert f"{i}{source}{value}" in text
    # The model calls for inputs, and the one for distinguishing inputs in the comparison.
    assert "model calls for inputs" in text and "inputs44" in text
    assert f"distinguish {sel.comparisons[0].a} and {sel.comparisons[0].b}22" in text
