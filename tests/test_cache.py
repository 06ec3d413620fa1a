"""The model-call cache: hits, misses, single flight, crashes and bad files."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path

import anyio
import pytest

from agentsstar import load_problem, solve
from agentsstar.backends import GenerationParams, Message
from agentsstar.backends.scripted import ScriptedBackend
from agentsstar.cache import ModelCache, request_key
from agentsstar.errors import CacheError
from agentsstar.model import Model

from .cli.fake_model import reply

pytestmark = pytest.mark.anyio

EXAMPLES = Path(__file__).parent.parent / "examples"
ASK = [Message("user", "write add(a, b)")]


def counting_backend(delay: float = 0.0) -> ScriptedBackend:
    async def answer(messages: Sequence[Message], params: GenerationParams) -> str:
        await anyio.sleep(delay)
        return f"reply to {messages[-1].content} (seed {params.seed})"

    return ScriptedBackend(answer)


async def test_a_repeated_request_is_answered_from_the_cache(tmp_path: Path) -> None:
    backend = counting_backend()
    model = Model(backend, cache=ModelCache(tmp_path / "c.sqlite"))
    first = await model.chat(ASK, GenerationParams(seed=1))
    again = await model.chat(ASK, GenerationParams(seed=1))
    assert len(backend.calls) == 1
    assert again.text == first.text
    assert not first.cached and again.cached
    # Only the call that reached the backend counts as model usage.
    assert model.usage.llm_calls == 1 and model.usage.cached_calls == 1


@pytest.mark.parametrize(
    ("messages", "params"),
    [
        (ASK, GenerationParams(seed=2)),
        ([Message("user", "write sub(a, b)")], GenerationParams(seed=1)),
        ([Message("system", "be brief"), *ASK], GenerationParams(seed=1)),
        (ASK, GenerationParams(seed=1, temperature=0.2)),
        (ASK, GenerationParams(seed=1, max_tokens=99)),
        (ASK, GenerationParams(seed=1, stop=("```",))),
        (ASK, GenerationParams(seed=1, frequency_penalty=0.5)),
    ],
)
async def test_anything_that_changes_the_reply_is_a_miss(
    tmp_path: Path, messages: list[Message], params: GenerationParams
) -> None:
    backend = counting_backend()
    model = Model(backend, cache=ModelCache(tmp_path / "c.sqlite"))
    await model.chat(ASK, GenerationParams(seed=1))
    other = await model.chat(messages, params)
    assert len(backend.calls) == 2 and not other.cached


async def test_the_backend_identity_is_part_of_the_key(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path / "c.sqlite")
    a, b = counting_backend(), ScriptedBackend(lambda m, p: "other", name="scripted-b")
    await Model(a, cache=cache).chat(ASK, GenerationParams(seed=1))
    got = await Model(b, cache=cache).chat(ASK, GenerationParams(seed=1))
    assert got.text == "other" and not got.cached
    assert request_key("x@http://a/v1", ASK, GenerationParams()) != request_key(
        "x@http://b/v1", ASK, GenerationParams()
    )


async def test_identical_requests_in_flight_are_sent_once(tmp_path: Path) -> None:
    backend = counting_backend(delay=0.3)
    cache = ModelCache(tmp_path / "c.sqlite")
    # Two models (two arms of an eval) sharing one cache, eight callers at once.
    models = [Model(backend, cache=cache), Model(backend, cache=cache)]
    replies: list[str] = []

    async def ask(i: int) -> None:
        replies.append((await models[i % 2].chat(ASK, GenerationParams(seed=7))).text)

    async with anyio.create_task_group() as tg:
        for i in range(8):
            tg.start_soon(ask, i)
    assert len(backend.calls) == 1
    assert len(set(replies)) == 1 and len(replies) == 8


async def test_a_failed_call_is_not_cached_and_its_waiters_retry(tmp_path: Path) -> None:
    attempts = 0

    async def flaky(messages: Sequence[Message], params: GenerationParams) -> str:
        nonlocal attempts
        attempts += 1
        await anyio.sleep(0.1)
        if attempts == 1:
            raise RuntimeError("boom")
        return "ok"

    model = Model(ScriptedBackend(flaky), cache=ModelCache(tmp_path / "c.sqlite"))
    outcomes: list[str] = []

    async def ask() -> None:
        try:
            outcomes.append((await model.chat(ASK, GenerationParams(seed=1))).text)
        except RuntimeError:
            outcomes.append("error")

    async with anyio.create_task_group() as tg:
        tg.start_soon(ask)
        await anyio.sleep(0.02)
        tg.start_soon(ask)
    assert sorted(outcomes) == ["error", "ok"]
    assert attempts == 2


async def test_a_rerun_from_the_cache_makes_no_request_and_gives_the_same_result(
    tmp_path: Path,
) -> None:
    problem = load_problem(EXAMPLES / "reverse-words.json")
    cache = ModelCache(tmp_path / "c.sqlite")
    first_backend, second_backend = ScriptedBackend(fake_reply), ScriptedBackend(fake_reply)
    first = await solve(problem, model=Model(first_backend, cache=cache))
    second = await solve(problem, model=Model(second_backend, cache=cache))
    assert first_backend.calls and not second_backend.calls
    assert [c.code for c in second.candidates] == [c.code for c in first.candidates]
    assert second.private is not None and first.private is not None
    assert second.private.accepted == first.private.accepted
    # Cost stays honest: the re-run paid nothing, and says how much it reused.
    assert second.usage.llm_calls == 0 and second.usage.prompt_tokens == 0
    assert second.usage.cached_calls == first.usage.llm_calls
    assert second.usage.cached_tokens == first.usage.prompt_tokens + first.usage.completion_tokens


def fake_reply(messages: Sequence[Message], params: GenerationParams) -> str:
    return reply([{"role": m.role, "content": m.content} for m in messages], {"seed": params.seed})


WRITER = textwrap.dedent(
    """
    import sys, anyio
    from agentsstar.backends import GenerationParams, Message
    from agentsstar.backends.scripted import ScriptedBackend
    from agentsstar.cache import ModelCache
    from agentsstar.model import Model

    async def main():
        model = Model(ScriptedBackend(lambda m, p: "x" * 5000), cache=ModelCache(sys.argv[1]))
        i = 0
        while True:
            await model.chat([Message("user", str(i))], GenerationParams(seed=i))
            if i == 20:
                print("writing", flush=True)
            i += 1

    anyio.run(main)
    """
)


def test_kill_9_while_writing_leaves_a_usable_cache(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "writing"
        time.sleep(0.3)  # mid-stream: writes are landing continuously
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    cache = ModelCache(path)  # opens: quick_check passes
    stored = len(cache)
    assert stored > 20
    # Every stored reply is whole, and the cache still takes new ones.
    db = sqlite3.connect(path)
    assert {len(t) for (t,) in db.execute("SELECT text FROM replies")} == {5000}
    db.close()


def test_a_corrupt_file_is_an_error_not_a_miss(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(CacheError, match=r"c\.sqlite: not a usable model cache"):
        ModelCache(path)


async def test_a_locked_file_is_an_error_not_a_miss(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    cache = ModelCache(path, busy_timeout=0.2)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        model = Model(counting_backend(), cache=cache)
        with pytest.raises(CacheError, match="c.sqlite: cannot (read|write) the model cache"):
            await model.chat(ASK, GenerationParams(seed=1))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
