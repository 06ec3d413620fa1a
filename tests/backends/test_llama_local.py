"""LlamaLocalBackend with a real GGUF model (SmolLM2-135M) in process."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import anyio
import pytest

from agentsstar.backends.base import Completion, GenerationParams, Message
from agentsstar.backends.llama_local import LlamaLocalBackend
from agentsstar.errors import MissingDependencyError, ModelError

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("llama_cpp_available")]

ASK = [Message("user", "Write a Python function that adds two numbers.")]


@pytest.mark.slow
async def test_real_completion_with_usage(small_gguf: Path) -> None:
    backend = LlamaLocalBackend(small_gguf, n_ctx=1024)
    try:
        completion = await backend.complete(ASK, GenerationParams(temperature=0.0, max_tokens=24))
    finally:
        await backend.aclose()
    assert completion.text.strip()
    assert completion.prompt_tokens > 5
    assert 0 < completion.completion_tokens <= 24
    # llama.cpp stops for one reason: the token budget ran out, or the model ended.
    assert completion.finish_reason == ("length" if completion.completion_tokens == 24 else "stop")
    assert backend.name == f"local:{small_gguf.stem}"


@pytest.mark.slow
async def test_same_seed_same_text_other_seeds_differ(small_gguf: Path) -> None:
    backend = LlamaLocalBackend(small_gguf, n_ctx=1024)
    texts: dict[int, list[str]] = {}
    try:
        for seed in (11, 12, 13, 11):
            params = GenerationParams(temperature=0.9, max_tokens=32, seed=seed)
            texts.setdefault(seed, []).append((await backend.complete(ASK, params)).text)
    finally:
        await backend.aclose()
    assert texts[11][0] == texts[11][1]
    assert len({texts[11][0], texts[12][0], texts[13][0]}) >= 2


@pytest.mark.slow
async def test_stop_sequences_end_the_reply(small_gguf: Path) -> None:
    backend = LlamaLocalBackend(small_gguf, n_ctx=1024)
    try:
        params = GenerationParams(temperature=0.0, max_tokens=64, stop=("\n",))
        completion = await backend.complete(ASK, params)
    finally:
        await backend.aclose()
    assert "\n" not in completion.text


@pytest.mark.slow
async def test_concurrent_calls_are_decoded_together(small_gguf: Path) -> None:
    backend = LlamaLocalBackend(small_gguf, n_ctx=1024)
    results: list[Completion] = []

    async def one(seed: int) -> None:
        params = GenerationParams(temperature=0.7, max_tokens=16, seed=seed)
        results.append(await backend.complete(ASK, params))

    try:
        async with anyio.create_task_group() as tg:
            for seed in range(3):
                tg.start_soon(one, seed)
        stats = backend.stats
    finally:
        await backend.aclose()
    assert len(results) == 3
    assert all(r.completion_tokens > 0 for r in results)
    assert stats is not None and stats.most_active == 3


@pytest.mark.slow
async def test_a_cancelled_call_leaves_the_model_usable(small_gguf: Path) -> None:
    backend = LlamaLocalBackend(small_gguf, n_ctx=1024)
    try:
        await backend.load()
        with anyio.move_on_after(0.2):
            await backend.complete(ASK, GenerationParams(temperature=0.7, max_tokens=400))
        after = await backend.complete(ASK, GenerationParams(temperature=0.0, max_tokens=8))
    finally:
        await backend.aclose()
    assert after.completion_tokens > 0


@pytest.mark.slow
async def test_aclose_frees_and_a_later_call_reloads(small_gguf: Path) -> None:
    backend = LlamaLocalBackend(small_gguf, n_ctx=512)
    params = GenerationParams(temperature=0.0, max_tokens=4)
    await backend.complete(ASK, params)
    await backend.aclose()
    assert backend.stats is None  # the engine and its model are gone
    assert (await backend.complete(ASK, params)).completion_tokens > 0
    await backend.aclose()


async def test_model_loads_lazily_from_a_resolver(small_gguf: Path) -> None:
    calls: list[str] = []

    def resolver() -> Path:
        calls.append(threading.current_thread().name)
        return small_gguf

    backend = LlamaLocalBackend(resolver, name="local:smollm2-135m", n_ctx=256)
    assert calls == []  # constructing loads nothing
    await backend.load()
    await backend.load()
    await backend.aclose()
    assert len(calls) == 1
    assert calls[0] != threading.main_thread().name  # resolved off the event loop


async def test_unloadable_file_is_a_model_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"this is not a gguf file")
    backend = LlamaLocalBackend(bogus)
    with pytest.raises(ModelError, match="could not load"):
        await backend.complete(ASK, GenerationParams(max_tokens=4))


async def test_missing_llama_cpp_at_load_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)
    backend = LlamaLocalBackend(tmp_path / "x.gguf")
    with pytest.raises(MissingDependencyError, match=r"agentsstar\[local\]"):
        await backend.load()
