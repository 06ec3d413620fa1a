"""The OpenAI-compatible and litellm backends against a real model server.

``python -m llama_cpp.server`` speaks the same ``/v1`` protocol as ``vllm serve``; it is
started here on 127.0.0.1 with the SmolLM2-135M GGUF, once per module.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

import anyio
import pytest

from agentsstar.backends import open_backend
from agentsstar.backends.base import Completion, GenerationParams, Message
from agentsstar.backends.openai_compat import OpenAICompatBackend
from agentsstar.model import Model

pytestmark = pytest.mark.usefixtures("llama_cpp_available")

ALIAS = "smollm2"
ASK = [
    Message("system", "You are a helpful assistant."),
    Message("user", "Write a Python function that returns the square of a number."),
]
STARTUP_TIMEOUT_S = 120.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_serving(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            pytest.fail(f"llama_cpp.server exited with {proc.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(url + "/models", timeout=2) as resp:
                if json.loads(resp.read())["data"]:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
            pass
        time.sleep(0.25)
    pytest.fail(f"llama_cpp.server did not answer {url}/models in {STARTUP_TIMEOUT_S:.0f} s")


@pytest.fixture(scope="module")
def server_url(
    small_gguf: Path, llama_cpp_available: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    port = _free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(small_gguf),
        "--model_alias", ALIAS,
        "--host", "127.0.0.1",
        "--port", str(port),
        "--n_ctx", "2048",
        "--n_threads", str(min(2, os.cpu_count() or 1)),
        "--verbose", "False",
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_until_serving(proc, url, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def _check(completion: Completion, max_tokens: int) -> None:
    assert completion.text.strip()
    assert completion.prompt_tokens > 5
    assert 0 < completion.completion_tokens <= max_tokens
    # One reason each: the token budget ran out, or the model ended (or hit a stop).
    ran_out = completion.completion_tokens == max_tokens
    assert completion.finish_reason == ("length" if ran_out else "stop")


@pytest.mark.anyio
async def test_openai_backend_real_completion(server_url: str) -> None:
    backend = OpenAICompatBackend(ALIAS, base_url=server_url, timeout=120)
    try:
        params = GenerationParams(temperature=0.0, max_tokens=32, seed=1)
        completion = await backend.complete(ASK, params)
    finally:
        await backend.aclose()
    _check(completion, 32)


@pytest.mark.anyio
async def test_openai_spec_through_model_with_concurrent_calls(server_url: str) -> None:
    model = Model(open_backend(f"openai:{ALIAS}", base_url=server_url), max_concurrency=2)
    results: list[Completion] = []

    async def one(seed: int) -> None:
        params = GenerationParams(temperature=0.7, max_tokens=16, seed=seed)
        results.append(await model.chat(ASK, params))

    try:
        async with anyio.create_task_group() as tg:
            for seed in range(3):
                tg.start_soon(one, seed)
    finally:
        await model.aclose()
    assert len(results) == 3
    for completion in results:
        _check(completion, 16)
    assert model.usage.llm_calls == 3
    assert model.usage.completion_tokens == sum(r.completion_tokens for r in results)


@pytest.mark.anyio
@pytest.mark.skipif(
    find_spec("litellm") is None, reason="litellm is not installed (extra 'litellm')"
)
async def test_litellm_backend_real_completion(server_url: str) -> None:
    backend = open_backend(f"litellm:openai/{ALIAS}", base_url=server_url, timeout=120)
    try:
        params = GenerationParams(temperature=0.0, max_tokens=32, stop=("\n\n\n",))
        completion = await backend.complete(ASK, params)
    finally:
        await backend.aclose()
    _check(completion, 32)
