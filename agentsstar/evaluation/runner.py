"""Running a strategy configuration over many problems.

Problems run concurrently (bounded), sharing one model backend and one sandbox. A
problem that fails for infrastructure reasons (model server down, sandbox failure,
deadline) is recorded as an error, never as a wrong answer, and counted apart.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import anyio
import structlog

from agentsstar.assembly import Run, open_run
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


async def run_eval(
    problems: Sequence[Problem],
    cfg: RunConfig,
    store: RunStore,
    *,
    on_record: OnRecord | None = None,
) -> list[ProblemRecord]:
    """Run every problem not yet finished in ``store``; return the new records."""
    done = store.finished()
    todo = [p for p in problems if p.id not in done]
    limiter = anyio.CapacityLimiter(cfg.concurrency)
    new: list[ProblemRecord] = []

    async def one(run: Run, problem: Problem) -> None:
        async with limiter:
            with structlog.contextvars.bound_contextvars(problem=problem.id):
                record, result = await run_problem(problem, run)
            await store.save_async(record, result)
        new.append(record)
        if on_record is not None:
            on_record(record)

    async with open_run(cfg) as run, anyio.create_task_group() as tg:
        for problem in todo:
            tg.start_soon(one, run, problem)
    return new
