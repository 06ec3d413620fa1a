"""``agentsstar eval BENCH``: a strategy configuration over a whole benchmark."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
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

from agentsstar.cli._common import console, setup_logging
from agentsstar.cli._options import RunOptions, run_options
from agentsstar.cli.report_cmd import print_table
from agentsstar.config import RunConfig
from agentsstar.errors import ConfigError
from agentsstar.evaluation.report import ARMS_FILE, summarise
from agentsstar.evaluation.runner import Arm, run_arms
from agentsstar.evaluation.store import ERROR_KINDS, ProblemRecord, RunStore
from agentsstar.files import write_atomic
from agentsstar.problem import Problem, load_problems

CACHE_FILE = "cache.sqlite"


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
        self.errors = sum(r.error_kind in ERROR_KINDS for r in already)
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
        self.errors += int(record.error_kind in ERROR_KINDS)
        self.tokens += record.usage.prompt_tokens + record.usage.completion_tokens
        self.progress.update(self.task, completed=self.done, stats=self._stats())
        if not console.is_terminal:
            status = "error" if record.error_kind else ("pass" if record.passed else "fail")
            console.print(escape(f"[{self.done}] {record.id}: {status} ({record.seconds:.1f} s)"))


def register(app: typer.Typer) -> None:
    @app.command("eval")
    @run_options
    def eval_(
        options: RunOptions,
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
        retry_errors: Annotated[
            bool,
            typer.Option(
                "--retry-errors",
                help="With --resume: run again the problems that ended in an error "
                "(server down, timeout, internal error); verdicts are kept.",
            ),
        ] = False,
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
        ray_address: Annotated[
            str | None,
            typer.Option(
                "--ray",
                help="Run problems on a Ray cluster: ADDRESS as ray.init takes it, or local.",
            ),
        ] = None,
    ) -> None:
        """Run strategies over a benchmark; results survive interruption (see --resume).

        With several --preset / --config, every arm runs over the same problems into
        RUN_DIR/<arm>/, sharing one model-call cache: arms that sample alike get the same
        samples and pay for them once.
        """
        setup_logging(options.verbose)
        if ray_address is not None:
            from agentsstar.evaluation.ray_runner import require_ray

            require_ray()  # before anything is written
        if resume is not None:
            given = options.given() + [
                flag
                for flag, value in (("--limit", limit), ("--ids", ids), ("--run-dir", run_dir))
                if value
            ]
            if given:
                # A usage error: typer prints it with the short usage line, exit 2.
                raise typer.BadParameter(
                    f"continues a run with its saved settings; drop {', '.join(given)}",
                    param_hint="'--resume'",
                )
        elif retry_errors:
            raise typer.BadParameter(
                "retries the errors of a run being resumed; add --resume RUN_DIR",
                param_hint="'--retry-errors'",
            )
        elif bench is None:
            raise typer.BadParameter(
                "give a benchmark directory or JSONL file (or --resume RUN_DIR)",
                param_hint="'BENCH'",
            )
        if ray_address is not None:
            from agentsstar.evaluation.ray_runner import connect

            connect(ray_address)  # a cluster that cannot be joined leaves no run directory
        if resume is not None:
            plan = _resume(resume, bench, concurrency)
            if retry_errors:
                _forget_errors(plan)
        else:
            assert bench is not None
            target = run_dir or Path("runs") / datetime.now().strftime("%Y%m%d-%H%M%S")
            plan = _create(target, bench, options, ids, limit, concurrency)
        if ray_address is not None and len(plan.arms) > 1:
            raise typer.BadParameter("--ray runs one arm at a time", param_hint="--ray")
        _execute(plan, ray_address)


@dataclass
class Plan:
    root: Path
    problems: list[Problem]
    arms: list[Arm]


def _create(
    root: Path,
    bench: Path,
    options: RunOptions,
    ids: list[str] | None,
    limit: int | None,
    concurrency: int | None,
) -> Plan:
    extra: dict[str, Any] = {}
    if concurrency is not None:
        extra["concurrency"] = concurrency
    if not options.no_cache:
        # An eval caches by default: arms share samples, and a re-run is free.
        extra["cache"] = str((options.cache or root / CACHE_FILE).resolve())
    arms_spec = options.arms()
    several = len(arms_spec) > 1
    configs = [
        (name, options.resolve(preset, config, extra, fitting=several))
        for name, preset, config in arms_spec
    ]
    if several:
        options.check_taken([cfg for _, cfg in configs])
    problems = select_problems(load_problems(bench), ids, limit)
    if (root / ARMS_FILE).exists() or (root / "config.json").exists():
        raise ConfigError(f"{root}: already holds a run; use --resume {root} to continue it")
    common = {"bench": str(bench.resolve()), "ids": ids or None, "limit": limit}
    arms: list[Arm] = []
    for (name, cfg), (_, preset, _config) in zip(configs, arms_spec, strict=True):
        store = RunStore(root / name if several else root)
        store.create({**common, "preset": preset, "arm": name, "run": cfg.model_dump(mode="json")})
        arms.append(Arm(name, cfg, store))
    if several:
        write_atomic(root / ARMS_FILE, json.dumps({**common, "arms": [a.name for a in arms]}))
    return Plan(root, problems, arms)


def _resume(root: Path, bench: Path | None, concurrency: int | None) -> Plan:
    manifest = root / ARMS_FILE
    if manifest.exists():
        saved = json.loads(manifest.read_text())
        stores = [RunStore(root / name) for name in saved["arms"]]
    else:
        saved = RunStore(root).load_config()
        stores = [RunStore(root)]
    arms = []
    for store in stores:
        config = store.load_config()
        cfg = RunConfig.model_validate(config["run"])
        if concurrency is not None:
            cfg = cfg.model_copy(update={"concurrency": concurrency})
        arms.append(Arm(str(config.get("arm") or store.dir.name), cfg, store))
    bench_path = Path(bench or saved["bench"])
    problems = select_problems(load_problems(bench_path), saved.get("ids"), saved.get("limit"))
    return Plan(root, problems, arms)


def _forget_errors(plan: Plan) -> None:
    ids = {p.id for p in plan.problems}
    for arm in plan.arms:
        again = [r.id for r in arm.store.forget_errors(ids)]
        if again:
            where = f"{arm.name}: " if len(plan.arms) > 1 else ""
            console.print(
                escape(f"{where}running again {len(again)} that ended in an error: ")
                + escape(", ".join(again[:5]) + (", ..." if len(again) > 5 else ""))
            )


def _execute(plan: Plan, ray_address: str | None) -> None:
    ids = {p.id for p in plan.problems}
    already = [r for a in plan.arms for r in a.store.finished().values() if r.id in ids]
    models = ", ".join(sorted({a.cfg.model for a in plan.arms}))
    arms = f"{len(plan.arms)} arms ({', '.join(a.name for a in plan.arms)})"
    console.print(
        "[dim]"
        + escape(
            f"run directory {plan.root} · {len(plan.problems)} problems × "
            f"{arms if len(plan.arms) > 1 else 'one arm'} ({len(already)} already finished) "
            f"· {models}"
        )
        + "[/dim]"
    )
    progress = EvalProgress(len(plan.problems) * len(plan.arms), already)
    start = time.perf_counter()
    with progress.progress:
        if ray_address is not None:
            from agentsstar.evaluation.ray_runner import run_eval_on_ray

            arm = plan.arms[0]
            anyio.run(
                partial(
                    run_eval_on_ray,
                    plan.problems,
                    arm.cfg,
                    arm.store,
                    address=ray_address,
                    on_record=progress,
                )
            )
        else:
            anyio.run(
                partial(run_arms, plan.problems, plan.arms, on_record=lambda _, r: progress(r))
            )
    elapsed = time.perf_counter() - start
    for arm in plan.arms:
        wall = float(arm.store.load_config().get("wall_seconds", 0.0))
        arm.store.update_config({"wall_seconds": wall + elapsed})
    print_table([summarise(a.store.dir) for a in plan.arms])
