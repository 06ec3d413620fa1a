"""Retry policies shared by every layer that retries (models, sandboxes).

A ``RetryPolicy`` names how hard to try: attempts *and* total seconds, with capped,
jittered exponential backoff between tries. Retries are made with tenacity only;
``retrying`` turns a policy into an ``AsyncRetrying`` so each caller supplies just
*what* to retry. This module depends on nothing else in agentsstar, so a sandbox
can use it without depending on the model layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
import structlog
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    stop_after_attempt,
    stop_before_delay,
    wait_random_exponential,
)
from tenacity.retry import retry_base
from tenacity.wait import wait_base

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How transient failures are retried: bounded in attempts *and* total time.

    ``attempts`` counts every try, the first included. ``max_wait`` caps the
    exponential backoff (full jitter, starting at ``initial_wait``). A retry whose
    wait would end past ``max_seconds`` is not made (the call gives up at once
    rather than sleep for nothing). A server's ``Retry-After`` hint, where a caller
    honours it, replaces the backoff.
    """

    attempts: int = 5
    max_seconds: float = 120.0
    initial_wait: float = 0.5
    max_wait: float = 20.0

    def backoff(self) -> wait_base:
        """The policy's wait between tries, as a tenacity wait."""
        return wait_random_exponential(multiplier=self.initial_wait, max=self.max_wait)


def retrying(
    policy: RetryPolicy,
    *,
    name: str,
    retry: retry_base,
    wait: Callable[[RetryCallState], float] | None = None,
    retry_error_callback: Callable[[RetryCallState], Any] | None = None,
    **fields: Any,
) -> AsyncRetrying:
    """An anyio-sleeping ``AsyncRetrying`` for ``policy``; the last error is re-raised.

    ``name`` names the retried operation in the warning logged before each retry
    (with ``fields``); ``wait`` replaces the policy's backoff (e.g. to honour a
    server's hint); ``retry_error_callback`` gives the result when the policy runs
    out while retrying on a *result* (instead of tenacity's ``RetryError``).
    """

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome and state.outcome.failed else None
        log.warning(
            f"{name} failed; retrying",
            attempt=state.attempt_number,
            wait_s=round(state.upcoming_sleep, 3),
            error=f"{type(exc).__name__}: {exc}" if exc is not None else None,
            **fields,
        )

    return AsyncRetrying(
        retry=retry,
        # stop_before_delay counts the coming sleep, so max_seconds really bounds the
        # whole (stop_after_delay would still sleep past it).
        stop=stop_after_attempt(policy.attempts) | stop_before_delay(policy.max_seconds),
        wait=wait if wait is not None else policy.backoff(),
        sleep=anyio.sleep,
        reraise=True,
        before_sleep=before_sleep,
        retry_error_callback=retry_error_callback,
    )


__all__ = ["RetryPolicy", "retrying"]
