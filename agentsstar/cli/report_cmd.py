"""``agentsstar report RUN_DIR ...``: compare runs in a table (and a plot)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from agentsstar.cli._common import console
from agentsstar.errors import ConfigError
from agentsstar.evaluation.outcomes import outcome_rows, render_outcomes
from agentsstar.evaluation.report import (
    RunSummary,
    paired_against_first,
    plot,
    render,
    summarise,
)
from agentsstar.evaluation.report import run_dirs as expand_run_dirs


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def print_table(summaries: list[RunSummary]) -> None:
    table = Table(title="agentsstar runs", show_lines=False)
    for col in ("run", "strategies", "problems", "errors", "pass@1", "oracle pass@N",
                "tokens/problem", "paid", "s/problem", "wall s"):  # fmt: skip
        table.add_column(col, overflow="fold")
    for s in summaries:
        label = escape(s.label) + (" [yellow](upper bound)[/yellow]" if s.upper_bound else "")
        table.add_row(
            escape(s.name),
            label,
            str(s.total),
            str(s.errors),
            f"{_pct(s.pass_at_1)} ({s.passed}/{s.scored})"
            + (f" [{_pct(s.interval[0])}, {_pct(s.interval[1])}]" if s.interval else ""),
            _pct(s.oracle_pass_at_n),
            f"{s.tokens_per_problem:,.0f}",
            f"{s.paid_tokens_per_problem:,.0f}",
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


class Format(StrEnum):
    table = "table"
    md = "md"
    csv = "csv"
    json = "json"


def print_comparison(summaries: list[RunSummary]) -> None:
    """Each run against the first, paired problem by problem."""
    if len(summaries) < 2:
        return
    table = Table(title=f"against {summaries[0].name} (paired, same problems)")
    for col in ("run", "difference", "95% CI", "wins/losses", "sign test p", "problems"):
        table.add_column(col)
    for s, p in zip(summaries[1:], paired_against_first(summaries)[1:], strict=True):
        assert p is not None
        ci = f"[{100 * p.interval[0]:+.1f}, {100 * p.interval[1]:+.1f}]" if p.interval else "–"
        table.add_row(
            escape(s.name),
            f"{100 * p.difference:+.1f} pts",
            ci,
            f"{p.wins}/{p.losses}",
            f"{p.p_value:.3g}",
            str(p.problems),
        )
    console.print(table)
    errors = [(s.name, s.error_ids) for s in summaries if s.error_ids]
    for name, ids in errors:
        listed = escape(", ".join(ids))
        console.print(f"[yellow]{escape(name)}: {len(ids)} errors (not counted): {listed}[/yellow]")


def print_outcomes(summaries: list[RunSummary], *, differing: bool) -> None:
    table = Table(title="outcomes by problem" + (" (where runs differ)" if differing else ""))
    table.add_column("problem")
    for s in summaries:
        table.add_column(escape(s.name))
    style = {"pass": "[green]pass[/green]", "fail": "[red]fail[/red]",
             "error": "[yellow]error[/yellow]", "-": "–"}  # fmt: skip
    rows = outcome_rows(summaries, differing=differing)
    for pid, row in rows:
        table.add_row(escape(pid), *(style[o] for o in row))
    passes = [str(sum(row[i] == "pass" for _, row in rows)) for i in range(len(summaries))]
    table.add_row("[bold]passed[/bold]", *passes)
    console.print(table)


def register(app: typer.Typer) -> None:
    @app.command()
    def report(
        run_dirs: Annotated[
            list[Path],
            typer.Argument(
                metavar="RUN_DIR...",
                help="Run directories to compare (an eval of several arms: each arm).",
            ),
        ],
        plot_file: Annotated[
            Path | None, typer.Option("--plot", help="Draw pass@1 against tokens to this PNG.")
        ] = None,
        fmt: Annotated[
            Format, typer.Option("--format", help="table (default), md, csv or json.")
        ] = Format.table,
        per_problem: Annotated[
            bool,
            typer.Option(
                "--per-problem", help="Each problem's outcome in every run, instead of totals."
            ),
        ] = False,
        differing: Annotated[
            bool,
            typer.Option(
                "--differing", help="With --per-problem: only problems the runs disagree on."
            ),
        ] = False,
    ) -> None:
        """Compare runs: pass@1 with intervals, cost, and each run paired against the first."""
        if differing and not per_problem:
            raise ConfigError("--differing: only with --per-problem")
        summaries = [summarise(d) for d in expand_run_dirs(run_dirs)]
        if per_problem and fmt is Format.table:
            print_outcomes(summaries, differing=differing)
        elif per_problem:
            typer.echo(render_outcomes(summaries, fmt.value, differing=differing), nl=False)
        elif fmt is Format.table:
            print_table(summaries)
            print_comparison(summaries)
        else:
            typer.echo(render(summaries, fmt.value), nl=False)
        if plot_file is not None:
            plot(summaries, plot_file)
            console.print(f"plot written to {plot_file}")
