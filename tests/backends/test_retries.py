"""How ``Model`` treats the transient failures backends report (Retry-After, budget).

The waits are measured where they happen, between the requests' arrivals at a real
loopback server, and the policies are chosen so that ignoring the server's hint would
show: its own backoff is far shorter than the hint.
"""

from __future__ import annotations

import time
from itertools import pairwise

import anyio
import pytest

from agentsstar.backends.base import GenerationParams, Message
from agentsstar.backends.openai_compat import OpenAICompatBackend
from agentsstar.errors import ModelError, TransientModelError
from agentsstar.model import Model, RetryPolicy
from agentsstar.testing import FakeOpenAIServer, Fault

pytestmark = pytest.mark.anyio

HELLO = [Message("user", "hi")]

# Backoff of at most 50 ms: a retry after a hint of a second came from the hint.
QUICK = {"initial_wait": 0.01, "max_wait": 0.05}


def gaps(server: FakeOpenAIServer) -> list[float]:
    return [later - earlier for earlier, later in pairwise(server.request_times)]


async def test_retry_after_is_waited_for_before_the_retry() -> None:
    with FakeOpenAIServer(faults=[Fault.rate_limit(retry_after=1)]) as server:
        model = Model(
            OpenAICompatBackend("m", base_url=server.base_url),
            retry=RetryPolicy(attempts=3, max_seconds=30.0, **QUICK),
        )
        completion = await model.chat(HELLO, GenerationParams())
        await model.aclose()
    assert completion.text == "ok"
    [gap] = gaps(server)
    # Honoured as given, although it is longer than the policy's own max_wait.
    assert gap >= 1.0


async def test_retry_after_ms_is_waited_for_before_the_retry() -> None:
    # The millisecond header (OpenAI's) takes precedence over the seconds one.
    fault = Fault("status", 429, retry_after=0, retry_after_ms=400, message="slow down")
    with FakeOpenAIServer(faults=[fault]) as server:
        model = Model(
            OpenAICompatBackend("m", base_url=server.base_url),
            retry=RetryPolicy(attempts=3, max_seconds=30.0, **QUICK),
        )
        completion = await model.chat(HELLO, GenerationParams())
        await model.aclose()
    assert completion.text == "ok"
    [gap] = gaps(server)
    assert gap >= 0.4


async def test_retry_after_beyond_the_time_budget_gives_up_at_once() -> None:
    # Sleeping 1000 s inside a 30 s budget would only delay the same failure.
    with FakeOpenAIServer() as server:
        server.fail_always(Fault.rate_limit(retry_after=1000))
        model = Model(
            OpenAICompatBackend("m", base_url=server.base_url),
            retry=RetryPolicy(attempts=5, max_seconds=30.0, **QUICK),
        )
        start = time.monotonic()
        with pytest.raises(ModelError, match="giving up") as info, anyio.fail_after(10):
            await model.chat(HELLO, GenerationParams())
        elapsed = time.monotonic() - start
        await model.aclose()
    assert isinstance(info.value.__cause__, TransientModelError)
    assert info.value.__cause__.retry_after == 1000
    assert server.request_count == 1
    assert elapsed < 5.0  # no part of the hinted wait was slept


async def test_a_hint_that_would_end_past_the_budget_is_not_slept() -> None:
    # The first hint (1 s) fits the 2.5 s budget and is waited for. The second comes
    # at about 1 s, and a further 2 s would end past 2.5 s: the call gives up when it
    # arrives instead of sleeping it.
    with FakeOpenAIServer(
        faults=[Fault.rate_limit(retry_after=1), Fault.rate_limit(retry_after=2)]
    ) as server:
        model = Model(
            OpenAICompatBackend("m", base_url=server.base_url),
            retry=RetryPolicy(attempts=5, max_seconds=2.5, **QUICK),
        )
        start = time.monotonic()
        with pytest.raises(ModelError, match="giving up"), anyio.fail_after(10):
            await model.chat(HELLO, GenerationParams())
        elapsed = time.monotonic() - start
        await model.aclose()
    assert server.request_count == 2
    [gap] = gaps(server)
    assert gap >= 1.0
    assert elapsed < 2.5  # the budget bounds the call: the 2 s hint was not slept
