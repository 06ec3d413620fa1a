"""Per-problem outcomes side by side (``agentsstar report --per-problem``)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from agentsstar.cli import app
from agentsstar.evaluation.outcomes import outcome_rows, render_outcomes
from agentsstar.evaluation.report import summarise

from .test_report import BASE, OTHER, make_run


def test_rows_in_natural_order_with_errors_and_unfinished_problems(tmp_path: Path) -> None:
    # Twelve problems for the second arm, ten for the first: p10 and p11 unfinished there.
    dirs = [
        make_run(tmp_path, "majority", BASE),
        make_run(tmp_path, "sstar", [*OTHER, True, False], errors=1),
    ]
    summaries = [summarise(d) for d in dirs]
    rows = dict(outcome_rows(summaries))
    assert list(rows)[:3] == ["e0", "p0", "p1"] and list(rows)[-3:] == ["p9", "p10", "p11"]
    assert rows["p3"] == ["pass", "fail"] and rows["p4"] == ["fail", "pass"]
    assert rows["e0"] == ["-", "error"] and rows["p10"] == ["-", "pass"]
    # Disagreements only: the five problems won or lost, not the unfinished ones.
    differing = [pid for pid, _ in outcome_rows(summaries, differing=True)]
    assert differing == ["p3", "p4", "p5", "p6", "p7"]


def test_formats_count_passes_among_the_rows_shown(tmp_path: Path) -> None:
    arms = (("majority", BASE), ("sstar", OTHER))
    summaries = [summarise(make_run(tmp_path, arm, passed)) for arm, passed in arms]
    md = render_outcomes(summaries, "md").splitlines()
    assert md[0] == "| problem | majority | sstar |"
    assert "| p3 | ✓ | ✗ |" in md and md[-1] == "| passed | 4 | 7 |"
    table = list(csv.reader(io.StringIO(render_outcomes(summaries, "csv", differing=True))))
    assert table[0] == ["problem", "majority", "sstar"] and table[-1] == ["passed", "1", "4"]
    data = json.loads(render_outcomes(summaries, "json"))
    assert data["runs"] == ["majority", "sstar"] and data["problems"]["p4"]["sstar"] == "pass"


def test_the_command(tmp_path: Path) -> None:
    make_run(tmp_path, "majority", BASE)
    make_run(tmp_path, "sstar", OTHER)
    runs = [str(tmp_path / "majority"), str(tmp_path / "sstar")]
    out = CliRunner().invoke(app, ["report", *runs, "--per-problem", "--differing"])
    assert out.exit_code == 0, out.output
    assert "p4" in out.output and "p0 " not in out.output
    bad = CliRunner().invoke(app, ["report", *runs, "--differing"])
    assert bad.exit_code == 2 and "--differing: only with --per-problem" in bad.output
