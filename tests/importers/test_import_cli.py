"""``agentsstar import`` on a throwaway Typer app (the main app wires ``register``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from agentsstar.cli.import_cmd import register
from agentsstar.errors import ConfigError, ProblemFileError, UnknownNameError
from agentsstar.problem import load_problems

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command("noop")  # a second command, so "import" is addressed by name
    def noop() -> None: ...

    return app


def test_humaneval_builtin_with_limit_prints_a_one_line_summary(
    app: typer.Typer, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        app, ["import", "humaneval", "builtin", str(tmp_path), "--limit", "3"]
    )
    assert result.exit_code == 0, result.output
    assert len(load_problems(tmp_path)) == 3
    summary = [line for line in result.stderr.splitlines() if line.startswith("Imported")]
    assert summary == [
        f"Imported 3 humaneval problems into {tmp_path} (0 skipped); "
        "4 public tests, 3 of 3 problems have at least one."
    ]


def test_livecodebench_filters_and_comma_separated_difficulties(
    app: typer.Typer, tmp_path: Path
) -> None:
    args = ["import", "livecodebench", str(FIXTURES / "livecodebench.jsonl"), str(tmp_path)]
    args += ["--since", "2023-05-13", "--until", "2023-12-31", "--difficulty", "easy,Medium"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.id for p in load_problems(tmp_path)) == [
        "atcoder-abc900_a",
        "codeforces-9901_A",
        "leetcode-9001",
    ]
    assert "(1 skipped: 1 outside the --since/--until dates)" in result.stderr


def test_codecontests_include_generated(app: typer.Typer, tmp_path: Path) -> None:
    args = ["import", "codecontests", str(FIXTURES / "codecontests.jsonl"), str(tmp_path)]
    result = CliRunner().invoke(app, [*args, "--include-generated", "--max-generated", "1"])
    assert result.exit_code == 0, result.output
    pair = next(p for p in load_problems(tmp_path) if p.id == "9990_A-Pair-Sum")
    assert len(pair.private_tests) == 3
    assert "1 uses named input/output files" in result.stderr


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (
            ["csv", "x.csv"],
            UnknownNameError,
            "valid formats: codecontests, humaneval, livecodebench",
        ),
        (["livecodebench", "-"], ConfigError, "livecodebench: a source file is required"),
        (["humaneval", "builtin", "--since", "2024-01-01"], ConfigError, "--since does not apply"),
        (["livecodebench", "x.jsonl", "--since", "May 2024"], ConfigError, "not a date like"),
        (["livecodebench", "nope.jsonl"], ProblemFileError, "nope.jsonl: no such file"),
    ],
)
def test_mistakes_surface_as_user_errors(
    app: typer.Typer,
    tmp_path: Path,
    args: list[str],
    error: type[Exception],
    message: str,
) -> None:
    fmt, src, *options = args
    result = CliRunner().invoke(app, ["import", fmt, src, str(tmp_path / "out"), *options])
    # The main CLI turns a UserError into one line and exit code 2; here it propagates.
    assert isinstance(result.exception, error)
    assert message in str(result.exception)
