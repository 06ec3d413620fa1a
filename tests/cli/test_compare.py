"""Comparing strategies from the command line: several arms on shared samples, the
cache, paired reports, a model per stage, budgets, Ray."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentsstar.testing.openai_server import FakeOpenAIServer

from .fake_model import reply
from .test_run import EXAMPLES, cli


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(reply=reply) as srv:
        yield srv


def model_args(server: FakeOpenAIServer) -> list[str]:
    return ["--model", "openai:fake-model", "--base-url", server.base_url]


def test_two_arms_share_samples_resume_and_compare(
    server: FakeOpenAIServer, tmp_path: Path
) -> None:
    run_dir = tmp_path / "D"
    args = ["eval", str(EXAMPLES), "--preset", "majority", "--preset", "sstar",
            "--run-dir", str(run_dir), "-n", "3", *model_args(server)]  # fmt: skip
    proc = cli(*args, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((run_dir / "arms.json").read_text())["arms"] == ["majority", "sstar"]
    for arm in ("majority", "sstar"):
        assert len((run_dir / arm / "results.jsonl").read_text().splitlines()) == 6
    assert (run_dir / "cache.sqlite").exists()
    # Resuming a finished run asks the model nothing.
    before = server.request_count
    again = cli("eval", "--resume", str(run_dir), timeout=300)
    assert again.returncode == 0, again.stderr
    assert server.request_count == before
    # The paired report, in every format.
    rep = cli("report", str(run_dir), "--format", "json")
    assert rep.returncode == 0, rep.stderr
    runs: list[dict[str, Any]] = json.loads(rep.stdout)["runs"]
    assert [r["run"] for r in runs] == ["majority", "sstar"]
    assert runs[0]["vs_first"] is None and runs[1]["vs_first"]["problems"] == 6
    md = cli("report", str(run_dir), "--format", "md")
    assert md.stdout.startswith("| run | pass@1 | 95% CI |")
    table = cli("report", str(run_dir))
    assert "against majority (paired, same problems)" in table.stderr + table.stdout


def test_a_shared_sampling_flag_reaches_only_the_arms_that_take_it(
    server: FakeOpenAIServer, tmp_path: Path
) -> None:
    run_dir = tmp_path / "D"
    proc = cli("eval", str(EXAMPLES), "--ids", "reverse-words", "--preset", "zero-shot",
               "--preset", "majority", "-n", "3", "--run-dir", str(run_dir),
               *model_args(server), timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    configs = {a: json.loads((run_dir / a / "config.json").read_text())["run"]
               for a in ("zero-shot", "majority")}  # fmt: skip
    assert configs["zero-shot"]["sampling"] == {"name": "greedy"}
    assert configs["majority"]["sampling"]["n"] == 3
    rows = {a: json.loads((run_dir / a / "results.jsonl").read_text())
            for a in ("zero-shot", "majority")}  # fmt: skip
    assert rows["zero-shot"]["candidates"] == 1 and rows["majority"]["candidates"] == 3


def test_a_shared_flag_no_arm_takes_is_refused(server: FakeOpenAIServer, tmp_path: Path) -> None:
    run_dir = tmp_path / "D"
    proc = cli("eval", str(EXAMPLES), "--preset", "zero-shot", "--preset", "majority",
               "--rounds", "2", "--run-dir", str(run_dir), *model_args(server),
               env={"COLUMNS": "200"})  # fmt: skip
    assert proc.returncode == 2
    assert "no arm's revision strategy takes 'rounds'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not run_dir.exists()


def test_a_rerun_from_the_cache_is_free_and_the_same(
    server: FakeOpenAIServer, tmp_path: Path
) -> None:
    cache = tmp_path / "replies.sqlite"
    base = ["run", str(EXAMPLES / "max-subarray.json"), "--cache", str(cache), *model_args(server)]
    first = cli(*base, "-o", str(tmp_path / "a.json"))
    assert first.returncode == 0, first.stderr
    before = server.request_count
    second = cli(*base, "-o", str(tmp_path / "b.json"))
    assert second.returncode == 0, second.stderr
    assert server.request_count == before
    assert second.stdout == first.stdout
    usage = json.loads((tmp_path / "b.json").read_text())["usage"]
    assert usage["llm_calls"] == 0 and usage["cached_calls"] > 0
    assert "answered by the cache" in second.stderr


def two_programs(messages: list[dict[str, Any]], body: dict[str, Any]) -> str:
    """Two different right programs for reverse-words (by seed): selection has work."""
    if "words in reverse order" in messages[-1]["content"] and body.get("seed", 0) % 2:
        return "```python\nw = input().split()\nprint(' '.join(reversed(w)))\n```"
    return reply(messages, body)


def test_selection_can_have_a_model_of_its_own(tmp_path: Path) -> None:
    with FakeOpenAIServer(reply=two_programs) as small, FakeOpenAIServer(reply=reply) as judge:
        out = tmp_path / "r.json"
        proc = cli(
            "run", str(EXAMPLES / "reverse-words.json"), "-n", "4", "-o", str(out),
            "--model", "openai:small", "--base-url", small.base_url,
            "--selection-model", "openai:judge", "--selection-base-url", judge.base_url,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        result = json.loads(out.read_text())
        assert result["models"] == {
            "sampling": "openai:small", "revision": "openai:small", "selection": "openai:judge"
        }  # fmt: skip
        selection_calls = result["usage"]["by_stage"].get("selection", {}).get("llm_calls", 0)
        assert judge.request_count == selection_calls > 0
        assert small.request_count == result["usage"]["llm_calls"] - selection_calls
        assert result["usage"]["by_model"]["openai:judge"]["llm_calls"] == selection_calls


def test_a_base_url_without_its_model_is_a_usage_error() -> None:
    proc = cli(
        "run", str(EXAMPLES / "count-primes.json"), "--selection-base-url", "http://x/v1",
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert proc.returncode == 2
    assert "--selection-base-url needs --selection-model" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_token_budget_ends_the_run_with_a_program(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    with FakeOpenAIServer(reply=two_programs) as server:
        proc = cli("run", str(EXAMPLES / "reverse-words.json"), "-n", "4", "--token-budget", "300",
                   "-o", str(out), *model_args(server))  # fmt: skip
        # Sampling's four calls were all under way before the budget ran out;
        # selection, which needs the model to tell two programs apart, made none.
        assert server.request_count == 4
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    assert (result["budget"]["kind"], result["budget"]["stage"]) == ("tokens", "selection")
    assert "tokens budget spent during selection" in proc.stderr
    assert proc.stdout == "print(' '.join(input().split()[::-1]))\n"  # candidate 0, by public tests


def test_run_takes_one_preset() -> None:
    proc = cli(
        "run", str(EXAMPLES / "count-primes.json"), "--preset", "sstar", "--preset", "majority"
    )
    assert proc.returncode == 2 and "run takes one --preset" in proc.stderr


def test_adaptive_sampling_stops_at_agreeing_candidates(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    with FakeOpenAIServer(reply=reply) as server:
        proc = cli("run", str(EXAMPLES / "reverse-words.json"), "-n", "8", "--adaptive",
                   "--revision", "none", "--selection", "public", "-o", str(out),
                   *model_args(server))  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert server.request_count == 2  # one wave of two: both pass and agree
    result = json.loads(out.read_text())
    assert len(result["candidates"]) == 2
    assert result["strategies"]["sampling"]["adaptive"] is True
