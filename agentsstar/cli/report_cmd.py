"""``agentsstar report RUN_DIR ...``: compare runs in a table (and a plot)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from agentsstar.cli._common import console
from agentsstar.evaluation.report import RunSummary, plot, summarise


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def print_table(summaries: list[RunSummary]) -> None:
    table = Table(title="agentsstar runs", show_lines=False)
    for col in ("run", "strategies", "problems", "errors", "pass@1", "oracle pass@N",
                "tokens/problem", "s/problem", "wall s"):  # fmt: skip
        table.add_column(col, overflow="fold")
    for s in summaries:
        label = escape(s.label) + (" [yellow](upper bound)[/yellow]" if s.upper_bound else "")
        table.add_row(
            escape(s.name),
            label,
            str(s.total),
            str(s.errors),
            f"{_pct(s.pass_at_1)} ({s.passed}/{s.scored})",
            _pct(s.oracle_pass_at_n),
            f"{s.tokens_per_problem:,.0f}",
            f"{s.seconds_per_problem:.1f}",
            f"{s.wall_seconds:.0f}",
        )
    console.print(table)
    diffs = sorted({d for s in summaries for d in s.by_difficulty})
    if diffs:
        dt = Table(title="pass@1 by difficulty")
        dt.add_column("run")
        for d in diffs:
            dt.add_column(d)
        for s in summaries:
            cells = []
            for d in diffs:
                p, n = s.by_difficulty.get(d, (0, 0))
                cells.append(f"{_pct(p / n if n else None)} ({p}/{n})")
            dt.add_row(s.name, *cells)
        console.print(dt)


def register(app: typer.Typer) -> None:
    @app.command()
    def report(
        run_dirs: Annotated[
            list[Path], typer.Argument(metavar="RUN_DIR...", help="Run directories to compare.")
        ],
        plot_file: Annotated[
            Path | None, typer.Option("--plot", help="Draw pass@1 against tokens to this PNG.")
        ] = None,
    ) -> None:
        """Table of pass@1, oracle pass@N, tokens and time for each run."""
        summaries = [summarise(d) for d in run_dirs]
        print_table(summaries)
        if plot_file is not None:
            plot(summaries, plot_file)
            console.print(f"plot written to {plot_file}")
