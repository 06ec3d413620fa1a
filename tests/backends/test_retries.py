"""How ``Model`` treats the transient failures backends report (Retry-After, budget)."""

from __future__ import annotations

import pytest

from agentsstar.backends.base import GenerationParams, Message
from agentsstar.backends.openai_compat import OpenAICompatBackend
from agentsstar.errors import ModelError, TransientModelError
from agentsstar.model import Model, RetryPolicy
from agentsstar.testing import FakeOpenAIServer, Fault

pytestmark = pytest.mark.anyio

HELLO = [Message("user", "hi")]


async def test_retry_after_beyond_the_time_budget_gives_up_at_once() -> None:
    # Sleeping 1000 s inside a 30 s budget would only delay the same failure.
    with FakeOpenAIServer() as server:
        server.fail_always(Fault.rate_limit(retry_after=1000))
        model = Model(
            OpenAICompatBackend("m", base_url=server.base_url),
            retry=RetryPolicy(attempts=5, max_seconds=30.0),
        )
        with pytest.raises(ModelError, match="giving up") as info:
            await model.chat(HELLO, GenerationParams())
        await model.aclose()
    assert isinstance(info.value.__cause__, TransientModelError)
    assert info.value.__cause__.retry_after == 1000
    assert server.request_count == 1


async def test_short_retry_after_is_followed_by_a_retry() -> None:
    with FakeOpenAIServer(faults=[Fault.rate_limit(retry_after_ms=20)]) as server:
        model = Model(
            OpenAICompatBackend("m", base_url=server.base_url),
            retry=RetryPolicy(attempts=3, max_seconds=30.0, max_wait=0.001),
        )
        completion = await model.chat(HELLO, GenerationParams())
        await model.aclose()
    assert completion.text == "ok"
    assert server.request_count == 2
