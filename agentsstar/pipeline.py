"""``solve``: the S* pipeline for one problem.

    sample N  ──►  grade + revise each candidate (concurrently)  ──►  select one

Every model call of a stage runs concurrently, bounded only by the ``Model``'s
concurrency limit and the sandbox's worker limit, so a problem's wall time tracks its
critical path (the longest chain of dependent model calls), not N×R calls in a row.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from functools import partial
from typing import Any

import anyio
import structlog

from agentsstar.assembly import Strategies
from agentsstar.backends.base import GenerationParams, ModelBackend
from agentsstar.concurrency import map_all
from agentsstar.context import Context, PrivateScorer, ProgressFn
from agentsstar.errors import unwrap_group
from agentsstar.model import Model
from agentsstar.problem import Problem
from agentsstar.records import Attempt, Candidate, Result, Selected
from agentsstar.sandboxes.base import Sandbox
from agentsstar.strategies.base import (
    RevisionStrategy,
    Sample,
    SamplingStrategy,
    SelectionStrategy,
)

log = structlog.get_logger(__name__)


async def solve(
    problem: Problem,
    *,
    model: Model | ModelBackend | str = "local",
    sandbox: Sandbox | None = None,
    sampling: SamplingStrategy | None = None,
    revision: RevisionStrategy | None = None,
    selection: SelectionStrategy | None = None,
    params: GenerationParams | None = None,
    seed: int = 0,
    deadline: float | None = None,
    score_candidates: bool = False,
    progress: ProgressFn | None = None,
) -> Result:
    """Solve ``problem`` with S* (or any strategy combination) and return the record.

    With no arguments but the problem it runs the embedded local model (``"local"``)
    in a ``LocalSandbox``, both opened and closed here, with the CLI's defaults for
    that model. ``model`` may be a spec string (``"openai:NAME"``, ``"litellm:..."``,
    ``"local:qwen2.5-coder-1.5b"``), a ``ModelBackend`` or a ``Model``; objects passed
    in are left open for the caller to reuse.

    Strategies only ever see ``problem.public()``. When the problem has private tests
    (or a private check), the selected program is scored on them after selection;
    with ``score_candidates=True`` every candidate is scored too (oracle pass@N).

    Raises:
        TimeoutError: ``deadline`` seconds passed first.
        ModelError: the model failed for good.
        SandboxError: the sandbox failed; no verdict is given on any program.
    """
    from agentsstar.assembly import open_run
    from agentsstar.config import RunConfig, build_config

    if isinstance(model, str):
        # Built the way the CLI builds it, with that backend's defaults for N, rounds
        # and max_tokens where the caller left them open.
        cfg = build_config(overrides={"model": model, "seed": seed})
        given: Model | None = None
    else:
        cfg = RunConfig(seed=seed)
        given = model if isinstance(model, Model) else Model(model)
        params = params or GenerationParams()
    cfg = cfg.model_copy(update={"deadline_s": deadline})
    try:
        async with open_run(cfg, model=given, sandbox=sandbox, params=params, warm=False) as run:
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
    *,
    model: Model,
    sandbox: Sandbox,
    sampling: SamplingStrategy,
    revision: RevisionStrategy,
    selection: SelectionStrategy,
    params: GenerationParams,
    seed: int = 0,
    deadline: float | None = None,
    score_candidates: bool = False,
    progress: ProgressFn | None = None,
) -> Result:
    """The pipeline itself, on parts that are already open (see ``assembly.open_run``).

    Raises:
        TimeoutError: ``deadline`` seconds passed first.
        ModelError, SandboxError: as for ``solve`` (possibly inside an exception group).
    """
    ctx = Context(
        problem=problem.public(),
        model=model,
        sandbox=sandbox,
        params=params,
        seed=seed,
        progress=progress,
    )
    scorer = PrivateScorer(sandbox, problem) if problem.has_private else None
    clock = _Clock()
    scope = anyio.fail_after(deadline) if deadline is not None else nullcontext()
    with structlog.contextvars.bound_contextvars(problem=problem.id), scope:
        with clock("sampling"):
            ctx.emit("stage", stage="sampling")
            samples = await sampling.sample(ctx)
            log.info("sampled", candidates=len(samples))
        with clock("revision"):
            ctx.emit("stage", stage="revision", candidates=len(samples))
            final = await map_all(partial(_refine, ctx, revision), enumerate(samples))
        with clock("selection"):
            ctx.emit("stage", stage="selection")
            chooser = ctx.with_private(scorer) if selection.uses_private_tests and scorer else ctx
            record = await selection.select(chooser, final)
        selected = None
        if record.selected is not None and final[record.selected].code is not None:
            selected = Selected(index=record.selected, code=final[record.selected].code or "")
        private = candidates_private = None
        if scorer is not None:
            with clock("scoring"):
                ctx.emit("stage", stage="scoring")
                private = await scorer.score(selected.code if selected else None)
                if score_candidates:
                    scores = await map_all(scorer.score, [c.code for c in final])
                    candidates_private = [
                        c.code is not None and s.accepted
                        for c, s in zip(final, scores, strict=True)
                    ]
    return Result(
        problem_id=problem.id,
        model=model.name,
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
    )


async def _refine(ctx: Context, revision: RevisionStrategy, item: tuple[int, Sample]) -> Candidate:
    """Grade one sample on the public tests, then let ``revision`` improve it."""
    i, sample = item
    with structlog.contextvars.bound_contextvars(candidate=i):
        public = await ctx.run_public(sample.code)
        first = Candidate(
            index=i,
            note=sample.note,
            attempts=[Attempt(round=0, code=sample.code, reply=sample.reply, public=public)],
        )
        candidate = await revision.revise(ctx, first)
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
