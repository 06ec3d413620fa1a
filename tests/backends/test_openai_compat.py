"""OpenAICompatBackend against the fake OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

from typing import Any

import pytest

from agentsstar.backends.base import GenerationParams, Message
from agentsstar.backends.openai_compat import OpenAICompatBackend
from agentsstar.errors import (
    ConfigError,
    MissingCredentialsError,
    ModelError,
    TransientModelError,
)
from agentsstar.model import Model, RetryPolicy
from agentsstar.testing import FakeOpenAIServer, Fault

pytestmark = pytest.mark.anyio

HELLO = [Message("system", "You write Python."), Message("user", "Say hello")]
# Fast retries so the failure tests take milliseconds.
FAST = RetryPolicy(attempts=4, max_seconds=10.0, initial_wait=0.01, max_wait=0.05)


def shout(messages: list[dict[str, Any]], body: dict[str, Any]) -> str:
    return str(messages[-1]["content"]).upper()


async def test_happy_path_returns_text_and_usage() -> None:
    with FakeOpenAIServer(shout) as server:
        backend = OpenAICompatBackend("fake-model", base_url=server.base_url)
        try:
            params = GenerationParams(
                temperature=0.2, max_tokens=64, seed=7, stop=("```",), frequency_penalty=0.5
            )
            completion = await backend.complete(HELLO, params)
        finally:
            await backend.aclose()
    assert completion.text == "SAY HELLO"
    assert completion.prompt_tokens > 0
    assert completion.completion_tokens > 0
    assert completion.finish_reason == "stop"
    (body,) = server.requests
    assert body["model"] == "fake-model"
    assert body["messages"][0] == {"role": "system", "content": "You write Python."}
    assert body["temperature"] == 0.2
    assert body["max_tokens"] == 64
    assert body["seed"] == 7
    assert body["stop"] == ["```"]
    assert body["frequency_penalty"] == 0.5


async def test_unset_seed_and_stop_are_not_sent() -> None:
    with FakeOpenAIServer() as server:
        backend = OpenAICompatBackend("m", base_url=server.base_url)
        await backend.complete(HELLO, GenerationParams())
        await backend.aclose()
    (body,) = server.requests
    assert "seed" not in body
    assert "stop" not in body
    assert "frequency_penalty" not in body


async def test_rate_limit_then_success_is_retried_through_model() -> None:
    with FakeOpenAIServer(shout, faults=[Fault.rate_limit(retry_after=0.01)]) as server:
        model = Model(OpenAICompatBackend("m", base_url=server.base_url), retry=FAST)
        completion = await model.chat(HELLO, GenerationParams())
        await model.aclose()
    assert completion.text == "SAY HELLO"
    assert server.request_count == 2
    assert model.usage.llm_calls == 1


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault.rate_limit(retry_after=3), 3.0),
        (Fault.rate_limit(retry_after=1, retry_after_ms=250), 0.25),
        (Fault.rate_limit(), None),
    ],
)
async def test_rate_limit_carries_retry_after_hint(fault: Fault, expected: float | None) -> None:
    with FakeOpenAIServer(faults=[fault]) as server:
        backend = OpenAICompatBackend("m", base_url=server.base_url)
        with pytest.raises(TransientModelError) as info:
            await backend.complete(HELLO, GenerationParams())
        await backend.aclose()
    assert info.value.retry_after == expected
    assert server.request_count == 1  # the SDK did not retry by itself


async def test_dropped_connection_is_retried() -> None:
    with FakeOpenAIServer(shout, faults=[Fault.drop(), Fault.drop()]) as server:
        model = Model(OpenAICompatBackend("m", base_url=server.base_url), retry=FAST)
        completion = await model.chat(HELLO, GenerationParams())
        await model.aclose()
    assert completion.text == "SAY HELLO"
    assert server.request_count == 3


async def test_server_error_forever_ends_in_model_error_with_cause() -> None:
    with FakeOpenAIServer() as server:
        server.fail_always(Fault.server_error(500))
        model = Model(OpenAICompatBackend("m", base_url=server.base_url), retry=FAST)
        with pytest.raises(ModelError) as info:
            await model.chat(HELLO, GenerationParams())
        await model.aclose()
    assert not isinstance(info.value, TransientModelError)
    assert "giving up" in str(info.value)
    assert isinstance(info.value.__cause__, TransientModelError)
    assert "500" in str(info.value.__cause__)
    assert server.request_count == FAST.attempts
    assert model.usage.llm_calls == 0


@pytest.mark.parametrize(
    ("status", "needle"),
    [(401, "authentication failed"), (404, "not found"), (400, "rejected")],
)
async def test_client_errors_are_final_and_not_retried(status: int, needle: str) -> None:
    with FakeOpenAIServer(faults=[Fault.http(status, "nope")]) as server:
        model = Model(OpenAICompatBackend("m", base_url=server.base_url), retry=FAST)
        with pytest.raises(ModelError) as info:
            await model.chat(HELLO, GenerationParams())
        await model.aclose()
    assert not isinstance(info.value, TransientModelError)
    assert needle in str(info.value)
    assert info.value.__cause__ is not None
    assert server.request_count == 1


async def test_api_key_is_sent_when_given() -> None:
    with FakeOpenAIServer(shout, api_key="sekret") as server:
        good = OpenAICompatBackend("m", base_url=server.base_url, api_key="sekret")
        assert (await good.complete(HELLO, GenerationParams())).text == "SAY HELLO"
        await good.aclose()
        bad = OpenAICompatBackend("m", base_url=server.base_url, api_key="wrong")
        with pytest.raises(ModelError, match="authentication failed"):
            await bad.complete(HELLO, GenerationParams())
        await bad.aclose()


async def test_unreachable_server_is_transient() -> None:
    with FakeOpenAIServer() as server:
        url = server.base_url
    # The server is gone: the port refuses connections.
    backend = OpenAICompatBackend("m", base_url=url, timeout=5)
    with pytest.raises(TransientModelError, match="connection"):
        await backend.complete(HELLO, GenerationParams())
    await backend.aclose()


def test_base_url_and_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    backend = OpenAICompatBackend("m")
    assert backend.base_url == "http://127.0.0.1:9/v1"
    assert backend.name == "openai:m"


def test_official_api_without_key_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(MissingCredentialsError, match="OPENAI_API_KEY") as info:
        OpenAICompatBackend("gpt-4o-mini")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"model": ""}, "model name is empty"),
        ({"model": "m", "base_url": "127.0.0.1:8000/v1"}, "invalid base URL"),
        ({"model": "m", "base_url": "http://127.0.0.1:99999/v1"}, "invalid base URL"),
        ({"model": "m", "base_url": "http:///v1"}, "invalid base URL"),
        ({"model": "m", "base_url": "ftp://host/v1"}, "invalid base URL"),
        ({"model": "m", "base_url": "http://127.0.0.1:1/v1", "timeout": 0}, "timeout"),
    ],
)
def test_invalid_arguments(kwargs: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        OpenAICompatBackend(**kwargs)
