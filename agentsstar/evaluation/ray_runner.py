"""Evals on a Ray cluster: problems run on workers, results are written by the driver.

Each worker is a Ray actor holding one open run (its own sandbox, its own connection
to the model endpoint), so runner start-up is paid once per worker, not per problem.
The driver hands out problems (at most ``concurrency`` in flight) and appends each
finished problem's row to the run store itself: the store stays the single source of
truth, so ``kill -9`` of the driver or of a worker loses only the problems in flight,
and ``--resume`` works as for a local eval.

A worker lost mid-problem (killed, out of memory, its node gone) is replaced and the
problem is tried once more on another worker; a second loss is recorded as an
infrastructure error, never as a wrong answer.
"""

from __future__ import annotations

import importlib
import itertools
import os
import socket
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from typing import Any

import anyio
import structlog

from agentsstar.assembly import Run, open_run
from agentsstar.config import RunConfig
from agentsstar.errors import ConfigError, MissingDependencyError
from agentsstar.evaluation.runner import run_problem
from agentsstar.evaluation.store import ProblemRecord, RunStore
from agentsstar.problem import Problem
from agentsstar.records import Result

log = structlog.get_logger(__name__)

ATTEMPTS = 2  # a problem whose worker dies is tried once more elsewhere
# Ray's switch that, set to 0, keeps a node on 127.0.0.1 instead of its network address.
LOOPBACK_ONLY_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


def _ray() -> Any:
    try:
        return importlib.import_module("ray")
    except ImportError:
        raise MissingDependencyError("ray", "ray", "--ray") from None


def require_ray() -> None:
    """Raise ``MissingDependencyError`` (naming the extra) unless Ray is installed."""
    _ray()


def connect(address: str, *, num_cpus: int | None = None) -> None:
    """Join the cluster at ``address`` (what ``ray.init`` takes: ``auto``,
    ``ray://head:10001``), or start a runtime on this machine for ``local``."""
    ray = _ray()
    if ray.is_initialized():
        return
    # Workers import agentsstar from the same installation as the driver; on a cluster
    # every node needs it installed (docs/scaling.md).
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
    if address == "local":
        # A runtime for this machine alone listens on loopback, not on the machine's
        # network address (Ray's default on Linux). Its processes read the setting
        # from the environment; this process read it when ray was imported, so it is
        # set on the (private) constant too.
        os.environ.setdefault(LOOPBACK_ONLY_ENV, "0")
        constants: Any = importlib.import_module("ray._private.ray_constants")
        constants.ENABLE_RAY_CLUSTER = os.environ[LOOPBACK_ONLY_ENV] not in ("0", "false")
        if num_cpus is not None:
            kwargs["num_cpus"] = num_cpus
    else:
        kwargs["address"] = address
    ray.init(**kwargs)


class ProblemWorker:
    """One worker: an open run, reused for every problem it is given."""

    def __init__(self, cfg_json: str) -> None:
        self._cfg = RunConfig.model_validate_json(cfg_json)
        self._stack: AsyncExitStack | None = None
        self._run: Run | None = None

    async def where(self) -> tuple[str, int]:
        return socket.gethostname(), os.getpid()

    async def solve(self, problem_json: str) -> tuple[str, str | None]:
        """Run one problem; the row and the full result, as JSON."""
        if self._run is None:
            self._stack = AsyncExitStack()
            self._run = await self._stack.enter_async_context(open_run(self._cfg))
        problem = Problem.model_validate_json(problem_json)
        record, result = await run_problem(problem, self._run)
        return record.model_dump_json(), result.model_dump_json() if result else None


async def run_eval_on_ray(
    problems: Sequence[Problem],
    cfg: RunConfig,
    store: RunStore,
    *,
    address: str,
    workers: int | None = None,
    on_record: Callable[[ProblemRecord], object] | None = None,
) -> list[ProblemRecord]:
    """Run every problem not yet finished in ``store`` on Ray workers.

    Raises:
        ConfigError: the embedded local model was asked for (each worker would load
            its own copy); serve it once and point ``--model openai:`` at it instead.
        MissingDependencyError: ``ray`` is not installed.
    """
    if cfg.is_local or any(s.is_local for s in cfg.models.values()):
        raise ConfigError(
            "--ray: the embedded model would be loaded once per worker; serve it once "
            "(python -m llama_cpp.server --model FILE) and use --model openai:NAME "
            "--base-url URL, or run without --ray"
        )
    ray = _ray()
    connect(address)
    done = store.finished()
    todo = [p for p in problems if p.id not in done]
    if not todo:
        return []
    count = workers or max(1, min(cfg.concurrency, int(ray.cluster_resources().get("CPU", 1))))
    actor_class = ray.remote(num_cpus=1, max_restarts=0)(ProblemWorker)
    cfg_json = cfg.model_dump_json()
    pool: list[Any] = [actor_class.remote(cfg_json) for _ in range(count)]
    turns = itertools.count()
    limiter = anyio.CapacityLimiter(cfg.concurrency)
    new: list[ProblemRecord] = []

    def replace_worker(slot: int, lost: Any) -> None:
        if pool[slot] is lost:  # not replaced already by another problem on it
            pool[slot] = actor_class.remote(cfg_json)

    async def one(problem: Problem) -> None:
        async with limiter:
            record, result = await _solve_with_retry(ray, pool, turns, replace_worker, problem)
        await store.save_async(record, result)
        new.append(record)
        if on_record is not None:
            on_record(record)

    try:
        async with anyio.create_task_group() as tg:
            for problem in todo:
                tg.start_soon(one, problem)
    finally:
        for actor in pool:
            ray.kill(actor)
    return new


async def _solve_with_retry(
    ray: Any,
    pool: list[Any],
    turns: itertools.count[int],
    replace_worker: Callable[[int, Any], None],
    problem: Problem,
) -> tuple[ProblemRecord, Result | None]:
    lost_on: list[str] = []
    for _ in range(ATTEMPTS):
        slot = next(turns) % len(pool)
        actor = pool[slot]
        try:
            host, pid = await actor.where.remote()
            row, full = await actor.solve.remote(problem.model_dump_json())
        except ray.exceptions.RayActorError as exc:
            log.warning("worker lost; retrying elsewhere", problem=problem.id, error=str(exc))
            lost_on.append(f"worker {slot}")
            replace_worker(slot, actor)
            continue
        record = ProblemRecord.model_validate_json(row).model_copy(
            update={"host": host, "pid": pid}
        )
        return record, Result.model_validate_json(full) if full else None
    return (
        ProblemRecord(
            id=problem.id,
            passed=None,
            error=f"worker lost {len(lost_on)} times while running this problem",
            error_kind="infrastructure",
            difficulty=problem.difficulty,
        ),
        None,
    )
