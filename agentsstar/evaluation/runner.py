"""Running a strategy configuration over many problems.

Problems run concurrently (bounded), sharing one model backend and one sandbox; an
eval of several arms (strategy configurations) shares them across the arms too. A
problem that fails for infrastructure reasons (model server down, sandbox failure,
deadline) is recorded as an error, never as a wrong answer, and counted apart; so is
a defect of agentsstar's own that one problem's data sets off, so that it costs that
problem and not the rest of a long eval.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass

import anyio
import structlog

from agentsstar.assembly import Parts, Run, open_run
from agentsstar.config import RunConfig
from agentsstar.errors import AgentsstarError, InfrastructureError, unwrap_group
from agentsstar.evaluation.store import ProblemRecord, RunStore
from agentsstar.problem import Problem
from agentsstar.records import Result

log = structlog.get_logger(__name__)

OnRecord = Callable[[ProblemRecord], None]


def record_from(problem: Problem, result: Result, seconds: float) -> ProblemRecord:
    cands = result.candidates_private
    return ProblemRecord(
        id=problem.id,
        passed=result.private.accepted if result.private is not None else None,
        error=None if result.private is not None else "problem has no private tests to score",
        error_kind=None if result.private is not None else "unscored",
        usage=result.usage,
        seconds=seconds,
        difficulty=problem.difficulty,
        selected=result.selected.index if result.selected else None,
        candidates=len(result.candidates),
        candidates_passed=sum(cands) if cands is not None else None,
    )


async def run_problem(problem: Problem, run: Run) -> tuple[ProblemRecord, Result | None]:
    start = time.perf_counter()
    try:
        try:
            result = await run.solve(problem, score_candidates=True)
        except BaseExceptionGroup as group:
            raise unwrap_group(group) from None
    except TimeoutError:
        kind, message = "timeout", f"deadline of {run.cfg.deadline_s} s passed"
    except InfrastructureError as exc:
        kind, message = "infrastructure", f"{type(exc).__name__}: {exc}"
    except AgentsstarError as exc:  # e.g. oracle on a problem without private tests
        kind, message = "config", f"{type(exc).__name__}: {exc}"
    except Exception as exc:
        # A bug, not a verdict: logged with its traceback, the eval goes on, and
        # `eval --resume --retry-errors` runs the problem again once it is fixed.
        log.exception("internal error on a problem", problem=problem.id)
        kind, message = "internal", f"internal error: {type(exc).__name__}: {exc}"
    else:
        return record_from(problem, result, time.perf_counter() - start), result
    log.warning("problem ended in an error", problem=problem.id, error=message)
    return (
        ProblemRecord(
            id=problem.id,
            passed=None,
            error=message,
            error_kind=kind,
            seconds=time.perf_counter() - start,
            difficulty=problem.difficulty,
        ),
        None,
    )


@dataclass(frozen=True)
class Arm:
    """One strategy configuration of an eval, with the store its results go to."""

    name: str
    cfg: RunConfig
    store: RunStore


async def run_eval(
    problems: Sequence[Problem],
    cfg: RunConfig,
    store: RunStore,
    *,
    on_record: OnRecord | None = None,
) -> list[ProblemRecord]:
    """Run every problem not yet finished in ``store``; return the new records."""
    records = await run_arms(
        problems, [Arm("run", cfg, store)], on_record=lambda _, r: on_record and on_record(r)
    )
    return records["run"]


async def run_arms(
    problems: Sequence[Problem],
    arms: Sequence[Arm],
    *,
    concurrency: int | None = None,
    on_record: Callable[[str, ProblemRecord], object] | None = None,
) -> dict[str, list[ProblemRecord]]:
    """Run every arm over ``problems`` (skipping what each arm's store has finished).

    The arms share one pool of models and sandboxes (``assembly.Parts``): arms naming
    the same model use one ``Model``, and with a shared cache a request two arms make
    is sent once. All arms of a problem run together, so identical requests meet in
    flight; ``concurrency`` (default: the first arm's) bounds problems at once.
    """
    limiter = anyio.CapacityLimiter(concurrency or arms[0].cfg.concurrency)
    finished = {arm.name: set(arm.store.finished()) for arm in arms}
    new: dict[str, list[ProblemRecord]] = {arm.name: [] for arm in arms}

    async def one(run: Run, arm: Arm, problem: Problem) -> None:
        with structlog.contextvars.bound_contextvars(problem=problem.id, arm=arm.name):
            record, result = await run_problem(problem, run)
        await arm.store.save_async(record, result)
        new[arm.name].append(record)
        if on_record is not None:
            on_record(arm.name, record)

    async def problem_arms(runs: list[Run], problem: Problem) -> None:
        async with limiter, anyio.create_task_group() as tg:
            for run, arm in zip(runs, arms, strict=True):
                if problem.id not in finished[arm.name]:
                    tg.start_soon(one, run, arm, problem)

    async with AsyncExitStack() as stack:
        parts = await stack.enter_async_context(Parts())
        runs = [await stack.enter_async_context(open_run(a.cfg, parts=parts)) for a in arms]
        async with anyio.create_task_group() as tg:
            for problem in problems:
                if any(problem.id not in finished[a.name] for a in arms):
                    tg.start_soon(problem_arms, runs, problem)
    return new
