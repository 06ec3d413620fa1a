"""``Model``: a backend plus the policies every backend shares.

Retries (tenacity), the per-backend concurrency limit and usage counting live here and
only here, so backends stay small and a retry is never applied twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

import anyio
import structlog
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    stop_before_delay,
    wait_random_exponential,
)

from agentsstar.backends.base import Completion, GenerationParams, Message, ModelBackend
from agentsstar.cache import ModelCache, request_key
from agentsstar.errors import ModelError, TransientModelError
from agentsstar.retries import RetryPolicy

log = structlog.get_logger(__name__)

__all__ = ["Model", "RetryPolicy", "UsageCounter"]  # RetryPolicy: re-exported, public API


@dataclass(slots=True)
class UsageCounter:
    """Calls and tokens; replies from the cache are counted apart (they cost nothing)."""

    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_calls: int = 0
    cached_tokens: int = 0

    def add(self, c: Completion) -> None:
        if c.cached:
            self.cached_calls += 1
            self.cached_tokens += c.prompt_tokens + c.completion_tokens
            return
        self.llm_calls += 1
        self.prompt_tokens += c.prompt_tokens
        self.completion_tokens += c.completion_tokens


@dataclass
class Model:
    """What strategies call. Wraps a ``ModelBackend``.

    ``max_concurrency`` bounds requests in flight to this backend (the embedded model
    as many as its batching engine decodes together; a vLLM server dozens). With a
    ``cache``, a request asked before is answered from it without touching the backend
    (nor the concurrency limit).
    """

    backend: ModelBackend
    max_concurrency: int = 16
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    usage: UsageCounter = field(default_factory=UsageCounter)
    cache: ModelCache | None = None

    def __post_init__(self) -> None:
        self._limiter = anyio.CapacityLimiter(max(1, self.max_concurrency))

    @property
    def name(self) -> str:
        return self.backend.name

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hint = getattr(exc, "retry_after", None)
        if isinstance(hint, int | float) and hint >= 0:
            # Retrying before the server's hint only earns another 429; a hint too long
            # for the time budget ends the retries (stop_before_delay in chat()).
            return float(hint)
        backoff = wait_random_exponential(
            multiplier=self.retry.initial_wait, max=self.retry.max_wait
        )
        return float(backoff(state))

    async def chat(
        self,
        messages: Sequence[Message],
        params: GenerationParams,
        *,
        gate: Callable[[], None] | None = None,
        meters: Sequence[UsageCounter] = (),
    ) -> Completion:
        """One completion with retries (or from the cache, marked ``cached``).

        Its usage is added to this model's lifetime counter and to each of ``meters``
        (a caller's own tallies, e.g. one problem's per stage): counted here only.

        ``gate`` is called when the request is about to go to the backend, after any
        wait for the concurrency limit; it may raise to refuse the call (a spent
        budget must stop requests that were queued before it ran out).

        Raises:
            ModelError: the backend failed for good (the last cause is chained).
            CacheError: the cache file cannot be read or written.
        """
        call = partial(self._call, messages, params, gate)
        if self.cache is None:
            completion = await call()
        else:
            key = request_key(self.backend.identity(), messages, params)
            completion = await self.cache.get_or_call(key, call)
        for meter in (self.usage, *meters):
            meter.add(completion)
        return completion

    async def _call(
        self,
        messages: Sequence[Message],
        params: GenerationParams,
        gate: Callable[[], None] | None,
    ) -> Completion:
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(TransientModelError),
            # stop_before_delay counts the coming sleep, so max_seconds really bounds
            # the call (stop_after_delay would still sleep past it).
            stop=stop_after_attempt(self.retry.attempts)
            | stop_before_delay(self.retry.max_seconds),
            wait=self._wait,
            sleep=anyio.sleep,
            reraise=True,
            before_sleep=lambda s: (
                log.info(  # retrying is routine; the final failure is the error line
                    "model call failed; retrying",
                    backend=self.name,
                    attempt=s.attempt_number,
                    error=str(s.outcome.exception()) if s.outcome else None,
                )
            ),
        )
        try:
            async with self._limiter:
                if gate is not None:
                    gate()
                async for attempt in retrying:
                    with attempt:
                        completion = await self.backend.complete(messages, params)
        except TransientModelError as exc:
            raise ModelError(f"{self.name}: giving up after retries: {exc}") from exc
        return completion

    async def warm(self) -> None:
        """Prepare the backend (an embedded model loads its weights here)."""
        await self.backend.warm()

    async def aclose(self) -> None:
        await self.backend.aclose()
