"""The batching engine behind ``LlamaLocalBackend``, with real GGUF models in process.

Fast tests use SmolLM2-135M (the ``small_gguf`` fixture); the slow one checks the
default Qwen2.5-Coder-0.5B.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import anyio
import pytest

from agentsstar.backends._batching_seq import new_sampler
from agentsstar.backends.base import Completion, GenerationParams, Message
from agentsstar.backends.llama_local import LlamaLocalBackend, import_llama_cpp
from agentsstar.backends.local_models import DEFAULT_MODEL, resolve_model
from agentsstar.errors import ModelError, ModelNotFoundError

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("llama_cpp_available")]

ADD = [Message("user", "Write a Python function that adds two numbers.")]
PRIME = [
    Message("system", "You are a careful Python programmer."),
    Message("user", "Write is_prime(n) in Python. Reply with one code block."),
]
COUNT = [Message("user", "Count from 1 to 500, one number per line.")]


def greedy(max_tokens: int = 32, stop: tuple[str, ...] = ()) -> GenerationParams:
    return GenerationParams(temperature=0.0, max_tokens=max_tokens, stop=stop)


def hot(seed: int, max_tokens: int = 32) -> GenerationParams:
    return GenerationParams(temperature=0.9, max_tokens=max_tokens, seed=seed)


async def together(
    backend: LlamaLocalBackend, jobs: Sequence[tuple[list[Message], GenerationParams]]
) -> list[Completion]:
    """All ``jobs`` in flight at once; their completions in order."""
    out: list[Completion | None] = [None] * len(jobs)

    async def one(i: int) -> None:
        out[i] = await backend.complete(*jobs[i])

    async with anyio.create_task_group() as tg:
        for i in range(len(jobs)):
            tg.start_soon(one, i)
    assert all(c is not None for c in out)
    return [c for c in out if c is not None]


async def alone(path: Path, messages: list[Message], params: GenerationParams) -> Completion:
    """``messages`` answered by a fresh backend with nothing else in flight."""
    backend = LlamaLocalBackend(path, n_ctx=1024)
    try:
        return await backend.complete(messages, params)
    finally:
        await backend.aclose()


async def test_greedy_reply_is_what_llama_create_chat_completion_gives(small_gguf: Path) -> None:
    # The unbatched path: llama-cpp-python's own chat completion, template and sampler.
    llama_cpp = import_llama_cpp()

    def reference(messages: list[Message]) -> tuple[str, int, int, str]:
        llama = llama_cpp.Llama(
            model_path=str(small_gguf), n_ctx=1024, flash_attn=True, verbose=False
        )
        try:
            out = llama.create_chat_completion(
                messages=[{"role": m.role, "content": m.content} for m in messages],
                temperature=0.0,
                max_tokens=32,
            )
        finally:
            llama.close()
        usage = out["usage"]
        choice = out["choices"][0]
        return (
            choice["message"]["content"],
            usage["prompt_tokens"],
            usage["completion_tokens"],
            choice["finish_reason"],
        )

    for messages in (ADD, PRIME):
        expected = await anyio.to_thread.run_sync(reference, messages)
        got = await alone(small_gguf, messages, greedy())
        assert (got.text, got.prompt_tokens, got.completion_tokens, got.finish_reason) == expected


def test_sampler_chain_adds_the_penalty_only_when_asked() -> None:
    llama_cpp = import_llama_cpp()

    def names(temperature: float, penalty: float) -> list[bytes]:
        chain = new_sampler(llama_cpp, temperature, 3, frequency_penalty=penalty, n_vocab=100)
        try:
            return [
                llama_cpp.llama_sampler_name(llama_cpp.llama_sampler_chain_get(chain, i))
                for i in range(llama_cpp.llama_sampler_chain_n(chain))
            ]
        finally:
            llama_cpp.llama_sampler_free(chain)

    assert names(0.0, 0.0) == [b"greedy"]
    assert names(0.0, 0.5) == [b"penalties", b"greedy"]
    assert names(0.7, 0.0)[-2:] == [b"temp", b"dist"]
    assert names(0.7, 0.5)[0] == b"penalties"


async def test_frequency_penalty_is_applied_as_llama_applies_it(small_gguf: Path) -> None:
    # GenerationParams.frequency_penalty (S*'s input synthesis asks again with 0.5):
    # the unbatched backend passed it to create_chat_completion; the engine's
    # per-request sampler must give the same replies.
    llama_cpp = import_llama_cpp()

    def reference(params: GenerationParams) -> str:
        llama = llama_cpp.Llama(
            model_path=str(small_gguf), n_ctx=1024, flash_attn=True, verbose=False
        )
        try:
            out = llama.create_chat_completion(
                messages=[{"role": m.role, "content": m.content} for m in ADD],
                temperature=params.temperature,
                max_tokens=params.max_tokens,
                seed=params.seed,
                frequency_penalty=params.frequency_penalty,
            )
        finally:
            llama.close()
        return str(out["choices"][0]["message"]["content"])

    penalised = GenerationParams(temperature=0.0, max_tokens=40, frequency_penalty=1.5)
    seeded = GenerationParams(temperature=0.9, max_tokens=40, seed=7, frequency_penalty=0.5)
    for params in (penalised, seeded):
        expected = await anyio.to_thread.run_sync(reference, params)
        assert (await alone(small_gguf, ADD, params)).text == expected
    # The penalty changes this greedy reply: it is applied, not dropped.
    plain = await alone(small_gguf, ADD, greedy(40))
    assert plain.text != (await alone(small_gguf, ADD, penalised)).text


async def test_frequency_penalty_applies_per_request_in_a_batch(small_gguf: Path) -> None:
    # Counting repeats the same few tokens: unpenalised, the model counts on to
    # max_tokens; a strong penalty makes it give up after a few numbers.
    penalised = GenerationParams(temperature=0.0, max_tokens=40, frequency_penalty=1.5)
    backend = LlamaLocalBackend(small_gguf, n_ctx=1024)
    try:
        await backend.load()
        # One prompt, one group: all three sample their first token from the same
        # logits; only the penalised request's sampler lowers the tokens it has drawn.
        plain, with_penalty, twin = await together(
            backend, [(COUNT, greedy(40)), (COUNT, penalised), (COUNT, greedy(40))]
        )
        stats = backend.stats
    finally:
        await backend.aclose()
    assert stats is not None and stats.most_active == 3
    for reply in (plain, twin):  # the neighbour's penalty did not reach them
        assert reply.completion_tokens == 40
        assert reply.text.startswith("1. 1\n2. 2\n3. 3\n4. 4\n5. 5\n6. 6\n")
    assert with_penalty.finish_reason == "stop"
    assert with_penalty.completion_tokens < 30
    assert with_penalty.text.startswith("1. 1\n2. 2\n")


async def test_each_reply_in_a_mixed_batch_answers_its_own_request(small_gguf: Path) -> None:
    backend = LlamaLocalBackend(small_gguf, n_ctx=1024)
    try:
        await backend.load()
        batch = await together(
            backend,
            [(ADD, hot(1)), (PRIME, greedy()), (ADD, hot(2)), (PRIME, hot(3)), (ADD, greedy())],
        )
        stats = backend.stats
    finally:
        await backend.aclose()
    assert "def is_prime" in batch[1].text
    assert "def add" in batch[4].text
    assert all(c.completion_tokens > 0 for c in batch)
    assert stats is not None and stats.most_active == 5  # all five decoded together


async def test_seeds_are_independent_and_reproducible_in_a_batch(small_gguf: Path) -> None:
    jobs = [(ADD, hot(11)), (ADD, hot(12)), (ADD, hot(11)), (ADD, hot(13))]
    runs = []
    for _ in range(2):
        backend = LlamaLocalBackend(small_gguf, n_ctx=1024)
        try:
            await backend.load()
            runs.append([c.text for c in await together(backend, jobs)])
        finally:
            await backend.aclose()
    first, again = runs
    assert first == again  # same batch, same seeds: same replies
    assert len({first[0], first[1], first[3]}) == 3  # other seeds, other replies


async def test_stop_strings_and_max_tokens_apply_per_request(small_gguf: Path) -> None:
    full = await alone(small_gguf, ADD, greedy(48))
    cut = full.text.index("\n")
    assert cut > 0, full.text  # the reference reply has a line to cut at
    backend = LlamaLocalBackend(small_gguf, n_ctx=1024)
    try:
        await backend.load()
        stopped, capped, free = await together(
            backend, [(ADD, greedy(48, stop=("\n",))), (ADD, greedy(5)), (ADD, greedy(48))]
        )
    finally:
        await backend.aclose()
    assert stopped.text == full.text[:cut]  # the first line, cut before the stop string
    assert stopped.finish_reason == "stop"
    assert capped.completion_tokens == 5
    assert capped.finish_reason == "length"
    # The neighbours' stop string and cap did not apply to the third request.
    assert "\n" in free.text
    assert free.completion_tokens > 5


async def test_cancelling_one_request_leaves_the_others_finishing(small_gguf: Path) -> None:
    backend = LlamaLocalBackend(small_gguf, n_ctx=1024)
    done: dict[str, Completion] = {}
    cancelled = []

    async def long_one() -> None:
        with anyio.move_on_after(1.0) as scope:
            await backend.complete(COUNT, greedy(600))
        cancelled.append(scope.cancelled_caught)

    async def short_one(key: str) -> None:
        done[key] = await backend.complete(ADD, greedy(24))

    try:
        await backend.load()
        async with anyio.create_task_group() as tg:
            tg.start_soon(long_one)
            tg.start_soon(short_one, "a")
            tg.start_soon(short_one, "b")
        after = await backend.complete(PRIME, greedy(8))
        stats = backend.stats
    finally:
        await backend.aclose()
    assert cancelled == [True]  # it was still running when its caller gave up
    for key in "ab":
        assert "def add" in done[key].text
        assert done[key].completion_tokens == 24
    assert after.completion_tokens == 8
    # The cancelled request stopped early: far fewer tokens than its 600 were drawn.
    assert stats is not None and stats.generated < 24 * 2 + 8 + 300


async def test_a_request_that_does_not_fit_waits_for_room(small_gguf: Path) -> None:
    # 256 cells: each request reserves its prompt (~40) plus 150 tokens, so two do
    # not fit at once; the second must wait for the first, not fail.
    backend = LlamaLocalBackend(small_gguf, n_ctx=256, kv_size=256, n_parallel=2)
    try:
        await backend.load()
        first, second = await together(backend, [(COUNT, greedy(150)), (ADD, greedy(150))])
        stats = backend.stats
    finally:
        await backend.aclose()
    assert first.completion_tokens > 0
    assert second.completion_tokens > 0
    assert stats is not None and stats.most_active == 1
    assert stats.most_cells <= 256

    roomy = LlamaLocalBackend(small_gguf, n_ctx=256, kv_size=512, n_parallel=2)
    try:
        await roomy.load()
        await together(roomy, [(COUNT, greedy(150)), (ADD, greedy(150))])
        assert roomy.stats is not None and roomy.stats.most_active == 2
    finally:
        await roomy.aclose()


async def test_siblings_evaluate_their_prompt_once(small_gguf: Path) -> None:
    backend = LlamaLocalBackend(small_gguf, n_ctx=1024)
    try:
        await backend.load()
        siblings = await together(backend, [(PRIME, hot(seed)) for seed in range(4)])
        assert backend.stats is not None
        assert backend.stats.prompt_evaluated == siblings[0].prompt_tokens
        # A follow-up quoting the first reply starts from the cells that reply left.
        follow_up = [
            *PRIME,
            Message("assistant", siblings[0].text),
            Message("user", "Now add a docstring."),
        ]
        before = backend.stats.prompt_evaluated
        revised = await backend.complete(follow_up, greedy(8))
        evaluated = backend.stats.prompt_evaluated - before
    finally:
        await backend.aclose()
    assert revised.completion_tokens == 8
    assert evaluated < revised.prompt_tokens - siblings[0].prompt_tokens


async def test_a_prompt_longer_than_the_window_is_a_model_error(small_gguf: Path) -> None:
    backend = LlamaLocalBackend(small_gguf, n_ctx=64)
    try:
        with pytest.raises(ModelError, match="exceed context window of 64"):
            await backend.complete([Message("user", "word " * 200)], greedy())
        # The engine is still serving.
        assert (await backend.complete(ADD, greedy(4))).completion_tokens == 4
    finally:
        await backend.aclose()


@pytest.mark.slow
async def test_default_model_batches_like_it_answers_alone() -> None:
    try:
        path = resolve_model(DEFAULT_MODEL, downloader=None)
    except ModelNotFoundError as exc:
        pytest.skip(f"default model not installed: {exc}")
    solo = await alone(path, PRIME, greedy(64))
    backend = LlamaLocalBackend(path, n_ctx=2048)
    try:
        jobs = [(PRIME, greedy(64)), (PRIME, hot(1, 64)), (PRIME, hot(2, 64)), (ADD, hot(1, 64))]
        first = await together(backend, jobs)
    finally:
        await backend.aclose()
    backend = LlamaLocalBackend(path, n_ctx=2048)
    try:
        again = await together(backend, jobs)
    finally:
        await backend.aclose()
    assert first[0].text == solo.text
    assert "def is_prime" in first[0].text
    assert [c.text for c in first] == [c.text for c in again]
    assert first[1].text != first[2].text
