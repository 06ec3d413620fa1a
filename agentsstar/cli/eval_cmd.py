"""``agentsstar eval BENCH``: a strategy configuration over a whole benchmark."""

from __future__ import annotations

import time
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import anyio
import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from agentsstar.cli import _options as opt
from agentsstar.cli._common import console, setup_logging
from agentsstar.cli.report_cmd import print_table
from agentsstar.config import RunConfig
from agentsstar.errors import ConfigError
from agentsstar.evaluation.report import summarise
from agentsstar.evaluation.runner import run_eval
from agentsstar.evaluation.store import ProblemRecord, RunStore
from agentsstar.problem import Problem, load_problems


def select_problems(
    problems: list[Problem], ids: list[str] | None, limit: int | None
) -> list[Problem]:
    if ids:
        known = {p.id for p in problems}
        missing = [i for i in ids if i not in known]
        if missing:
            raise ConfigError(f"--ids: no problem with id {missing[0]!r} in the benchmark")
        wanted = set(ids)
        problems = [p for p in problems if p.id in wanted]
    if limit is not None:
        problems = problems[:limit]
    return problems


class EvalProgress:
    """done / total, passing so far, errors, tokens, elapsed and ETA, on stderr."""

    def __init__(self, total: int, already: list[ProblemRecord]) -> None:
        self.passed = sum(bool(r.passed) for r in already)
        self.errors = sum(r.error_kind in {"infrastructure", "timeout", "config"} for r in already)
        self.tokens = sum(r.usage.prompt_tokens + r.usage.completion_tokens for r in already)
        self.done = len(already)
        self.progress = Progress(
            TextColumn("[bold]eval[/bold]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
        )
        self.task = self.progress.add_task(
            "eval", total=total, completed=self.done, stats=self._stats()
        )

    def _stats(self) -> str:
        return f"· {self.passed} passing · {self.errors} errors · {self.tokens:,} tokens ·"

    def __call__(self, record: ProblemRecord) -> None:
        self.done += 1
        self.passed += int(bool(record.passed))
        self.errors += int(record.error_kind in {"infrastructure", "timeout", "config"})
        self.tokens += record.usage.prompt_tokens + record.usage.completion_tokens
        self.progress.update(self.task, completed=self.done, stats=self._stats())
        if not console.is_terminal:
            status = "error" if record.error_kind else ("pass" if record.passed else "fail")
            console.print(escape(f"[{self.done}] {record.id}: {status} ({record.seconds:.1f} s)"))


def register(app: typer.Typer) -> None:
    @app.command("eval")
    def eval_(
        bench: Annotated[
            Path | None,
            typer.Argument(
                metavar="BENCH", help="Directory of problem files, or a JSONL file of problems."
            ),
        ] = None,
        run_dir: Annotated[
            Path | None, typer.Option("--run-dir", help="Where results go (default: runs/<time>).")
        ] = None,
        resume: Annotated[
            Path | None, typer.Option("--resume", help="Continue the run in this directory.")
        ] = None,
        limit: Annotated[
            int | None, typer.Option("--limit", min=1, help="Only the first N problems.")
        ] = None,
        ids: Annotated[
            list[str] | None, typer.Option("--ids", help="Only these problem ids (repeatable).")
        ] = None,
        concurrency: Annotated[
            int | None,
            typer.Option(
                "--concurrency", "-j", min=1, max=256, help="Problems at once (default 2)."
            ),
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
            float | None, typer.Option("--deadline", min=0, help="Seconds allowed per problem.")
        ] = None,
        verbose: opt.Verbose = 0,
    ) -> None:
        """Run a strategy over a benchmark; results survive interruption (see --resume)."""
        setup_logging(verbose)
        flags: dict[str, Any] = dict(
            model=model, base_url=base_url, sandbox=sandbox, preset=preset, config=config,
            sampling=sampling, revision=revision, selection=selection, samples=samples,
            rounds=rounds, temperature=temperature, max_tokens=max_tokens, seed=seed,
            param=param or None, limit=limit, ids=ids or None, deadline=deadline, run_dir=run_dir,
        )  # fmt: skip
        if resume is not None:
            given = [f"--{k.replace('_', '-')}" for k, v in flags.items() if v is not None]
            if given:
                # A usage error: typer prints it with the short usage line, exit 2.
                raise typer.BadParameter(
                    f"continues a run with its saved settings; drop {', '.join(given)}",
                    param_hint="'--resume'",
                )
            store = RunStore(resume)
            saved = store.load_config()
            cfg = RunConfig.model_validate(saved["run"])
            if concurrency is not None:
                cfg = cfg.model_copy(update={"concurrency": concurrency})
            bench_path = Path(bench or saved["bench"])
            problems = select_problems(
                load_problems(bench_path), saved.get("ids"), saved.get("limit")
            )
        else:
            if bench is None:
                raise typer.BadParameter(
                    "give a benchmark directory or JSONL file (or --resume RUN_DIR)",
                    param_hint="'BENCH'",
                )
            extra: dict[str, Any] = {}
            if deadline is not None:
                extra["deadline_s"] = deadline
            if concurrency is not None:
                extra["concurrency"] = concurrency
            cfg = opt.resolve(
                preset=preset, config=config, model=model, base_url=base_url, sandbox=sandbox,
                sampling=sampling, revision=revision, selection=selection, samples=samples,
                rounds=rounds, temperature=temperature, max_tokens=max_tokens, seed=seed,
                params=param, extra=extra,
            )  # fmt: skip
            problems = select_problems(load_problems(bench), ids, limit)
            target = run_dir or Path("runs") / datetime.now().strftime("%Y%m%d-%H%M%S")
            store = RunStore(target)
            store.create(
                {
                    "bench": str(bench.resolve()),
                    "preset": preset,
                    "ids": ids or None,
                    "limit": limit,
                    "run": cfg.model_dump(mode="json"),
                }
            )
        already = [r for r in store.finished().values() if r.id in {p.id for p in problems}]
        console.print(
            "[dim]"
            + escape(
                f"run directory {store.dir} · {len(problems)} problems "
                f"({len(already)} already finished) · {cfg.model}"
            )
            + "[/dim]"
        )
        progress = EvalProgress(len(problems), already)
        start = time.perf_counter()
        with progress.progress:
            anyio.run(partial(run_eval, problems, cfg, store, on_record=progress))
        saved = store.load_config()
        saved["wall_seconds"] = float(saved.get("wall_seconds", 0.0)) + time.perf_counter() - start
        store._write_json(store.dir / "config.json", saved)
        print_table([summarise(store.dir)])
