"""``solve``: the S* pipeline for one problem.

    sample N  ──►  grade + revise each candidate (concurrently)  ──►  select one

Every model call of a stage runs concurrently, bounded only by the ``Model``'s
concurrency limit and the sandbox's worker limit, so a problem's wall time tracks its
critical path (the longest chain of dependent model calls), not N×R calls in a row.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AsyncExitStack, nullcontext
from dataclasses import replace
from functools import partial
from typing import Any

import anyio
import structlog

from agentsstar.backends.base import GenerationParams, ModelBackend
from agentsstar.context import Context, ProgressFn, score_private
from agentsstar.errors import unwrap_group
from agentsstar.model import Model
from agentsstar.problem import Problem
from agentsstar.records import Attempt, Candidate, Result, Selected
from agentsstar.sandboxes.base import Sandbox
from agentsstar.strategies.base import RevisionStrategy, SamplingStrategy, SelectionStrategy

log = structlog.get_logger(__name__)


def _defaults() -> tuple[SamplingStrategy, RevisionStrategy, SelectionStrategy]:
    from agentsstar.strategies.revision.self_debug import SelfDebug
    from agentsstar.strategies.sampling.temperature import TemperatureSampling
    from agentsstar.strategies.selection.sstar import SStarSelection

    return TemperatureSampling(), SelfDebug(), SStarSelection()


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
    owned = AsyncExitStack()  # what solve opened itself, closed by solve
    try:
        if isinstance(model, str):
            # A spec such as "local" or "openai:NAME": built the way the CLI builds it,
            # with that backend's defaults for N, rounds and max_tokens where the
            # caller left them open.
            from agentsstar.config import build_config, build_model, build_strategies

            cfg = build_config(overrides={"model": model})
            model = build_model(cfg)
            owned.push_async_callback(model.aclose)
            default_sampling, default_revision, default_selection = build_strategies(cfg)
            sampling = sampling or default_sampling
            revision = revision or default_revision
            selection = selection or default_selection
            params = params or cfg.generation()
        if sandbox is None:
            from agentsstar.sandboxes.local import LocalSandbox

            sandbox = await owned.enter_async_context(LocalSandbox())
        return await _solve(
            problem,
            model=model,
            sandbox=sandbox,
            sampling=sampling,
            revision=revision,
            selection=selection,
            params=params,
            seed=seed,
            deadline=deadline,
            score_candidates=score_candidates,
            progress=progress,
        )
    except BaseExceptionGroup as group:
        raise unwrap_group(group) from None
    finally:
        with anyio.CancelScope(shield=True):
            await owned.aclose()


async def _solve(
    problem: Problem,
    *,
    model: Model | ModelBackend,
    sandbox: Sandbox,
    sampling: SamplingStrategy | None,
    revision: RevisionStrategy | None,
    selection: SelectionStrategy | None,
    params: GenerationParams | None,
    seed: int,
    deadline: float | None,
    score_candidates: bool,
    progress: ProgressFn | None,
) -> Result:
    default_sampling, default_revision, default_selection = _defaults()
    sampling = sampling or default_sampling
    revision = revision or default_revision
    selection = selection or default_selection
    m = model if isinstance(model, Model) else Model(model)
    ctx = Context(
        problem=problem.public(),
        model=m,
        sandbox=sandbox,
        params=params or GenerationParams(),
        seed=seed,
        progress=progress,
    )
    timings: dict[str, float] = {}
    start = time.perf_counter()
    scope = anyio.fail_after(deadline) if deadline is not None else nullcontext()
    with structlog.contextvars.bound_contextvars(problem=problem.id), scope:
        ctx.emit("stage", stage="sampling")
        samples = await sampling.sample(ctx)
        timings["sampling"] = time.perf_counter() - start
        log.info("sampled", candidates=len(samples))

        ctx.emit("stage", stage="revision", candidates=len(samples))
        t = time.perf_counter()
        candidates: list[Candidate | None] = [None] * len(samples)

        async def refine(i: int) -> None:
            s = samples[i]
            with structlog.contextvars.bound_contextvars(candidate=i):
                public = await ctx.run_public(s.code)
                first = Candidate(
                    index=i,
                    note=s.note,
                    attempts=[Attempt(round=0, code=s.code, reply=s.reply, public=public)],
                )
                candidates[i] = await revision.revise(ctx, first)
            ctx.emit("candidate_done", index=i)

        async with anyio.create_task_group() as tg:
            for i in range(len(samples)):
                tg.start_soon(refine, i)
        final = [c for c in candidates if c is not None]
        timings["revision"] = time.perf_counter() - t

        ctx.emit("stage", stage="selection")
        t = time.perf_counter()
        chooser_ctx = ctx
        if getattr(selection, "uses_private_tests", False):
            chooser_ctx = replace(ctx, _private=problem, _usage=ctx._usage)
        record = await selection.select(chooser_ctx, final)
        timings["selection"] = time.perf_counter() - t
        selected = None
        if record.selected is not None:
            code = final[record.selected].code
            if code is not None:
                selected = Selected(index=record.selected, code=code)

        private = None
        candidates_private = None
        if problem.has_private:
            ctx.emit("stage", stage="scoring")
            t = time.perf_counter()
            private = await score_private(sandbox, problem, selected.code if selected else None)
            if score_candidates:
                candidates_private = await _score_all(sandbox, problem, final)
            timings["scoring"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - start
    return Result(
        problem_id=problem.id,
        model=m.name,
        strategies={
            "sampling": sampling.describe(),
            "revision": revision.describe(),
            "selection": selection.describe(),
        },
        selected=selected,
        candidates=final,
        selection=record,
        usage=ctx.usage(),
        timings=timings,
        private=private,
        candidates_private=candidates_private,
    )


async def _score_all(sandbox: Sandbox, problem: Problem, cands: list[Candidate]) -> list[bool]:
    out = [False] * len(cands)

    async def one(i: int, c: Candidate) -> None:
        if c.code is not None:
            out[i] = (await score_private(sandbox, problem, c.code)).accepted

    async with anyio.create_task_group() as tg:
        for i, c in enumerate(cands):
            tg.start_soon(one, i, c)
    return out


def solve_sync(problem: Problem, **kwargs: Any) -> Result:
    """Blocking ``solve`` for scripts and notebooks without an event loop."""
    fn: Callable[[], Any] = partial(solve, problem, **kwargs)
    result: Result = anyio.run(fn)
    return result
