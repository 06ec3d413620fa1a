"""``E2BSandbox``: run untrusted programs in E2B cloud sandboxes (Firecracker microVMs).

Same runner, same verdicts: each E2B sandbox gets a copy of the runner zipapp (the
fork server ``LocalSandbox`` drives, packed by ``_artefact``) once, when it is
created. A batch (one program on all its inputs) is one command in one sandbox: the
job is written to a file there and piped into the runner, whose result lines come
back on stdout. The verdicts are therefore decided by the same code as locally;
grading stays in the harness.

Pool: at most ``max_sandboxes`` E2B sandboxes exist at once (set it to your account's
concurrent-sandbox quota, or below). Each holds one batch at a time and is kept for
later batches until ``aclose``; its lifetime on E2B's side is extended when a batch
needs it. E2B ends a sandbox by itself when its lifetime runs out, counted from its
creation or from the last time it was extended (``set_timeout``), never from its
last use: so a crashed harness leaves nothing running for longer than that.

Failures: creating a sandbox is retried (tenacity, ``create_retry``) when trying
again may help: rate limit or quota reached, service busy or failing (5xx),
timeouts, a sandbox gone before it was ready, a dropped or refused connection. The
SDK's own retries are turned off for the create, so ``create_retry.attempts`` bounds
the requests E2B sees; ``create_retry.max_seconds`` bounds the time. Every try of one
sandbox carries the same idempotency key, so a create whose answer was lost (a 502,
a timeout) cannot leave a second, unkillable sandbox behind. A rejected key, a bad
template or argument and a host name that does not resolve are not retried. Then
``run`` raises ``SandboxError``. A sandbox that dies or stops answering mid-batch is
killed and replaced, and the inputs still without a result are run again, up to
``batch_attempts`` tries in all; inputs left without a result get
``Verdict.SANDBOX_ERROR`` (never a program verdict). Needs anyio's asyncio backend
(the E2B SDK is asyncio-based).

Lifecycle: construct, ``await run(...)`` any number of times (concurrently), then
``await aclose()`` (or ``async with``), which kills every E2B sandbox this object
created.
"""

from __future__ import annotations

import importlib
import inspect
import json
import math
import os
import shlex
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

import anyio
import structlog
from tenacity import retry_if_exception, retry_if_result

from agentsstar.errors import (
    AgentsstarError,
    MissingCredentialsError,
    MissingDependencyError,
    SandboxError,
)
from agentsstar.retries import RetryPolicy, retrying
from agentsstar.sandboxes._artefact import runner_archive
from agentsstar.sandboxes._e2b_errors import create_may_succeed_later, errors, sdk
from agentsstar.sandboxes._pool import PooledSandbox
from agentsstar.sandboxes._protocol import FIXED_ENV, job_message, to_result, validate
from agentsstar.sandboxes.base import ExecResult, Limits, Program, Verdict

log = structlog.get_logger(__name__)

API_KEY_ENV = "E2B_API_KEY"
#: Where the runner and job files live inside each E2B sandbox.
WORKDIR = "/tmp/agentsstar"
RUNNER_NAME = "runner.pyz"

#: A batch may take: interpreter and namespace start-up, then per input the time
#: limit twice (a timeout is confirmed by one re-run) plus reaping and draining.
STARTUP_S = 60.0
PER_INPUT_EXTRA_S = 8.0
#: A sandbox must have this much lifetime left beyond a batch's budget.
LIFETIME_MARGIN_S = 60.0
KILL_TIMEOUT_S = 15.0
#: The SDK's own request timeout when none is given.
SDK_REQUEST_TIMEOUT_S = 60.0
#: Our own bound on an SDK call exceeds the SDK's request timeout by this much (a
#: safety net for a call that hangs; the SDK's timeout should fire first).
SAFETY_MARGIN_S = 30.0

#: Create retries: rate limits can last while other jobs hold the account's quota.
#: ``attempts`` counts the create requests E2B sees (the SDK's own retries are off).
DEFAULT_CREATE_RETRY = RetryPolicy(attempts=8, max_seconds=300.0, initial_wait=1.0, max_wait=30.0)


class RemoteFiles(Protocol):
    """The part of the SDK's ``sandbox.files`` that ``E2BSandbox`` uses."""

    async def write(
        self,
        path: str,
        data: str | bytes,
        user: str | None = ...,
        request_timeout: float | None = ...,
    ) -> Any: ...


class RemoteCommands(Protocol):
    """The part of the SDK's ``sandbox.commands`` that ``E2BSandbox`` uses."""

    async def run(
        self,
        cmd: str,
        background: bool | None = ...,
        envs: dict[str, str] | None = ...,
        user: str | None = ...,
        cwd: str | None = ...,
        on_stdout: Callable[[str], Any] | None = ...,
        on_stderr: Callable[[str], Any] | None = ...,
        stdin: bool | None = ...,
        timeout: float | None = ...,  # noqa: ASYNC109 - the SDK's parameter
        request_timeout: float | None = ...,
    ) -> Any: ...


class RemoteSandbox(Protocol):
    """The part of the SDK's ``AsyncSandbox`` that ``E2BSandbox`` uses."""

    @property
    def sandbox_id(self) -> str: ...

    @property
    def files(self) -> RemoteFiles: ...

    @property
    def commands(self) -> RemoteCommands: ...

    async def set_timeout(self, timeout: int, **opts: Any) -> None: ...  # noqa: ASYNC109

    async def kill(self, **opts: Any) -> bool: ...


#: Creates one sandbox; called like ``AsyncSandbox.create(template=..., timeout=...,
#: metadata=..., allow_internet_access=..., api_key=..., request_timeout=...)``.
CreateFn = Callable[..., Awaitable[Any]]


@dataclass(eq=False)
class _Box:
    """One E2B sandbox and when E2B will end it (by our clock)."""

    remote: RemoteSandbox
    expires_at: float
    batches: int = 0

    @property
    def id(self) -> str:
        return self.remote.sandbox_id


@dataclass
class _Outcome:
    """What one attempt at a batch produced."""

    results: dict[int, ExecResult] = field(default_factory=dict)
    failure: str | None = None  # why the remaining inputs got no result
    retry: bool = True  # whether another sandbox could do better
    keep: bool = False  # whether the sandbox can serve another batch


@dataclass
class _Parsed:
    hello: dict[str, Any] | None = None
    results: dict[int, ExecResult] = field(default_factory=dict)
    error: str | None = None


class E2BSandbox(PooledSandbox[_Box]):
    """Runs programs in E2B cloud sandboxes; a drop-in alternative to ``LocalSandbox``.

    Args:
        api_key: the E2B API key; default ``$E2B_API_KEY``. Checked at construction.
        template: E2B template name or id; default the SDK's (``code-interpreter-v1``,
            Python 3 with the common scientific packages). It must have ``python``.
        max_sandboxes: E2B sandboxes alive at once, idle ones included; at most your
            account's concurrent-sandbox quota (Hobby 20, Pro 100 by default).
        timeout: sandbox lifetime in seconds, counted from creation (or from the last
            extension, made when a batch needs more); E2B ends the sandbox when it
            runs out, busy or idle. Raised for long batches.
        max_lifetime: your plan's longest sandbox lifetime (Hobby 1 h, Pro 24 h); no
            lifetime asked of E2B exceeds it.
        request_timeout: seconds for each SDK request (default: the SDK's, 60; ``0``:
            no timeout, as for the SDK).
        allow_internet_access: let the sandbox reach the internet (candidates also get
            no network from the runner when its network namespace is available).
        user: sandbox user that runs the runner; ``root`` lets it set up namespaces
            and drop candidates to a private uid, as locally.
        python: interpreter inside the sandbox.
        isolate: have the runner set up namespaces (as ``LocalSandbox(isolate=...)``).
        metadata: extra E2B metadata on every sandbox (``agentsstar: "1"`` is always
            set, to find strays in the dashboard).
        create_retry: retries of creating one sandbox: create requests in all (the
            SDK's own retries are turned off) and total seconds; its backoff also
            spaces the tries of a batch.
        batch_attempts: sandboxes a batch may use before its remaining inputs get
            ``SANDBOX_ERROR``.
        create: how a sandbox is created; default ``AsyncSandbox.create`` from
            ``e2b_code_interpreter``. Tests pass ``FakeE2B().create`` (see
            ``agentsstar.testing.FakeE2B``); no key or SDK is required then.

    Raises:
        MissingDependencyError: ``create`` is not given and ``e2b-code-interpreter``
            is not installed.
        MissingCredentialsError: ``create`` is not given and no API key is set.
        ValueError: a limit or count is not positive.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        template: str | None = None,
        max_sandboxes: int = 20,
        timeout: int = 300,
        max_lifetime: int = 3600,
        request_timeout: float | None = None,
        allow_internet_access: bool = False,
        user: str = "root",
        python: str = "python3",
        isolate: bool = True,
        metadata: Mapping[str, str] | None = None,
        create_retry: RetryPolicy = DEFAULT_CREATE_RETRY,
        batch_attempts: int = 3,
        create: CreateFn | None = None,
    ) -> None:
        if min(max_sandboxes, timeout, max_lifetime, batch_attempts) < 1:
            raise ValueError(
                "max_sandboxes, timeout, max_lifetime and batch_attempts must be positive"
            )
        if create is None:
            try:
                sdk: Any = importlib.import_module("e2b_code_interpreter")
            except ImportError as exc:
                raise MissingDependencyError(
                    "e2b-code-interpreter", "e2b", "the E2B sandbox"
                ) from exc
            api_key = api_key or os.environ.get(API_KEY_ENV, "").strip() or None
            if api_key is None:
                raise MissingCredentialsError(
                    f"the E2B sandbox needs an API key: set {API_KEY_ENV} "
                    "(create one at https://e2b.dev/dashboard?tab=keys)"
                )
            create = cast(CreateFn, sdk.AsyncSandbox.create)
        super().__init__(
            isolation_event="e2b.isolation_incomplete",
            isolation_hint="candidates still run inside the E2B microVM; see docs/sandboxes.md",
        )
        self.max_sandboxes = max_sandboxes
        self._create = create
        self._template = template
        self._timeout = min(timeout, max_lifetime)
        self._max_lifetime = max_lifetime
        self._request_timeout = request_timeout
        self._api_opts: dict[str, Any] = {}
        if api_key is not None:
            self._api_opts["api_key"] = api_key
        if request_timeout is not None:
            self._api_opts["request_timeout"] = request_timeout
        self._allow_internet = allow_internet_access
        self._can_deny_internet = _accepts(create, "allow_internet_access")
        # Older SDKs have neither; without them a lost answer can orphan a sandbox and
        # the SDK's retries multiply ours.
        self._can_key = _accepts(create, "idempotency_key")
        self._can_set_retries = _accepts_option(create, "retries")
        if not self._can_deny_internet and not allow_internet_access:
            log.warning(
                "e2b.internet_not_configurable",
                hint="this e2b SDK cannot turn internet access off; upgrade e2b-code-interpreter",
            )
        self._user = user
        self._python = python
        self._isolate = isolate
        self._metadata = {**(metadata or {}), "agentsstar": "1"}
        self._create_retry = create_retry
        self._batch_retry = RetryPolicy(
            attempts=batch_attempts,
            max_seconds=math.inf,  # each try is bounded by its batch's budget
            initial_wait=create_retry.initial_wait,
            max_wait=create_retry.max_wait,
        )
        self._limiter = anyio.CapacityLimiter(max_sandboxes)

    async def run(
        self, program: Program, inputs: Sequence[Any], limits: Limits
    ) -> list[ExecResult]:
        """Run ``program`` once per input in one E2B sandbox; one result per input.

        Raises:
            SandboxError: the sandbox is closed; no E2B sandbox could be created (after
                retries), the key was rejected, or the runner cannot start there.
            ValueError: the program or inputs do not match ``program.kind``, or the
                inputs are not JSON-serialisable.
        """
        validate(program, inputs, limits)
        if self._closed:
            raise SandboxError("the E2B sandbox is closed")
        if not inputs:
            return []
        try:
            json.dumps(list(inputs))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"inputs must be JSON-serialisable: {exc}") from exc
        results: list[ExecResult | None] = [None] * len(inputs)
        batch = retrying(
            self._batch_retry,
            name="e2b batch",
            # Another sandbox may do better only after it died or stopped answering.
            retry=retry_if_result(lambda o: o.failure is not None and o.retry),
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
        )
        async with self._limiter:
            last: _Outcome | None = await batch(
                self._batch_attempt, program, inputs, limits, results
            )
        reason = (last.failure if last is not None else None) or "no attempt was made"
        return [
            r if r is not None else ExecResult(Verdict.SANDBOX_ERROR, error=f"E2B: {reason}")
            for r in results
        ]

    async def _batch_attempt(
        self,
        program: Program,
        inputs: Sequence[Any],
        limits: Limits,
        results: list[ExecResult | None],
    ) -> _Outcome:
        """Run the inputs still without a result in one sandbox; fills ``results``."""
        pending = [i for i, r in enumerate(results) if r is None]
        if not pending:
            return _Outcome()
        if self._closed:
            return _Outcome(failure="the E2B sandbox was closed during the run", retry=False)
        budget = _budget(len(pending), limits)
        try:
            box = await self._acquire(budget)
            keep = False
            try:
                outcome = await self._run_on(
                    box, program, [inputs[i] for i in pending], limits, budget
                )
                keep = outcome.keep
            finally:
                await self._release(box, keep)
        except SandboxError as exc:
            if len(pending) == len(inputs):
                raise  # nothing could run at all
            return _Outcome(failure=f"no replacement sandbox: {exc}", retry=False)
        for j, result in outcome.results.items():
            results[pending[j]] = result
        if outcome.failure is not None:
            log.warning(
                "e2b.batch_failed",
                sandbox_id=box.id,
                reason=outcome.failure,
                answered=len(outcome.results),
                pending=len(pending),
            )
        return outcome

    # --- one attempt at a batch ------------------------------------------------------
    async def _release(self, box: _Box, keep: bool) -> None:
        """Back to the pool after a batch that went well; killed, never reused, after
        anything else (a failure, cancellation leaves it in an unknown state)."""
        if keep and not self._closed:
            self._idle.append(box)
        else:
            await self._discard(box)

    async def _run_on(
        self,
        box: _Box,
        program: Program,
        inputs: Sequence[Any],
        limits: Limits,
        budget: float,
    ) -> _Outcome:
        job_name = f"job-{uuid.uuid4().hex}.jsonl"
        out: list[str] = []
        err: list[str] = []
        exit_code: int | None = 0
        failure: str | None = None
        box.batches += 1
        try:
            # The SDK bounds the command by ``timeout``; this bounds the SDK too.
            with anyio.fail_after(budget + (self._request_s() or 0.0) + SAFETY_MARGIN_S):
                await box.remote.files.write(
                    f"{WORKDIR}/{job_name}",
                    self._payload(program, inputs, limits),
                    user=self._user,
                    request_timeout=self._request_timeout,
                )
                await box.remote.commands.run(
                    self._command(job_name),
                    envs=dict(FIXED_ENV),
                    user=self._user,
                    cwd=WORKDIR,
                    on_stdout=out.append,
                    on_stderr=err.append,
                    timeout=budget,
                    request_timeout=self._request_timeout,
                )
        except Exception as exc:
            if isinstance(exc, errors().AuthenticationException):
                # envd's answer: E2B accepted the key when it created this sandbox.
                raise SandboxError(
                    f"E2B sandbox {box.id} refused to run the agentsstar runner as user "
                    f"{self._user!r} (envd: {_short(exc)})"
                ) from exc
            if isinstance(exc, errors().CommandExitException):
                exit_code = getattr(exc, "exit_code", None)
                stderr = getattr(exc, "stderr", None)
                if not err and isinstance(stderr, str):
                    err.append(stderr)
            else:
                failure = f"{type(exc).__name__}: {_short(exc)}"
        parsed = _parse("".join(out), len(inputs))
        if parsed.hello is not None:
            self._note_isolation(parsed.hello)
        if parsed.error is not None:
            # The runner refused the job: our bug, and another sandbox would refuse too.
            return _Outcome(
                parsed.results, f"runner rejected the job: {parsed.error}", retry=False, keep=True
            )
        if (
            failure is None
            and parsed.hello is None
            and isinstance(exit_code, int)
            and exit_code > 0
        ):
            # Exited with an error before saying hello: no python, or it cannot run the
            # runner. Another sandbox of the same template would fail the same way.
            raise SandboxError(
                f"the agentsstar runner did not start in E2B sandbox {box.id} "
                f"(template {self._template or 'default'}, exit code {exit_code}): "
                f"{''.join(err).strip()[-500:] or 'no output'}"
            )
        if failure is None and exit_code == 0 and len(parsed.results) == len(inputs):
            return _Outcome(parsed.results, keep=True)
        if failure is None:
            failure = (
                f"runner exited with code {exit_code}"
                if exit_code
                else "runner ended before answering every input"
            )
        return _Outcome(parsed.results, failure)

    def _payload(self, program: Program, inputs: Sequence[Any], limits: Limits) -> str:
        init = {
            "op": "init",
            "isolate": self._isolate,
            "hide": ["/root", "/home"],
            "tmpfs_mb": 256,
        }
        job = job_message(program, inputs, limits)
        return json.dumps(init) + "\n" + json.dumps(job) + "\n"

    def _command(self, job_name: str) -> str:
        # The runner reads the job from stdin; the job file's name is removed before
        # the runner starts, so nothing the candidate runs can find it.
        job = shlex.quote(job_name)
        return f"{{ rm -f {job}; exec {shlex.quote(self._python)} -I {RUNNER_NAME}; }} < {job}"

    # --- the pool --------------------------------------------------------------------
    async def _acquire(self, budget: float) -> _Box:
        """An idle sandbox with enough lifetime left for ``budget``, or a new one."""
        need = budget + LIFETIME_MARGIN_S
        while self._idle:
            box = max(self._idle, key=lambda b: b.expires_at)
            self._idle.remove(box)
            left = box.expires_at - time.monotonic()
            if left >= need:
                return box
            if left > 5.0:
                lifetime = self._lifetime(need)
                try:
                    await box.remote.set_timeout(lifetime, **self._api_opts)
                except Exception as exc:
                    log.info("e2b.extend_failed", sandbox_id=box.id, error=_short(exc))
                else:
                    box.expires_at = time.monotonic() + lifetime
                    return box
            await self._discard(box)
        return await self._provision(self._lifetime(need))

    def _lifetime(self, need: float) -> int:
        # Past the plan's maximum, a very long batch may outlive its sandbox: then it
        # counts as a death and the unanswered inputs go to a fresh sandbox.
        return min(self._max_lifetime, math.ceil(max(float(self._timeout), need)))

    def _request_s(self) -> float | None:
        """The SDK's timeout for one request; ``None``: none (``request_timeout=0``)."""
        if self._request_timeout is None:
            return SDK_REQUEST_TIMEOUT_S
        return self._request_timeout or None

    def _safety_net(self) -> float | None:
        request_s = self._request_s()
        return None if request_s is None else request_s + SAFETY_MARGIN_S

    async def _provision(self, lifetime: int) -> _Box:
        """Create a sandbox and upload the runner, retrying while it may help.

        Raises:
            SandboxError: it could not be done within the retry policy, or trying again
                cannot help (rejected key, bad template, unknown host...).
        """
        key = _IdempotencyKey()
        create = retrying(
            self._create_retry,
            name="e2b create",
            retry=retry_if_exception(create_may_succeed_later),
        )
        try:
            return await create(self._create_once, lifetime, key)
        except AgentsstarError:
            raise
        except Exception as exc:
            raise self._create_error(exc) from exc

    async def _create_remote(self, lifetime: int, key: str) -> RemoteSandbox:
        """One create call (the SDK's own retries off), under idempotency key ``key``."""
        options = dict(self._api_opts)
        if self._can_deny_internet:
            options["allow_internet_access"] = self._allow_internet
        if self._can_key:
            options["idempotency_key"] = key
        if self._can_set_retries:
            options["retries"] = 0
        bound = self._safety_net()
        # Cancelled half-way, a create may still make a sandbox that nobody could kill:
        # so it is shielded (its own timeouts still apply) and the caller registers and
        # kills what it made. Unbounded (request_timeout=0), it is not shielded, so a
        # cancellation is never held up for ever.
        with anyio.CancelScope(shield=bound is not None), anyio.fail_after(bound):
            try:
                remote = await self._create(
                    template=self._template,
                    timeout=lifetime,
                    metadata=dict(self._metadata),
                    **options,
                )
            except errors().AuthenticationException as exc:
                raise SandboxError(
                    f"E2B rejected the API key (check {API_KEY_ENV}): {_short(exc)}"
                ) from exc
        return cast(RemoteSandbox, remote)

    async def _create_once(self, lifetime: int, key: _IdempotencyKey) -> _Box:
        if self._closed:
            raise SandboxError("the E2B sandbox was closed")
        remote = await self._create_remote(lifetime, key.value)
        key.renew()  # this sandbox exists: a retry (after a failed upload) is a new one
        box = _Box(remote, time.monotonic() + lifetime)
        self._all.add(box)
        if self._closed:
            await self._discard(box)
            raise SandboxError("the E2B sandbox was closed")
        try:
            archive = await anyio.to_thread.run_sync(runner_archive)
            with anyio.fail_after(self._safety_net()):
                await remote.files.write(
                    f"{WORKDIR}/{RUNNER_NAME}",
                    archive,
                    user=self._user,
                    request_timeout=self._request_timeout,
                )
        except BaseException:
            await self._discard(box)
            raise
        log.info("e2b.sandbox_created", sandbox_id=box.id, lifetime_s=lifetime)
        return box

    def _create_error(self, exc: Exception) -> SandboxError:
        if isinstance(exc, errors().AuthenticationException):
            # Not the API key (a rejected key fails the create itself): envd, inside
            # the new sandbox, refused the upload.
            return SandboxError(
                f"E2B sandbox refused the upload of the agentsstar runner as user "
                f"{self._user!r} (envd: {_short(exc)}); check the template and `user`"
            )
        if isinstance(exc, errors().RateLimitException):
            return SandboxError(
                "E2B kept refusing new sandboxes (rate limit, or the account's "
                f"concurrent-sandbox quota is in use; max_sandboxes={self.max_sandboxes}): "
                f"{_short(exc)}"
            )
        return SandboxError(
            f"could not create an E2B sandbox (template {self._template or 'default'}): "
            f"{type(exc).__name__}: {_short(exc)}"
        )

    async def _discard(self, box: _Box) -> None:
        """Forget ``box`` and kill it on E2B's side (bounded, never raises)."""
        if box in self._idle:
            self._idle.remove(box)
        if box not in self._all:
            return
        self._all.discard(box)
        await self._stop(box)

    async def _stop(self, box: _Box) -> None:
        """Kill ``box`` on E2B's side (bounded, never raises)."""
        with anyio.move_on_after(KILL_TIMEOUT_S, shield=True):
            try:
                await box.remote.kill(**self._api_opts)
            except Exception as exc:
                # It may be gone already; if not, E2B ends it when its lifetime runs out.
                log.info("e2b.kill_failed", sandbox_id=box.id, error=_short(exc))


class _IdempotencyKey:
    """The key one sandbox's create requests share (E2B makes one sandbox per key)."""

    def __init__(self) -> None:
        self.renew()

    def renew(self) -> None:
        self.value = f"agentsstar-{uuid.uuid4()}"  # the SDK allows [a-z0-9-]{1,255}


def _accepts(fn: Callable[..., Any], name: str) -> bool:
    """Whether ``fn`` has a parameter called ``name`` (older SDKs lack some)."""
    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return True


def _accepts_option(fn: Callable[..., Any], name: str) -> bool:
    """Whether ``fn`` takes the API option ``name`` (the SDK's ``**opts: ApiParams``)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    if name in params:
        return True
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return False
    module = sdk()
    if module is None:
        return True  # no SDK: a custom create taking **opts (e.g. FakeE2B)
    return name in getattr(getattr(module, "ApiParams", None), "__annotations__", {})


def _budget(n_inputs: int, limits: Limits) -> float:
    return STARTUP_S + n_inputs * (2 * limits.time_s + PER_INPUT_EXTRA_S)


def _parse(stdout: str, n_inputs: int) -> _Parsed:
    """Read the runner's protocol lines; a line cut short by a dying sandbox is ignored."""
    parsed = _Parsed()
    for line in stdout.split("\n"):
        if not line.strip():
            continue
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if not isinstance(msg, dict):
            continue
        op = msg.get("op")
        if op == "hello":
            parsed.hello = msg
        elif op == "result":
            index = msg.get("index")
            if isinstance(index, int) and 0 <= index < n_inputs:
                parsed.results[index] = to_result(msg)
        elif op == "error":
            parsed.error = str(msg.get("message"))
    return parsed


def _short(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:300] if lines else type(exc).__name__
