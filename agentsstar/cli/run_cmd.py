"""``agentsstar run PROBLEM.json``: solve one problem, print the selected program."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import anyio
import typer
from rich.markup import escape

from agentsstar.cli import _options as opt
from agentsstar.cli._common import console, setup_logging, write_atomic
from agentsstar.cli.progress import RunProgress
from agentsstar.config import RunConfig, build_model, build_sandbox, build_strategies
from agentsstar.pipeline import solve
from agentsstar.problem import Problem, load_problem
from agentsstar.records import Result


async def run_one(problem: Problem, cfg: RunConfig, progress: RunProgress | None) -> Result:
    """Build model, sandbox and strategies from ``cfg``, solve, and clean up."""
    sampling, revision, selection = build_strategies(cfg)
    model = build_model(cfg)
    sandbox = build_sandbox(cfg)
    try:
        # Load an embedded model before the run, so a missing or corrupt model file is
        # reported at once rather than from inside the first sampling call.
        load = getattr(model.backend, "load", None)
        if load is not None:
            await load()
        return await solve(
            problem,
            model=model,
            sandbox=sandbox,
            sampling=sampling,
            revision=revision,
            selection=selection,
            params=cfg.generation(),
            seed=cfg.seed,
            deadline=cfg.deadline_s,
            progress=progress,
        )
    finally:
        with anyio.move_on_after(10, shield=True):
            await sandbox.aclose()
            await model.aclose()


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
    parts.append(f"{u.llm_calls} model calls, {u.prompt_tokens + u.completion_tokens:,} tokens")
    parts.append(f"{result.timings.get('total', 0.0):.1f} s")
    return " · ".join(parts)


def register(app: typer.Typer) -> None:
    @app.command()
    def run(
        problem_file: Annotated[Path, typer.Argument(help="Problem JSON file.", metavar="PROBLEM")],
        out: Annotated[
            Path | None, typer.Option("--out", "-o", help="Write the whole result as JSON.")
        ] = None,
        model: opt.Model = None,
        base_url: opt.BaseUrl = None,
        sandbox: opt.Sandbox = None,
        preset: opt.Preset = None,
        config: opt.ConfigFile = None,
        sampling: opt.Sampling = None,
        revision: opt.Revision = None,
        selection: opt.Selection = None,
        samples: opt.Samples = None,
        rounds: opt.Rounds = None,
        temperature: opt.Temperature = None,
        max_tokens: opt.MaxTokens = None,
        seed: opt.Seed = None,
        param: opt.Params = None,
        deadline: Annotated[
            float | None, typer.Option("--deadline", min=0, help="Give up after this many seconds.")
        ] = None,
        verbose: opt.Verbose = 0,
    ) -> None:
        """Solve one problem with S* and print the selected program on stdout."""
        setup_logging(verbose)
        problem = load_problem(problem_file)
        cfg = opt.resolve(
            preset=preset,
            config=config,
            model=model,
            base_url=base_url,
            sandbox=sandbox,
            sampling=sampling,
            revision=revision,
            selection=selection,
            samples=samples,
            rounds=rounds,
            temperature=temperature,
            max_tokens=max_tokens,
            seed=seed,
            params=param,
            extra={"deadline_s": deadline} if deadline is not None else None,
        )
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
