"""``agentsstar run`` as a user runs it: a real process, a real HTTP model server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentsstar.testing.openai_server import FakeOpenAIServer

from .fake_model import reply

EXAMPLES = Path(__file__).parents[2] / "examples"


def cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agentsstar", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


def flat(text: str) -> str:
    """typer's error message without the box drawn around it and its line wrapping."""
    for ch in "│╭╮╰╯─":
        text = text.replace(ch, " ")
    return " ".join(text.split())


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(reply=reply) as srv:
        yield srv


def test_run_prints_program_and_writes_full_record(
    server: FakeOpenAIServer, tmp_path: Path
) -> None:
    out = tmp_path / "result.json"
    proc = cli(
        "run", str(EXAMPLES / "reverse-words.json"),
        "--model", "openai:fake-model", "--base-url", server.base_url,
        "-n", "3", "--rounds", "1", "--out", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "print(' '.join(input().split()[::-1]))\n"
    assert "private tests 5/5 passed" in proc.stderr
    data = json.loads(out.read_text())
    assert data["selected"]["code"] == proc.stdout
    assert data["private"]["passed"] == data["private"]["total"] == 5
    assert data["usage"]["llm_calls"] >= 3 and data["usage"]["prompt_tokens"] > 0
    assert data["usage"]["by_stage"]["sampling"]["llm_calls"] == 3
    assert len(data["candidates"]) == 3
    assert data["candidates"][0]["attempts"][0]["public"][0]["grade"] == "accepted"
    assert data["selection"]["strategy"] == "sstar"
    assert set(data["timings"]) >= {"sampling", "revision", "selection", "total"}


def test_function_problem_with_class_entry_point(server: FakeOpenAIServer) -> None:
    proc = cli(
        "run", str(EXAMPLES / "longest-common-prefix.json"),
        "--model", "openai:fake-model", "--base-url", server.base_url, "-n", "2",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "class Solution" in proc.stdout
    assert "private tests 5/5 passed" in proc.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--selection", "sstr"], "unknown selection strategy 'sstr'; valid:"),
        (["--preset", "zero-shot", "-n", "4"], "sampling strategy 'greedy' has no parameter 'n'"),
        (["-p", "selection.num_input=3"], "has no parameter 'num_input'"),
        (["--model", "gpt4"], "gpt4"),
        (["--sandbox", "docker"], "unknown sandbox 'docker'"),
    ],
)
def test_bad_options_are_one_line_errors(
    server: FakeOpenAIServer, args: list[str], needle: str
) -> None:
    base = ["--model", "openai:fake-model", "--base-url", server.base_url]
    proc = cli("run", str(EXAMPLES / "reverse-words.json"), *base, *args)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and needle in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_bad_problem_file(tmp_path: Path) -> None:
    bad = tmp_path / "p.json"
    bad.write_text(json.dumps({"prompt": "x", "kind": "function"}))
    out = tmp_path / "out.json"
    proc = cli("run", str(bad), "--model", "openai:m", "--out", str(out))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: {bad}: entry_point: required when kind is 'function'"
    assert not out.exists()


def test_model_server_down_is_an_infrastructure_error(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    proc = cli(
        "run", str(EXAMPLES / "reverse-words.json"), "--model", "openai:m",
        "--base-url", "http://127.0.0.1:9/v1", "-n", "1", "--out", str(out),
    )  # fmt: skip
    assert proc.returncode == 1
    assert "ModelError" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()
