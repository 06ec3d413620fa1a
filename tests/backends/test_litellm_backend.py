"""LiteLLMBackend: the real litellm code path against the fake server on 127.0.0.1."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from typing import Any

import pytest

from agentsstar.backends.base import GenerationParams, Message
from agentsstar.backends.litellm_backend import LiteLLMBackend
from agentsstar.errors import (
    ConfigError,
    MissingCredentialsError,
    MissingDependencyError,
    ModelError,
    TransientModelError,
)
from agentsstar.model import Model, RetryPolicy
from agentsstar.testing import FakeOpenAIServer, Fault

# Not importorskip: importing litellm here, before the backend sets its offline
# price-list switch, would make litellm fetch that list from the network.
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("litellm") is None,
    reason="litellm is not installed (extra 'litellm')",
)

HELLO = [Message("user", "Say hello")]
FAST = RetryPolicy(attempts=4, max_seconds=10.0, initial_wait=0.01, max_wait=0.05)


def shout(messages: list[dict[str, Any]], body: dict[str, Any]) -> str:
    return str(messages[-1]["content"]).upper()


def backend_for(server: FakeOpenAIServer) -> LiteLLMBackend:
    return LiteLLMBackend("openai/fake-model", api_base=server.base_url, timeout=30)


@pytest.mark.anyio
async def test_completion_through_litellm_with_usage_and_params() -> None:
    with FakeOpenAIServer(shout) as server:
        backend = backend_for(server)
        params = GenerationParams(
            temperature=0.3, max_tokens=32, seed=5, stop=("\n\n",), frequency_penalty=0.5
        )
        completion = await backend.complete(HELLO, params)
    assert completion.text == "SAY HELLO"
    assert completion.prompt_tokens > 0 and completion.completion_tokens > 0
    (body,) = server.requests
    assert body["model"] == "fake-model"
    assert body["temperature"] == 0.3
    assert body["max_tokens"] == 32
    assert body["seed"] == 5
    assert body["stop"] == ["\n\n"]
    assert body["frequency_penalty"] == 0.5
    assert backend.name == "litellm:openai/fake-model"


@pytest.mark.anyio
async def test_rate_limit_is_transient_with_hint_and_not_retried_by_litellm() -> None:
    with (
        FakeOpenAIServer(faults=[Fault.rate_limit(retry_after=2)]) as server,
        pytest.raises(TransientModelError) as info,
    ):
        await backend_for(server).complete(HELLO, GenerationParams())
    assert info.value.retry_after == 2.0
    assert server.request_count == 1


@pytest.mark.anyio
async def test_429_then_200_and_dropped_connection_are_retried_by_model() -> None:
    faults = [Fault.rate_limit(retry_after=0.01), Fault.drop()]
    with FakeOpenAIServer(shout, faults=faults) as server:
        model = Model(backend_for(server), retry=FAST)
        completion = await model.chat(HELLO, GenerationParams())
    assert completion.text == "SAY HELLO"
    assert server.request_count == 3


@pytest.mark.anyio
async def test_failing_forever_ends_in_model_error() -> None:
    with FakeOpenAIServer() as server:
        server.fail_always(Fault.server_error(503))
        model = Model(backend_for(server), retry=FAST)
        with pytest.raises(ModelError, match="giving up") as info:
            await model.chat(HELLO, GenerationParams())
    assert isinstance(info.value.__cause__, TransientModelError)
    assert server.request_count == FAST.attempts


@pytest.mark.anyio
async def test_bad_request_is_final_and_quiet(capsys: pytest.CaptureFixture[str]) -> None:
    with FakeOpenAIServer(faults=[Fault.http(400, "bad things")]) as server:
        model = Model(backend_for(server), retry=FAST)
        with pytest.raises(ModelError) as info:
            await model.chat(HELLO, GenerationParams())
    assert not isinstance(info.value, TransientModelError)
    assert server.request_count == 1
    # stdout carries the CLI's program: litellm's help banners must not land there.
    assert capsys.readouterr().out == ""


def test_missing_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    with pytest.raises(MissingCredentialsError, match="ANTHROPIC_API_KEY is not set") as info:
        LiteLLMBackend("anthropic/claude-3-5-haiku-latest")
    assert "\n" not in str(info.value)


def test_gemini_accepts_either_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    with pytest.raises(MissingCredentialsError, match="GEMINI_API_KEY"):
        LiteLLMBackend("gemini/gemini-1.5-flash")
    monkeypatch.setenv("GEMINI_API_KEY", "x")
    assert LiteLLMBackend("gemini/gemini-1.5-flash").provider == "gemini"


def test_key_in_environment_or_argument_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MISTRAL_API_KEY", raising=False)
    assert LiteLLMBackend("mistral/mistral-small-latest", api_key="k").provider == "mistral"
    monkeypatch.setenv("MISTRAL_API_KEY", "k")
    assert LiteLLMBackend("mistral/mistral-small-latest").provider == "mistral"


def test_unknown_provider_is_a_config_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ConfigError, match="PROVIDER/MODEL"):
        LiteLLMBackend("no-such-provider-xyz/model")
    assert capsys.readouterr().out == ""  # litellm's banner stays off stdout


def test_missing_litellm_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "litellm", None)  # makes `import litellm` fail
    with pytest.raises(MissingDependencyError, match=r"agentsstar\[litellm\]"):
        LiteLLMBackend("openai/x", api_base="http://127.0.0.1:1/v1")


@pytest.mark.anyio
async def test_refused_connection_is_reported_as_a_connection_failure() -> None:
    with FakeOpenAIServer() as server:
        url = server.base_url
    # The server is gone: its port refuses connections.
    backend = LiteLLMBackend("openai/fake-model", api_base=url, timeout=10)
    with pytest.raises(TransientModelError) as info:
        await backend.complete(HELLO, GenerationParams())
    message = str(info.value)
    assert message.startswith(f"litellm:openai/fake-model: connection to {url} failed"), message
    assert "500" not in message


# A fresh interpreter: whether litellm fetches its price list happens at its import.
IMPORT_OFFLINE = """
import os, socket, sys
attempts = []
real_connect = socket.socket.connect
def connect(self, address):
    attempts.append(address)
    raise ConnectionRefusedError("no network in this test")
socket.socket.connect = connect
from agentsstar.backends.litellm_backend import import_litellm
litellm = import_litellm()
print(repr(os.environ.get("LITELLM_LOCAL_MODEL_COST_MAP")))
print(len(attempts), len(litellm.model_cost) > 100)
"""


def _import_in_fresh_process(env_value: str | None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "LITELLM_LOCAL_MODEL_COST_MAP"}
    if env_value is not None:
        env["LITELLM_LOCAL_MODEL_COST_MAP"] = env_value
    proc = subprocess.run(
        [sys.executable, "-c", IMPORT_OFFLINE], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def test_price_list_switch_is_scoped_to_the_import() -> None:
    # litellm uses its bundled price list (no connection attempted), and the process
    # environment is left as it was: children of the process do not inherit the switch.
    assert _import_in_fresh_process(None) == ["None", "0 True"]


def test_users_own_price_list_setting_is_kept() -> None:
    assert _import_in_fresh_process("False")[0] == "'False'"
