"""Command-line mistakes end in typer's usage message and exit 2, never a traceback;
an internal error ends in one line saying how to get the traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .test_run import EXAMPLES, cli

PROBLEM = str(EXAMPLES / "reverse-words.json")

# (command line, what the message must name)
BAD = [
    # run
    (["run", PROBLEM, "--bogus"], "--bogus"),
    (["run", PROBLEM, "-n", "abc"], "'--samples' / '-n'"),
    (["run", PROBLEM, "-n", "0"], "'--samples' / '-n'"),
    (["run", PROBLEM, "--temperature", "3"], "'--temperature'"),
    (["run", PROBLEM, "--rounds", "-1"], "'--rounds'"),
    (["run", PROBLEM, "--max-tokens", "many"], "'--max-tokens'"),
    (["run"], "Missing argument 'PROBLEM'"),
    (["run", PROBLEM, "--model"], "'--model' requires an argument"),
    # eval
    (["eval", str(EXAMPLES), "--limit", "x"], "'--limit'"),
    (["eval", str(EXAMPLES), "--limit", "0"], "'--limit'"),
    (["eval", str(EXAMPLES), "-j", "-2"], "'--concurrency' / '-j'"),
    (["eval", str(EXAMPLES), "--nope"], "--nope"),
    # report
    (["report"], "Missing argument"),
    (["report", "somewhere", "--plot"], "'--plot' requires an argument"),
    (["report", "somewhere", "--colour", "red"], "--colour"),
    # import
    (["import"], "Missing argument 'FORMAT'"),
    (["import", "humaneval", "--limit", "few"], "'--limit'"),
    (["import", "humaneval", "builtin"], "Missing argument 'OUT_DIR'"),
    (["import", "humaneval", "builtin", "out", "--since", "yesterday"], "--since: 'yesterday'"),
    (["import", "humaneval", "a", "b", "c"], "unexpected extra argument(s) (c)"),
    # the program itself
    (["frobnicate"], "No such command 'frobnicate'"),
    (["--version-of-nothing"], "--version-of-nothing"),
]


@pytest.mark.parametrize(("args", "needle"), BAD, ids=[" ".join(a[:3]) for a, _ in BAD])
def test_usage_errors_exit_2_with_a_usage_message(args: list[str], needle: str) -> None:
    proc = cli(*args, env={"COLUMNS": "200"})
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert needle in proc.stderr, proc.stderr
    assert proc.stdout == ""


BOOM = """
import sys
import agentsstar.cli.run_cmd as run_cmd
from agentsstar import cli

async def boom(*args, **kwargs):
    raise RuntimeError("something broke inside")

run_cmd.run_one = boom
sys.argv = ["agentsstar", "run", sys.argv[1], "--model", "openai:x", "--base-url",
            "http://127.0.0.1:9/v1", *sys.argv[2:]]
cli.main()
"""


def _boom(*extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BOOM, PROBLEM, *extra],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_an_internal_error_is_one_line_saying_how_to_get_the_traceback() -> None:
    proc = _boom()
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: internal error: RuntimeError: something broke inside (run with -vv or "
        "AGENTSSTAR_TRACEBACK=1 for the traceback, and please report it)"
    ]


@pytest.mark.parametrize("how", ["env", "flag"])
def test_the_traceback_is_there_when_asked_for(how: str) -> None:
    proc = _boom(env={"AGENTSSTAR_TRACEBACK": "1"}) if how == "env" else _boom("-vv")
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr and "RuntimeError: something broke inside" in proc.stderr


def test_help_is_not_an_error(tmp_path: Path) -> None:
    proc = cli("run", "--help")
    assert proc.returncode == 0 and "--samples" in proc.stdout
