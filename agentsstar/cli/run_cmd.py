"""``agentsstar run PROBLEM.json``: solve one problem, print the selected program."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import anyio
import typer
from rich.markup import escape

from agentsstar.assembly import open_run
from agentsstar.cli._common import console, setup_logging
from agentsstar.cli._options import RunOptions, run_options
from agentsstar.cli.progress import RunProgress
from agentsstar.config import RunConfig
from agentsstar.errors import unwrap_group
from agentsstar.files import write_atomic
from agentsstar.problem import Problem, load_problem
from agentsstar.records import Result


async def run_one(problem: Problem, cfg: RunConfig, progress: RunProgress | None) -> Result:
    """Open what ``cfg`` names, solve, and clean up."""
    try:
        async with open_run(cfg) as run:
            return await run.solve(problem, progress=progress)
    except BaseExceptionGroup as group:
        raise unwrap_group(group) from None


def summary(result: Result) -> str:
    u = result.usage
    parts = []
    if result.selected is not None:
        parts.append(f"selected candidate {result.selected.index} of {len(result.candidates)}")
    if result.selection is not None and result.selection.upper_bound:
        parts.append("[yellow]oracle selection (upper bound, reads private tests)[/yellow]")
    if result.private is not None:
        colour = "green" if result.private.accepted else "red"
        score = f"private tests {result.private.passed}/{result.private.total} passed"
        parts.append(f"[{colour}]{score}[/{colour}]")
    calls = f"{u.llm_calls} model calls, {u.prompt_tokens + u.completion_tokens:,} tokens"
    if u.cached_calls:
        calls += f" (+{u.cached_calls} answered by the cache)"
    parts.append(calls)
    if result.budget is not None:
        b = result.budget
        parts.append(f"[yellow]{b.kind} budget spent during {b.stage}[/yellow]")
    parts.append(f"{result.timings.get('total', 0.0):.1f} s")
    return " · ".join(parts)


def register(app: typer.Typer) -> None:
    @app.command()
    @run_options
    def run(
        problem_file: Annotated[Path, typer.Argument(help="Problem JSON file.", metavar="PROBLEM")],
        options: RunOptions,
        out: Annotated[
            Path | None, typer.Option("--out", "-o", help="Write the whole result as JSON.")
        ] = None,
    ) -> None:
        """Solve one problem with S* and print the selected program on stdout."""
        setup_logging(options.verbose)
        [(_, preset, config)] = _one_arm(options)
        problem = load_problem(problem_file)
        cfg = options.resolve(preset, config)
        if options.no_cache:
            cfg = cfg.model_copy(update={"cache": None})
        plan = (
            f"{problem.id}: {cfg.model} · {cfg.sampling.name}{cfg.sampling.params()} → "
            f"{cfg.revision.name}{cfg.revision.params()} → {cfg.selection.name}"
        )
        console.print(f"[dim]{escape(plan)}[/dim]", highlight=False)
        with RunProgress(console) as progress:
            result = anyio.run(partial(run_one, problem, cfg, progress))
        if out is not None:
            write_atomic(out, result.model_dump_json(indent=2))
        console.print(summary(result), highlight=False)
        if result.selected is None:
            console.print("[bold red]error:[/bold red] no candidate produced a program")
            raise typer.Exit(1)
        typer.echo(result.selected.code, nl=False)


def _one_arm(options: RunOptions) -> list[tuple[str, str | None, Path | None]]:
    if len(options.preset or []) > 1 or len(options.config or []) > 1:
        raise typer.BadParameter(
            "run takes one --preset and one --config (eval compares several)",
            param_hint="--preset / --config",
        )
    return options.arms()
