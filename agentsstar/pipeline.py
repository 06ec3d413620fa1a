"""``solve``: the S* pipeline for one problem.

    sample N  ──►  grade + revise each candidate (concurrently)  ──►  select one

Every model call of a stage runs concurrently, bounded only by the ``Model``'s
concurrency limit and the sandbox's worker limit, so a problem's wall time tracks its
critical path (the longest chain of dependent model calls), not N×R calls in a row.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from functools import partial
from typing import Any, TypeVar

import anyio
import structlog

from agentsstar.assembly import Run, Strategies
from agentsstar.backends.base import GenerationParams, ModelBackend
from agentsstar.budget import Budget, only_budget
from agentsstar.concurrency import map_all
from agentsstar.context import Context, PrivateScorer, ProgressFn
from agentsstar.errors import ConfigError, unwrap_group
from agentsstar.model import Model
from agentsstar.problem import Problem
from agentsstar.records import Attempt, Candidate, Result, Selected, SelectionRecord
from agentsstar.sandboxes.base import Sandbox
from agentsstar.strategies.base import (
    RevisionStrategy,
    Sample,
    SamplingStrategy,
    SelectionStrategy,
)

log = structlog.get_logger(__name__)

T = TypeVar("T")


async def solve(
    problem: Problem,
    *,
    model: Model | ModelBackend | str = "local",
    models: Mapping[str, Model | ModelBackend | str] | None = None,
    sandbox: Sandbox | None = None,
    sampling: SamplingStrategy | None = None,
    revision: RevisionStrategy | None = None,
    selection: SelectionStrategy | None = None,
    params: GenerationParams | None = None,
    seed: int = 0,
    deadline: float | None = None,
    score_candidates: bool = False,
    progress: ProgressFn | None = None,
    token_budget: int | None = None,
    time_budget: float | None = None,
) -> Result:
    """Solve ``problem`` with S* (or any strategy combination) and return the record.

    With no arguments but the problem it runs the embedded local model (``"local"``)
    in a ``LocalSandbox``, both opened and closed here, with the CLI's defaults for
    that model. ``model`` may be a spec string (``"openai:NAME"``, ``"litellm:..."``,
    ``"local:qwen2.5-coder-1.5b"``), a ``ModelBackend`` or a ``Model``; objects passed
    in are left open for the caller to reuse. ``models`` gives a stage a model of its
    own, in the same forms (``models={"selection": "openai:gpt-4o-mini"}``); the others
    use ``model``.

    Strategies only ever see ``problem.public()``. When the problem has private tests
    (or a private check), the selected program is scored on them after selection;
    with ``score_candidates=True`` every candidate is scored too (oracle pass@N).

    ``token_budget`` (prompt + completion tokens) and ``time_budget`` (seconds) bound
    the problem: once one is spent no model call starts, and the best program so far
    is returned with ``Result.budget`` saying which budget ended the run and where.

    Raises:
        TimeoutError: ``deadline`` seconds passed first.
        ModelError: the model failed for good.
        SandboxError: the sandbox failed; no verdict is given on any program.
    """
    from agentsstar.assembly import open_run
    from agentsstar.config import STAGES, ModelSpec, RunConfig, build_config

    if isinstance(model, str):
        # Built the way the CLI builds it, with that backend's defaults for N, rounds
        # and max_tokens where the caller left them open.
        cfg = build_config(overrides={"model": model, "seed": seed})
        given: Model | None = None
    else:
        cfg = RunConfig(seed=seed)
        given = model if isinstance(model, Model) else Model(model)
        params = params or GenerationParams()
    own_specs: dict[str, ModelSpec] = {}
    own_models: dict[str, Model] = {}
    for stage, m in (models or {}).items():
        if stage not in STAGES:
            raise ConfigError(f"models: unknown stage {stage!r}; valid: {', '.join(STAGES)}")
        if isinstance(m, str):
            own_specs[stage] = ModelSpec(model=m)
        else:
            own_models[stage] = m if isinstance(m, Model) else Model(m)
    cfg = cfg.model_copy(
        update={
            "deadline_s": deadline,
            "token_budget": token_budget,
            "time_budget_s": time_budget,
            "models": {**cfg.models, **own_specs},
        }
    )
    try:
        async with open_run(
            cfg, model=given, models=own_models, sandbox=sandbox, params=params, warm=False
        ) as run:
            defaults = run.strategies()
            chosen = Strategies(
                sampling or defaults.sampling,
                revision or defaults.revision,
                selection or defaults.selection,
            )
            return await run.solve(
                problem,
                strategies=chosen,
                score_candidates=score_candidates,
                progress=progress,
            )
    except BaseExceptionGroup as group:
        raise unwrap_group(group) from None


async def run_pipeline(
    problem: Problem,
    run: Run,
    strategies: Strategies,
    *,
    score_candidates: bool = False,
    progress: ProgressFn | None = None,
) -> Result:
    """The pipeline itself, on the open parts of ``run`` (see ``assembly.open_run``),
    with its settings: seed, deadline, and the token and time budgets (no model call
    starts once a budget is spent; each stage settles with what it has).

    Raises:
        TimeoutError: the deadline passed first.
        ModelError, SandboxError: as for ``solve`` (possibly inside an exception group).
    """
    cfg, model, sandbox = run.cfg, run.model, run.sandbox
    sampling, revision, selection = strategies.sampling, strategies.revision, strategies.selection
    deadline = cfg.deadline_s
    ctx = Context(
        problem=problem.public(),
        model=model,
        models=dict(run.models),
        sandbox=sandbox,
        params=run.params,
        seed=cfg.seed,
        progress=progress,
        budget=Budget(tokens=cfg.token_budget, seconds=cfg.time_budget_s),
    )
    scorer = PrivateScorer(sandbox, problem) if problem.has_private else None
    clock = _Clock()
    scope = anyio.fail_after(deadline) if deadline is not None else nullcontext()
    with structlog.contextvars.bound_contextvars(problem=problem.id), scope:
        final = await _sample_and_revise(ctx, sampling, revision, clock)
        with clock("selection"):
            ctx.emit("stage", stage="selection")
            chooser = ctx.with_private(scorer) if selection.uses_private_tests and scorer else ctx
            record = await _settle(
                selection.select(chooser, final), partial(_pick_by_public, ctx, final)
            )
        selected = None
        chosen = next((c for c in final if c.index == record.selected), None)
        if chosen is not None and chosen.code is not None:
            selected = Selected(index=chosen.index, code=chosen.code)
        private, candidates_private = None, None
        if scorer is not None:
            with clock("scoring"):
                ctx.emit("stage", stage="scoring")
                private = await scorer.score(selected.code if selected else None)
                if score_candidates:
                    candidates_private = await _score_all(scorer, final)
    return Result(
        problem_id=problem.id,
        model=model.name,
        models={stage: m.name for stage, m in ctx.models.items()} or {"sampling": model.name},
        strategies={
            "sampling": sampling.describe(),
            "revision": revision.describe(),
            "selection": selection.describe(),
        },
        selected=selected,
        candidates=final,
        selection=record,
        usage=ctx.usage(),
        timings=clock.done(),
        private=private,
        candidates_private=candidates_private,
        budget=ctx.budget.stop,
    )


async def _score_all(scorer: PrivateScorer, candidates: list[Candidate]) -> list[bool]:
    """Whether each candidate passes the private tests (oracle pass@N)."""
    scores = await map_all(scorer.score, [c.code for c in candidates])
    return [c.code is not None and s.accepted for c, s in zip(candidates, scores, strict=True)]


async def _settle(work: Awaitable[T], fallback: Callable[[], T | Awaitable[T]]) -> T:
    """``work``'s result; if the budget ran out inside it, ``fallback()`` instead."""
    try:
        return await work
    except BaseException as exc:
        if not only_budget(exc):
            raise
    out = fallback()
    return await out if inspect.isawaitable(out) else out


async def _pick_by_public(ctx: Context, candidates: list[Candidate]) -> SelectionRecord:
    """Selection's fallback when the budget ends it: the best public score."""
    from agentsstar.strategies.selection.simple import PublicSelection

    record = await PublicSelection().select(ctx, candidates)
    stop = ctx.budget.stop
    spent = f"{stop.kind} budget" if stop else "budget"
    record.note = f"{spent} spent during selection: picked by public tests"
    return record


async def _sample_and_revise(
    ctx: Context, sampling: SamplingStrategy, revision: RevisionStrategy, clock: _Clock
) -> list[Candidate]:
    """Sample, and revise each sample as soon as it is back: a candidate's debugging
    does not wait for the slowest sample. Candidates come back in sample order."""
    done: dict[int, Candidate] = {}
    started: set[int] = set()

    async def refine(i: int, sample: Sample) -> None:
        done[i] = await _refine(ctx, revision, i, sample)

    async with anyio.create_task_group() as tg:

        def start(i: int, sample: Any) -> None:
            if i not in started:
                started.add(i)
                tg.start_soon(refine, i, sample)

        ctx.on_sample = start
        with clock("sampling"):
            ctx.emit("stage", stage="sampling")
            samples = await _settle(sampling.sample(ctx), list)
        ctx.on_sample = None
        log.info("sampled", candidates=len(samples))
        ctx.emit("stage", stage="revision", candidates=len(samples))
        # Strategies that do not report samples one by one are revised from here.
        for pos, sample in enumerate(samples):
            start(pos if sample.index is None else sample.index, sample)
        # "revision" is the time after the last sample until every chain is done (the
        # chains of early samples overlap sampling and are not counted twice).
        revision_start = time.perf_counter()
    clock.timings["revision"] = time.perf_counter() - revision_start
    return [done[i] for i in sorted(done)]


async def _refine(ctx: Context, revision: RevisionStrategy, i: int, sample: Sample) -> Candidate:
    """Grade one sample on the public tests, then let ``revision`` improve it."""
    with structlog.contextvars.bound_contextvars(candidate=i):
        public = await ctx.run_public(sample.code)
        first = Candidate(
            index=i,
            note=sample.note,
            attempts=[Attempt(round=0, code=sample.code, reply=sample.reply, public=public)],
        )
        candidate = await _settle(revision.revise(ctx, first), lambda: first)
    ctx.emit("candidate_done", index=i)
    return candidate


class _Clock:
    """Wall time per stage, and in all, for the result's ``timings``."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.timings: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        t = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] = time.perf_counter() - t

    def done(self) -> dict[str, float]:
        return {**self.timings, "total": time.perf_counter() - self.start}


def solve_sync(problem: Problem, **kwargs: Any) -> Result:
    """Blocking ``solve`` for scripts and notebooks without an event loop."""
    fn: Callable[[], Any] = partial(solve, problem, **kwargs)
    result: Result = anyio.run(fn)
    return result
