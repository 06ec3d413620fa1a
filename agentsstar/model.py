"""``Model``: a backend plus the policies every backend shares.

Retries (tenacity), the per-backend concurrency limit and usage counting live here and
only here, so backends stay small and a retry is never applied twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

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
from agentsstar.errors import ModelError, TransientModelError
from agentsstar.retries import RetryPolicy

log = structlog.get_logger(__name__)

__all__ = ["Model", "RetryPolicy", "UsageCounter"]  # RetryPolicy: re-exported, public API


@dataclass(slots=True)
class UsageCounter:
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, c: Completion) -> None:
        self.llm_calls += 1
        self.prompt_tokens += c.prompt_tokens
        self.completion_tokens += c.completion_tokens


@dataclass
class Model:
    """What strategies call. Wraps a ``ModelBackend``.

    ``max_concurrency`` bounds requests in flight to this backend (an embedded model
    wants 1; a vLLM server dozens).
    """

    backend: ModelBackend
    max_concurrency: int = 16
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    usage: UsageCounter = field(default_factory=UsageCounter)

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

    async def chat(self, messages: Sequence[Message], params: GenerationParams) -> Completion:
        """One completion with retries.

        Raises:
            ModelError: the backend failed for good (the last cause is chained).
        """
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(TransientModelError),
            # stop_before_delay counts the coming sleep, so max_seconds really bounds
            # the call (stop_after_delay would still sleep past it).
            stop=stop_after_attempt(self.retry.attempts)
            | stop_before_delay(self.retry.max_seconds),
            wait=self._wait,
            sleep=anyio.sleep,
            reraise=True,
            before_sleep=lambda s: log.warning(
                "model call failed; retrying",
                backend=self.name,
                attempt=s.attempt_number,
                error=str(s.outcome.exception()) if s.outcome else None,
            ),
        )
        try:
            async with self._limiter:
                async for attempt in retrying:
                    with attempt:
                        completion = await self.backend.complete(messages, params)
        except TransientModelError as exc:
            raise ModelError(f"{self.name}: giving up after retries: {exc}") from exc
        self.usage.add(completion)
        return completion

    async def aclose(self) -> None:
        await self.backend.aclose()
