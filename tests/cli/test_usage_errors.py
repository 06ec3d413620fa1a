"""Usage errors and unexpected errors, as a user meets them in a real ``agentsstar`` process.

Every mistake on the command line (unknown option or command, missing argument,
malformed or out-of-range value, conflicting options) prints typer's short usage
message naming what is wrong and exits 2, without a traceback. A bug ends in one line
that says what failed and how to see the traceback, exit 1.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agentsstar.testing.openai_server import FakeOpenAIServer

from .fake_model import reply
from .test_run import EXAMPLES, cli, flat

PROBLEM = str(EXAMPLES / "reverse-words.json")

# (command line, what the message must name)
BAD_COMMAND_LINES: list[tuple[list[str], str]] = [
    # the program itself
    (["bogus"], "No such command 'bogus'"),
    (["--bogus"], "--bogus"),
    # run
    (["run"], "Missing argument 'PROBLEM'"),
    (["run", PROBLEM, "--bogus"], "No such option: --bogus"),
    (["run", PROBLEM, "-n", "abc"], "'--samples' / '-n'"),
    (["run", PROBLEM, "-n", "0"], "'--samples' / '-n'"),
    (["run", PROBLEM, "--rounds", "-1"], "'--rounds'"),
    (["run", PROBLEM, "--temperature", "hot"], "'--temperature'"),
    (["run", PROBLEM, "--temperature", "3"], "'--temperature'"),
    (["run", PROBLEM, "--max-tokens", "5"], "'--max-tokens'"),
    (["run", PROBLEM, "--seed", "1.5"], "'--seed'"),
    (["run", PROBLEM, "--deadline", "soon"], "'--deadline'"),
    (["run", PROBLEM, "--deadline", "-1"], "'--deadline'"),
    (["run", PROBLEM, "--out"], "Option '--out' requires an argument"),
    (["run", PROBLEM, "-p"], "Option '-p' requires an argument"),
    (["run", PROBLEM, "extra.json"], "unexpected extra argument"),
    # eval
    (["eval"], "'BENCH'"),
    (["eval", str(EXAMPLES), "--bogus"], "No such option: --bogus"),
    (["eval", str(EXAMPLES), "--limit", "x"], "'--limit'"),
    (["eval", str(EXAMPLES), "--limit", "0"], "'--limit'"),
    (["eval", str(EXAMPLES), "-j", "0"], "'--concurrency' / '-j'"),
    (["eval", str(EXAMPLES), "-j", "many"], "'--concurrency' / '-j'"),
    (["eval", str(EXAMPLES), "--deadline", "-5"], "'--deadline'"),
    (["eval", str(EXAMPLES), "--ids"], "Option '--ids' requires an argument"),
    (["eval", "--resume", "runs/x", "--model", "openai:m"], "'--resume'"),
    # report
    (["report"], "Missing argument 'RUN_DIR...'"),
    (["report", "runs/x", "--bogus"], "No such option: --bogus"),
    (["report", "runs/x", "--plot"], "Option '--plot' requires an argument"),
    # import
    (["import"], "Missing argument 'FORMAT'"),
    (["import", "humaneval"], "Missing argument 'SRC'"),
    (["import", "humaneval", "-"], "Missing argument 'OUT_DIR'"),
    (["import", "humaneval", "-", "out", "--bogus"], "No such option: --bogus"),
    (["import", "humaneval", "-", "out", "--limit", "x"], "'--limit'"),
    (["import", "humaneval", "-", "out", "--limit", "0"], "'--limit'"),
    (["import", "codecontests", "f", "out", "--max-generated", "-1"], "'--max-generated'"),
    # view
    (["view"], "Missing argument 'RESULT.json|RUN_DIR'"),
    (["view", "r.json", "--bogus"], "No such option: --bogus"),
    (["view", "r.json", "--out"], "Option '--out' requires an argument"),
    # mcp
    (["mcp", "--http", "abc"], "'--http'"),
    (["mcp", "--bogus"], "No such option: --bogus"),
    (["mcp", "-n", "0"], "'--samples' / '-n'"),
]


@pytest.mark.parametrize(
    ("args", "named"),
    BAD_COMMAND_LINES,
    ids=[" ".join(a[0][:1] + a[0][2:]) for a in BAD_COMMAND_LINES],
)
def test_usage_error_is_short_and_exits_2(args: list[str], named: str, tmp_path: Path) -> None:
    proc = cli(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    # typer's short message: the usage line (when the command is known) and the error.
    assert len(proc.stderr.splitlines()) <= 7, proc.stderr
    assert named in flat(proc.stderr), proc.stderr
    assert proc.stdout == ""
    assert not list(tmp_path.iterdir()), "a usage error must not write anything"


# Run the CLI with some packages made unimportable, as on an install without them.
BLOCKED_RUN = """
import runpy, sys

class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ImportError(f"{{name}} is not installed here")
        return None

sys.meta_path.insert(0, Blocker())
sys.argv = ["agentsstar", *sys.argv[1:]]
runpy.run_module("agentsstar", run_name="__main__")
"""


def blocked_cli(blocked: set[str], *args: str) -> subprocess.CompletedProcess[str]:
    code = textwrap.dedent(BLOCKED_RUN.format(blocked=sorted(blocked)))
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120
    )


# Packages the base install does not declare: agentsstar must work without them.
UNDECLARED = {"httpx", "click", "litellm", "e2b", "e2b_code_interpreter", "llama_cpp"}


def test_base_install_solves_through_an_openai_server_without_undeclared_packages() -> None:
    with FakeOpenAIServer(reply=reply) as server:
        proc = blocked_cli(
            UNDECLARED, "run", PROBLEM, "--model", "openai:fake-model",
            "--base-url", server.base_url, "-n", "1", "--rounds", "0",
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "print(' '.join(input().split()[::-1]))\n"


def test_base_install_reports_usage_errors_and_unreachable_server() -> None:
    usage = blocked_cli(UNDECLARED, "run", PROBLEM, "--bogus")
    assert usage.returncode == 2, usage.stderr
    assert "No such option: --bogus" in usage.stderr and "Traceback" not in usage.stderr
    down = blocked_cli(
        UNDECLARED, "run", PROBLEM, "--model", "openai:m",
        "--base-url", "http://127.0.0.1:9/v1", "-n", "1",
    )  # fmt: skip
    assert down.returncode == 1
    [line] = [x for x in down.stderr.splitlines() if x.startswith("error:")]
    # The model name is printed as given (rich would turn ":m:" into an emoji).
    assert line.startswith("error: ModelError: openai:m: "), line
    assert "connection to http://127.0.0.1:9/v1 failed" in line, down.stderr
    assert "Traceback" not in down.stderr


# An unexpected failure inside a command: the report of a run directory blows up.
BUGGY_REPORT = """
import runpy, sys
import agentsstar.cli.report_cmd as report_cmd

def summarise(path):
    raise RuntimeError("summary table exploded")

report_cmd.summarise = summarise
sys.argv = ["agentsstar", *sys.argv[1:]]
runpy.run_module("agentsstar", run_name="__main__")
"""


def buggy_report(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-c", BUGGY_REPORT, "report", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "AGENTSSTAR_TRACEBACK": "", **(env or {})},
    )


def test_internal_error_is_one_line_saying_how_to_see_the_traceback(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")  # a run directory, so summarise is reached
    proc = buggy_report(str(tmp_path))
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "error: internal error: RuntimeError: summary table exploded "
        "(run with -vv or AGENTSSTAR_TRACEBACK=1 for the traceback, and please report it)"
    ]


def test_internal_error_traceback_on_request(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    proc = buggy_report(str(tmp_path), env={"AGENTSSTAR_TRACEBACK": "1"})
    assert proc.returncode == 1
    assert proc.stderr.startswith("Traceback (most recent call last):")
    assert "in summarise" in proc.stderr
    assert proc.stderr.strip().endswith("RuntimeError: summary table exploded")
