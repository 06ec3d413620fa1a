"""``FakeE2B``: an in-process stand-in for the E2B service and its SDK's ``AsyncSandbox``.

A public test double: drive ``E2BSandbox`` (or your own E2B code) without an account
or network::

    async with FakeE2B(quota=4, rate_limit_creates=1) as cloud:
        async with E2BSandbox(create=cloud.create, max_sandboxes=4) as sandbox:
            ...
        assert cloud.created == 1 and cloud.max_live <= 4 and cloud.live == 0

``FakeE2B().create`` has the signature of ``AsyncSandbox.create`` and returns a
``FakeAsyncSandbox`` with the parts of the SDK's sandbox that programs drive:
``sandbox_id``, ``files.write``/``files.read``, ``commands.run`` (foreground),
``set_timeout``, ``is_running`` and ``kill``. Results are the SDK's own types
(``CommandResult``, ``WriteInfo``) and failures the SDK's own exception classes
(``RateLimitException``, ``SandboxNotRunningException``, ``CommandExitException``
...) when ``e2b`` is installed; without it, equivalents with the same names, fields
and hierarchy (the ones ``E2BSandbox`` classifies then).

Where it matters the fake behaves as the service and SDK do:

- ``create`` is the SDK's boundary and each try it makes is one request to the
  service: like the SDK it retries 429/502/503/504 answers by itself (``retries``
  option, default 3, with the SDK's backoff, within the request timeout), so
  ``create_requests`` is what E2B would see. An ``idempotency_key`` makes the
  service answer a repeated create with the sandbox the key already made.
- A create whose answer is lost (``lose_create_responses``: a 502 after the sandbox
  was made) or late (``start_delay_s`` reaching the request timeout, or the caller
  cancelling) still made its sandbox: without the key a retry makes another, and
  the first runs on, unkillable, until its lifetime ends (``live`` shows it).
- Commands run for real under ``/bin/bash -l -c`` (see ``_sandbox``), as the user
  ``user=`` names (``root`` or ``user``; another name is refused like envd's 401),
  and their output reaches ``on_stdout``/``on_stderr`` in arbitrary chunks.
- Sandbox lifetimes (``timeout``, ``set_timeout``) are honoured; the quota counts
  live sandboxes.

What the fake cannot show: the network between you and E2B, the real service's
latency and error messages word for word, the template's contents (commands see
this machine's files outside the sandbox directory; ``user`` is only really another
uid when the tests run as root), background commands and stdin streaming
(``NotImplementedError``).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

import anyio

from agentsstar.sandboxes.base import ClosesOnExit
from agentsstar.testing.fake_e2b import _sdk
from agentsstar.testing.fake_e2b._sandbox import (
    USERS,
    Death,
    FakeAsyncSandbox,
    FakeCommands,
    FakeFilesystem,
    check_opts,
)
from agentsstar.testing.fake_e2b._sdk import (
    API_PARAMS,
    DEFAULT_RETRIES,
    DEFAULT_SANDBOX_TIMEOUT,
    RETRYABLE_STATUSES,
    AuthenticationException,
    CommandExitException,
    CommandResult,
    FileNotFoundException,
    NotFoundException,
    RateLimitException,
    SandboxException,
    SandboxNotFoundException,
    SandboxNotRunningException,
    SandboxUnreachableException,
    ServiceBusyException,
    TimeoutException,
    WriteInfo,
)


class FakeE2B(ClosesOnExit):
    """The fake E2B service: creates ``FakeAsyncSandbox`` objects, counts, injects faults.

    Args:
        quota: concurrent sandboxes the account may have (``None``: unlimited); a create
            beyond it is answered 429 (``RateLimitException``), as by the real service.
        rate_limit_creates: the next N create requests are answered 429.
        fail_creates: statuses the next create requests are answered with, in order
            (e.g. ``[502, 503]``; 401 raises ``AuthenticationException``, 404 a bad
            template's ``SandboxException``; ``None``: that request is served).
        lose_create_responses: the next N create requests make their sandbox, but the
            answer is lost (the client sees a 502).
        templates: the templates that exist (``None``: any); another is answered 404.
        start_delay_s: seconds the answer to each create request takes; a sequence
            gives the delay of the first, second, ... request (later ones: 0). A delay
            reaching the call's request timeout raises ``TimeoutException`` (the
            sandbox is made all the same).
        die_mid_batch: the next N ``commands.run`` calls lose their sandbox after
            ``die_after_lines`` lines of stdout (``SandboxNotRunningException``).
        die_after_lines: see ``die_mid_batch``.
        chunk_bytes: output is also cut at random points into chunks of at most this
            many bytes (``None``: as the pipe delivers it).
        seed: seeds the chunk cuts.
        python: the interpreter ``python3`` resolves to inside fake sandboxes.
        require_api_key: refuse a create when no ``api_key`` is passed and
            ``E2B_API_KEY`` is unset (the SDK's ``AuthenticationException``).

    Counters: ``create_calls`` (SDK calls), ``create_requests`` (what the service
    saw), ``created``, ``rate_limited`` (429 answers), ``killed`` (by ``kill``),
    ``died`` (injected deaths and expiries), ``live``, ``max_live``; every sandbox
    ever made is in ``sandboxes`` and every command in ``commands`` as ``(sandbox_id,
    user, cmd)``. Call ``aclose`` (or use ``async with``) to kill what is left and
    remove the temporary directories.
    """

    def __init__(
        self,
        *,
        quota: int | None = None,
        rate_limit_creates: int = 0,
        fail_creates: Sequence[int | None] = (),
        lose_create_responses: int = 0,
        templates: Sequence[str] | None = None,
        start_delay_s: float | Sequence[float] = 0.0,
        die_mid_batch: int = 0,
        die_after_lines: int = 2,
        chunk_bytes: int | None = 7,
        seed: int = 0,
        python: str = sys.executable,
        require_api_key: bool = False,
    ) -> None:
        self.quota = quota
        self.rate_limit_creates = rate_limit_creates
        self.fail_creates = list(fail_creates)
        self.lose_create_responses = lose_create_responses
        self.templates = None if templates is None else set(templates)
        self.start_delay_s = start_delay_s
        self.die_mid_batch = die_mid_batch
        self.die_after_lines = die_after_lines
        self.chunk_bytes = chunk_bytes
        self.seed = seed
        self.python = python
        self.require_api_key = require_api_key
        self.create_calls = 0
        self.create_requests = 0
        self.created = 0
        self.rate_limited = 0
        self.killed = 0
        self.died = 0
        self.max_live = 0
        self.sandboxes: list[FakeAsyncSandbox] = []
        self.commands: list[tuple[str, str, str]] = []
        self._by_key: dict[str, FakeAsyncSandbox] = {}

    @property
    def live(self) -> int:
        """Sandboxes running now (what the account's quota counts)."""
        return sum(1 for s in self.sandboxes if s.alive())

    async def create(
        self,
        template: str | None = None,
        timeout: int | None = None,  # noqa: ASYNC109 - the SDK's parameter
        metadata: dict[str, str] | None = None,
        envs: dict[str, str] | None = None,
        secure: bool | None = None,
        allow_internet_access: bool | None = None,
        mcp: Any = None,
        network: Any = None,
        iam: Any = None,
        lifecycle: Any = None,
        volume_mounts: Any = None,
        logger: Any = None,
        idempotency_key: str | None = None,
        **opts: Any,
    ) -> FakeAsyncSandbox:
        """Create a sandbox, like ``AsyncSandbox.create`` (same parameters, same retries).

        Raises:
            RateLimitException: rate limited or the quota is full, after the SDK's retries.
            ServiceBusyException, SandboxException: an injected failure status.
            TimeoutException: the answer took longer than the request timeout.
            AuthenticationException: ``require_api_key`` and no key anywhere.
        """
        check_opts("create", opts)
        self.create_calls += 1
        if self.require_api_key and not (opts.get("api_key") or os.environ.get("E2B_API_KEY")):
            raise AuthenticationException(
                "API key is required, please visit the API Keys tab at "
                "https://e2b.dev/dashboard?tab=keys to get your API key."
            )
        retries = opts.get("retries")
        retries = DEFAULT_RETRIES if retries is None else retries
        request_timeout = _sdk.request_timeout_of(opts)
        # The SDK gives up retrying when the wait would pass the request's timeout.
        deadline = anyio.current_time() + (request_timeout or 60.0)
        for attempt in range(retries + 1):
            try:
                return await self._request(
                    template or "base",
                    DEFAULT_SANDBOX_TIMEOUT if timeout is None else timeout,
                    dict(metadata or {}),
                    dict(envs or {}),
                    idempotency_key,
                    request_timeout,
                )
            except Exception as exc:
                wait = _sdk.sdk_backoff(attempt)
                status = getattr(exc, "status_code", None)
                if (
                    attempt == retries
                    or status not in RETRYABLE_STATUSES
                    or anyio.current_time() + wait >= deadline
                ):
                    raise
                await anyio.sleep(wait)
        raise AssertionError("unreachable")

    async def _request(
        self,
        template: str,
        lifetime: int,
        metadata: dict[str, str],
        envs: dict[str, str],
        key: str | None,
        request_timeout: float | None,
    ) -> FakeAsyncSandbox:
        """One ``POST /sandboxes`` as the service handles it."""
        index = self.create_requests
        self.create_requests += 1
        sandbox = self._by_key.get(key) if key is not None else None
        if sandbox is None:
            sandbox = await self._make(template, lifetime, metadata, envs)
            if key is not None:
                self._by_key[key] = sandbox
            if self.lose_create_responses > 0:
                self.lose_create_responses -= 1
                raise _sdk.status_error(502, "the response from the upstream was lost")
        delay = self._delay(index)
        if request_timeout is not None and delay >= request_timeout:
            await anyio.sleep(request_timeout)
            raise TimeoutException(
                "Request timed out — the 'request_timeout' option can be used to "
                "increase this timeout"
            )
        await anyio.sleep(delay)
        return sandbox

    async def _make(
        self, template: str, lifetime: int, metadata: dict[str, str], envs: dict[str, str]
    ) -> FakeAsyncSandbox:
        status = self.fail_creates.pop(0) if self.fail_creates else None
        if status is not None:
            raise _sdk.status_error(status, "injected failure")
        if self.rate_limit_creates > 0:
            self.rate_limit_creates -= 1
            self.rate_limited += 1
            raise RateLimitException("429: Rate limit exceeded, please try again later.")
        if self.quota is not None and self.live >= self.quota:
            self.rate_limited += 1
            raise RateLimitException(
                "429: Rate limit exceeded, please try again later. - You have reached "
                f"the maximum number of concurrent E2B sandboxes ({self.quota})"
            )
        if self.templates is not None and template not in self.templates:
            raise _sdk.status_error(404, f"template '{template}' not found")
        root = await anyio.to_thread.run_sync(lambda: tempfile.mkdtemp(prefix="fake-e2b-"))
        sandbox = FakeAsyncSandbox(
            self, root=root, template=template, timeout=lifetime, metadata=metadata, envs=envs
        )
        # The service has the sandbox from here on, whatever happens to the answer.
        self.sandboxes.append(sandbox)
        self.created += 1
        self.max_live = max(self.max_live, self.live)
        await anyio.to_thread.run_sync(sandbox.prepare)
        return sandbox

    def _delay(self, index: int) -> float:
        if isinstance(self.start_delay_s, int | float):
            return float(self.start_delay_s)
        return float(self.start_delay_s[index]) if index < len(self.start_delay_s) else 0.0

    def _take_death(self) -> Death | None:
        if self.die_mid_batch <= 0:
            return None
        self.die_mid_batch -= 1
        return Death(self.die_after_lines)

    async def expire(self, sandbox: FakeAsyncSandbox | None = None) -> None:
        """End ``sandbox`` (default: every live one) as E2B does when a lifetime runs out."""
        for s in [sandbox] if sandbox is not None else list(self.sandboxes):
            if s.alive():
                await s.end()
                self.died += 1

    async def aclose(self) -> None:
        """Kill every sandbox still running and remove all temporary directories."""
        for s in self.sandboxes:
            if s.alive():
                await s.end()
            await anyio.to_thread.run_sync(shutil.rmtree, s._root, True)


__all__ = [
    "API_PARAMS",
    "USERS",
    "AuthenticationException",
    "CommandExitException",
    "CommandResult",
    "FakeAsyncSandbox",
    "FakeCommands",
    "FakeE2B",
    "FakeFilesystem",
    "FileNotFoundException",
    "NotFoundException",
    "RateLimitException",
    "SandboxException",
    "SandboxNotFoundException",
    "SandboxNotRunningException",
    "SandboxUnreachableException",
    "ServiceBusyException",
    "TimeoutException",
    "WriteInfo",
]
