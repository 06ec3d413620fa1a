"""End to end with the real embedded model (Qwen2.5-Coder-0.5B on the CPU).

These are the slow tests: a few minutes each on 2 cores. They run the command exactly
as the README's first set-up command does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agentsstar.backends.local_models import resolve_model
from agentsstar.errors import ModelNotFoundError

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.fixture(scope="module", autouse=True)
def _need_local_model() -> None:
    pytest.importorskip("llama_cpp", reason="the 'local' extra is not installed")
    try:
        resolve_model()
    except ModelNotFoundError as exc:  # pragma: no cover - depends on the machine
        pytest.skip(str(exc))


def run(problem: str, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "agentsstar",
            "run",
            str(EXAMPLES / problem),
            "--out",
            str(out),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        env=dict(os.environ),
    )


def test_trivial_stdin_problem_is_solved(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    proc = run("reverse-words.json", out, "-n", "3", "--rounds", "1")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert data["model"].startswith("local")
    assert data["selected"]["code"] == proc.stdout
    assert data["private"]["accepted"] is True, data["private"]
    assert "private tests 5/5 passed" in proc.stderr
    # Every stage left its record.
    assert data["usage"]["by_stage"]["sampling"]["llm_calls"] == 3
    assert data["usage"]["completion_tokens"] > 0
    assert len(data["candidates"]) == 3
    assert all(c["attempts"][0]["public"] for c in data["candidates"])
    assert data["selection"]["strategy"] == "sstar"
    assert set(data["timings"]) >= {"sampling", "revision", "selection", "scoring", "total"}


def test_function_problem_runs_every_stage(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    proc = run("balanced-brackets.json", out, "-n", "2", "--rounds", "1", "--max-tokens", "512")
    # `run` exits 1 only when no candidate produced a program; both candidates here
    # have code (their public tests ran, checked below), so one is selected and
    # printed whether or not it passes the private tests.
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert data["selected"]["code"] == proc.stdout
    assert len(data["candidates"]) == 2
    for cand in data["candidates"]:
        first = cand["attempts"][0]
        assert len(first["public"]) == 2  # both public tests really executed
        assert all(t["grade"] != "no_code" for t in first["public"]), first
        # A candidate that failed a public test was sent back for a debug round.
        if not all(t["grade"] == "accepted" for t in first["public"]):
            assert len(cand["attempts"]) == 2
    assert data["selection"] is not None
    assert data["private"]["total"] == 8


def test_python_api_defaults_to_the_embedded_model() -> None:
    # `solve_sync(problem)` with no model or sandbox: the embedded model and a
    # LocalSandbox that solve opens and closes itself. One greedy sample keeps it short.
    from agentsstar import load_problem, solve_sync
    from agentsstar.strategies import GreedySampling, NoRevision

    problem = load_problem(EXAMPLES / "reverse-words.json")
    result = solve_sync(problem, sampling=GreedySampling(), revision=NoRevision())
    assert result.model.startswith("local")
    assert len(result.candidates) == 1
    assert result.private is not None and result.private.accepted, result.private
