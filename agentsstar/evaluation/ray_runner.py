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
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AsyncExitStack, contextmanager
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
CONNECT_SECONDS = 5.0  # for the head's port to accept a connection
GCS_CHECK_SECONDS = 20.0  # for the head to answer one request
AUTH_HELP = (
    "give this process the cluster's token as its nodes have it: RAY_AUTH_MODE=token and "
    "RAY_AUTH_TOKEN_PATH=FILE, RAY_AUTH_TOKEN=TOKEN or ~/.ray/auth_token (docs/scaling.md)"
)


def _ray() -> Any:
    try:
        return importlib.import_module("ray")
    except ImportError:
        raise MissingDependencyError("ray", "ray", "--ray") from None


def require_ray() -> None:
    """Raise ``MissingDependencyError`` (naming the extra) unless Ray is installed."""
    _ray()


def connect(address: str, *, num_cpus: int | None = None) -> None:
    """Join the cluster at ``address`` (what ``ray.init`` takes: ``auto``, ``HOST:PORT``,
    ``ray://head:10001``), or start a runtime on this machine for ``local``.

    Raises:
        ConfigError: in one line, when nothing answers at the address, when the
            cluster refuses this process's auth token (or it has none), or when Ray
            cannot join it for another reason. Ray alone would retry for minutes.
    """
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
        # "local" and not None: ray.init() would join the cluster RAY_ADDRESS names.
        ray.init(address="local", **kwargs)
        return
    _check_cluster(address)
    try:
        ray.init(address=address, **kwargs)
    except Exception as exc:
        raise ConfigError(
            f"--ray {address}: could not join the Ray cluster: {_first_line(exc)}"
        ) from None


def _first_line(exc: BaseException) -> str:
    # Ray's AuthenticationError keeps its own message apart from a long help text.
    text = str(getattr(exc, "message", "") or exc).strip()
    return text.splitlines()[0].rstrip(".") if text else type(exc).__name__


def _check_cluster(address: str) -> None:
    """Fail fast, in one line, where ``ray.init(address)`` would retry for minutes
    (nothing listening) or fail with a chained traceback (auth)."""
    services: Any = importlib.import_module("ray._private.services")
    # As ray.init resolves it: RAY_ADDRESS stands in for auto.
    given = (os.environ.get("RAY_ADDRESS") or address) if address == "auto" else address
    if "://" in given:  # Ray Client (ray://head:10001): its server is a different protocol
        target = given.split("://", 1)[1].split("/", 1)[0]
    else:
        _auth_as_ray_init(given)
        try:
            target = services.canonicalize_bootstrap_address(given)
        except ConnectionError:  # auto, and no cluster on this machine
            raise ConfigError(
                f"--ray {address}: no Ray cluster found on this machine (RAY_ADDRESS is "
                "not set and no `ray start --head` runs here); give the head's HOST:PORT"
            ) from None
        except ValueError as exc:
            raise ConfigError(f"--ray {address}: {_first_line(exc)}") from None
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"--ray {address}: not an address (HOST:PORT, auto, ray://HOST:PORT)")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_SECONDS).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(
            f"--ray {address}: nothing answers at {target} ({reason}); is the head "
            f"started (`ray start --head`)?{_loopback_hint(given, host)}"
        ) from None
    if "://" not in given:
        _check_gcs(address, target)


def _loopback_hint(given: str, dialled: str) -> str:
    wrote = given.rpartition(":")[0].strip("[]")
    if wrote in ("127.0.0.1", "localhost", "::1") and dialled != wrote:
        return (
            f" Ray dials this machine's address {dialled} for {wrote}; a head started "
            f"with {LOOPBACK_ONLY_ENV}=0 listens on loopback only and this process "
            "needs the same setting"
        )
    return ""


def _auth_as_ray_init(given: str) -> None:
    """Set up token auth in this process exactly as ``ray.init`` is about to, so the
    check below sends what Ray will send (Ray >= 2.52; earlier Rays have no auth)."""
    try:
        setup: Any = importlib.import_module(
            "ray._private.authentication.authentication_token_setup"
        )
    except ImportError:
        return
    if given == "auto":  # only a head found on this machine turns auth on by itself
        setup.maybe_enable_token_auth_if_token_available(warn_if_disabled=False)
    try:
        setup.ensure_token_if_auth_enabled(None, create_token_if_missing=False)
    except Exception as exc:  # RAY_AUTH_MODE=token but no token (or an unreadable file)
        raise ConfigError(f"--ray {given}: {_first_line(exc)}; {AUTH_HELP}") from None


def _check_gcs(address: str, target: str) -> None:
    """One request to the head's GCS, bounded in time: the auth token is checked there."""
    raylet: Any = importlib.import_module("ray._raylet")
    refused = getattr(importlib.import_module("ray.exceptions"), "AuthenticationError", ())
    outcome: list[BaseException | None] = []

    def ask() -> None:
        try:
            raylet.GcsClient(address=target)
        except Exception as exc:
            outcome.append(exc)
        else:
            outcome.append(None)

    # A daemon thread: a port that accepts but never answers as Ray would hold the
    # call for Ray's own timeouts (minutes); the CLI exits without waiting for it.
    asking = threading.Thread(target=ask, name="ray-head-check", daemon=True)
    with _quiet_stderr():  # Ray's core logs every failed attempt straight to fd 2
        asking.start()
        asking.join(GCS_CHECK_SECONDS)
    if not outcome:
        raise ConfigError(
            f"--ray {address}: {target} accepts connections but does not answer as a Ray "
            f"head within {GCS_CHECK_SECONDS:.0f} s (is it the GCS port, 6379 by default?)"
        )
    exc = outcome[0]
    if exc is None:
        return
    if isinstance(exc, refused):
        if os.environ.get("RAY_AUTH_MODE", "").lower() == "token":
            problem = "rejected this process's auth token (not the cluster's token)"
        else:
            problem = "requires an auth token and this process sends none"
        raise ConfigError(f"--ray {address}: the Ray cluster at {target} {problem}; {AUTH_HELP}")
    raise ConfigError(f"--ray {address}: the Ray head at {target}: {_first_line(exc)}")


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


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
