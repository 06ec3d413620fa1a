"""Throughput of the embedded local backend with continuous batching (docs/benchmarks.md).

Measures, through ``LlamaLocalBackend`` exactly as the pipeline calls it:

- decode: C requests in flight at once (C = 1, 2, 4, 8), each a different short
  prompt answered with up to ``--max-tokens`` tokens (temperature 0.7, own seed);
  aggregate completion tokens / wall seconds, and its ratio to C = 1 (one at a time);
- the same one-at-a-time figure through a bare ``llama_cpp.Llama`` (the unbatched
  backend's engine), for comparison;
- prompt processing: 4 requests of a ~1000-token prompt with ``max_tokens=1``, once
  with the whole prompt shared (siblings: evaluated once) and once with every prompt
  different from its first token; prompt tokens served / seconds, and tokens evaluated;
- peak RSS of the process.

Every request starts with a fresh nonce (except the shared-prompt siblings) so no
cache can skip work. Figures are medians over ``--runs``.

    python bench/bench_local_model.py                      # default model (0.5B)
    python bench/bench_local_model.py --model local:smollm2-135m --runs 3
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import anyio

from agentsstar.backends import parse_spec
from agentsstar.backends.base import Completion, GenerationParams, Message
from agentsstar.backends.llama_local import LlamaLocalBackend, import_llama_cpp, usable_cpus
from agentsstar.backends.local_models import DEFAULT_MODEL, resolve_model

CODE_LINE = "    total = total + values[index] * weights[index]  # accumulate the weighted sum\n"
DECODE_ASK = (
    "Write a complete, well-commented Python module implementing a binary search tree "
    "with insert, delete, search, in-order traversal and a small test at the end."
)
LEVELS = (1, 2, 4, 8)


def _nonce() -> str:
    return f"[request {uuid.uuid4().hex[:8]}]"


def long_prompt(nonce: str) -> list[Message]:
    body = "def weighted(values, weights):\n    total = 0\n" + CODE_LINE * 55
    return [
        Message("system", f"{nonce} You are a careful Python reviewer."),
        Message("user", f"Review this function and name one bug:\n```python\n{body}```"),
    ]


def short_prompt() -> list[Message]:
    return [Message("user", f"{_nonce()} {DECODE_ASK}")]


async def in_flight(
    backend: LlamaLocalBackend, jobs: list[tuple[list[Message], GenerationParams]]
) -> tuple[float, list[Completion]]:
    """Wall seconds for all ``jobs`` sent at once, and their completions."""
    out: list[Completion] = []

    async def one(job: tuple[list[Message], GenerationParams]) -> None:
        out.append(await backend.complete(*job))

    start = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for job in jobs:
            tg.start_soon(one, job)
    return time.perf_counter() - start, out


async def decode_rate(backend: LlamaLocalBackend, level: int, max_tokens: int) -> float:
    jobs = [
        (short_prompt(), GenerationParams(temperature=0.7, max_tokens=max_tokens, seed=i))
        for i in range(level)
    ]
    seconds, done = await in_flight(backend, jobs)
    return sum(c.completion_tokens for c in done) / seconds


async def prompt_rate(backend: LlamaLocalBackend, shared: bool) -> tuple[float, int]:
    """Prompt tokens served per second for 4 requests, and how many were evaluated."""
    assert backend.stats is not None
    nonce = _nonce()
    prompts = [long_prompt(nonce if shared else _nonce()) for _ in range(4)]
    before = backend.stats.prompt_evaluated
    seconds, done = await in_flight(
        backend, [(p, GenerationParams(temperature=0.0, max_tokens=1)) for p in prompts]
    )
    return sum(c.prompt_tokens for c in done) / seconds, backend.stats.prompt_evaluated - before


def bare_decode_rate(path: Path, n_ctx: int, threads: int, max_tokens: int) -> float:
    """One request at a time through ``llama_cpp.Llama`` (what the unbatched backend ran)."""
    llama: Any = import_llama_cpp().Llama(
        model_path=str(path), n_ctx=n_ctx, n_threads=threads, verbose=False
    )
    try:
        start = time.perf_counter()
        out: Any = llama.create_chat_completion(
            messages=[{"role": m.role, "content": m.content} for m in short_prompt()],
            temperature=0.7,
            max_tokens=max_tokens,
            seed=0,
        )
        return int(out["usage"]["completion_tokens"]) / (time.perf_counter() - start)
    finally:
        llama.close()


async def bench(
    spec: str, runs: int, max_tokens: int, n_ctx: int, raw: bool, flash_attn: bool
) -> None:
    kind, name = parse_spec(spec)
    if kind != "local":
        raise SystemExit("this benchmark measures the embedded backend: use --model local[:NAME]")
    path = await anyio.to_thread.run_sync(resolve_model, name or DEFAULT_MODEL)
    threads = usable_cpus()
    backend = LlamaLocalBackend(
        path,
        name=f"local:{name or DEFAULT_MODEL}",
        n_ctx=n_ctx,
        n_parallel=max(LEVELS),
        flash_attn=flash_attn,
    )
    start = time.perf_counter()
    await backend.load()
    load_s = time.perf_counter() - start
    await decode_rate(backend, 1, 8)  # warm-up: first-call allocations

    rates: dict[int, list[float]] = {level: [] for level in LEVELS}
    bare: list[float] = []
    pp: dict[bool, list[tuple[float, int]]] = {True: [], False: []}
    # Interleaved, so every figure sees the same (shared) machine load.
    for _ in range(runs):
        for level in LEVELS:
            rates[level].append(await decode_rate(backend, level, max_tokens))
            print(f"  {level} in flight: {rates[level][-1]:.1f} tokens/s", flush=True)
        if raw:
            bare.append(
                await anyio.to_thread.run_sync(bare_decode_rate, path, n_ctx, threads, max_tokens)
            )
            print(f"  bare Llama: {bare[-1]:.1f} tokens/s", flush=True)
        for shared in (True, False):
            pp[shared].append(await prompt_rate(backend, shared))
            print(f"  prompt (shared={shared}): {pp[shared][-1][0]:.0f} tokens/s", flush=True)
    await backend.aclose()
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024

    one = statistics.median(rates[1])
    print(f"model            {backend.name}  ({path.name}, {path.stat().st_size:,} bytes)")
    print(
        f"threads          {threads}    n_ctx {n_ctx}    runs {runs}    load {load_s:.2f} s"
        f"    flash attention {'on' if flash_attn else 'off'}"
    )
    print("in flight | aggregate decode tokens/s (median) | vs one at a time | runs")
    for level in LEVELS:
        med = statistics.median(rates[level])
        runs_s = ", ".join(f"{r:.1f}" for r in rates[level])
        print(f"{level:9d} | {med:34.1f} | {med / one:15.2f}x | {runs_s}")
    if bare:
        print(
            f"bare Llama, one at a time: {statistics.median(bare):.1f} tokens/s "
            f"(runs: {', '.join(f'{r:.1f}' for r in bare)})"
        )
    for shared, label in ((True, "shared prompt"), (False, "distinct prompts")):
        rate = statistics.median(r for r, _ in pp[shared])
        evaluated = statistics.median(n for _, n in pp[shared])
        print(
            f"prompt, 4 x ~1000 tokens, {label:16s}: {rate:.0f} prompt tokens/s served, "
            f"{evaluated:.0f} tokens evaluated"
        )
    print(f"peak RSS         {rss_gb:.2f} GB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="local", help="local or local:NAME (default: local)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--n-ctx", type=int, default=2048)
    parser.add_argument("--no-raw", action="store_true", help="skip the bare llama_cpp figure")
    parser.add_argument(
        "--no-flash-attn", action="store_true", help="the engine without flash attention"
    )
    args = parser.parse_args()
    anyio.run(
        bench,
        args.model,
        args.runs,
        args.max_tokens,
        args.n_ctx,
        not args.no_raw,
        not args.no_flash_attn,
    )


if __name__ == "__main__":
    main()
