"""Tokens/s of the embedded local backend, single stream (docs/benchmarks.md, local-model).

Measures, through ``LlamaLocalBackend`` exactly as the pipeline calls it:

- prompt processing: a ~1000-token prompt with ``max_tokens=1``; tokens / seconds;
- decode: the same short prompt answered with ``max_tokens=1`` and with ``max_tokens=N``
  (greedy); (extra tokens) / (extra seconds), so prompt time cancels out;
- the same decode figure through a bare ``llama_cpp.Llama`` call, to show what the
  backend's machinery (worker thread, lock, cancellation hook) costs.

Every request starts with a fresh nonce so llama.cpp's prefix cache cannot skip work.
Figures are medians over ``--runs``.

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


def _nonce() -> str:
    return f"[request {uuid.uuid4().hex[:8]}]"


def long_prompt() -> list[Message]:
    body = "def weighted(values, weights):\n    total = 0\n" + CODE_LINE * 55
    return [
        Message("system", f"{_nonce()} You are a careful Python reviewer."),
        Message("user", f"Review this function and name one bug:\n```python\n{body}```"),
    ]


def short_prompt() -> list[Message]:
    return [Message("user", f"{_nonce()} {DECODE_ASK}")]


async def timed(
    backend: LlamaLocalBackend, messages: list[Message], max_tokens: int
) -> tuple[float, Completion]:
    params = GenerationParams(temperature=0.0, max_tokens=max_tokens, seed=0)
    start = time.perf_counter()
    completion = await backend.complete(messages, params)
    return time.perf_counter() - start, completion


class BareLlama:
    """The same decode measurement through ``llama_cpp.Llama`` directly (no backend)."""

    def __init__(self, path: Path, n_ctx: int, n_threads: int) -> None:
        llama_cpp = import_llama_cpp()
        self.llama = llama_cpp.Llama(
            model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, verbose=False
        )

    def call(self, messages: list[Message], max_tokens: int) -> tuple[float, int]:
        start = time.perf_counter()
        out: Any = self.llama.create_chat_completion(
            messages=[{"role": m.role, "content": m.content} for m in messages],
            temperature=0.0,
            max_tokens=max_tokens,
            seed=0,
        )
        return time.perf_counter() - start, int(out["usage"]["completion_tokens"])

    def decode_rate(self, max_tokens: int) -> float:
        t1, _ = self.call(short_prompt(), 1)
        tn, produced = self.call(short_prompt(), max_tokens)
        return (produced - 1) / (tn - t1)


async def bench(spec: str, runs: int, max_tokens: int, n_ctx: int, raw: bool) -> None:
    kind, name = parse_spec(spec)
    if kind != "local":
        raise SystemExit("this benchmark measures the embedded backend: use --model local[:NAME]")
    start = time.perf_counter()
    path = await anyio.to_thread.run_sync(resolve_model, name or DEFAULT_MODEL)
    resolve_s = time.perf_counter() - start
    threads = usable_cpus()
    backend = LlamaLocalBackend(path, name=f"local:{name or DEFAULT_MODEL}", n_ctx=n_ctx)
    start = time.perf_counter()
    await backend.load()
    load_s = time.perf_counter() - start
    await timed(backend, short_prompt(), 8)  # warm-up: first-call allocations

    bare = BareLlama(path, n_ctx, threads) if raw else None
    pp_rates, decode_rates, bare_rates, produced = [], [], [], []
    # Interleaved, so the backend and the bare figures see the same machine load.
    for _ in range(runs):
        t_pp, c_pp = await timed(backend, long_prompt(), 1)
        pp_rates.append(c_pp.prompt_tokens / t_pp)
        t1, _ = await timed(backend, short_prompt(), 1)
        tn, cn = await timed(backend, short_prompt(), max_tokens)
        decode_rates.append((cn.completion_tokens - 1) / (tn - t1))
        produced.append(cn.completion_tokens)
        if bare is not None:
            bare_rates.append(bare.decode_rate(max_tokens))
    await backend.aclose()
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024

    print(f"model            {backend.name}  ({path.name}, {path.stat().st_size:,} bytes)")
    print(f"threads          {threads}    n_ctx {n_ctx}    runs {runs}")
    print(f"resolve          {resolve_s:.2f} s (cache hit or assembly)    load {load_s:.2f} s")
    print(
        f"prompt           {statistics.median(pp_rates):.0f} tokens/s "
        f"(median; {c_pp.prompt_tokens} prompt tokens; runs: "
        + ", ".join(f"{r:.0f}" for r in pp_rates)
        + ")"
    )
    print(
        f"decode           {statistics.median(decode_rates):.1f} tokens/s "
        f"(median; ~{statistics.median(produced):.0f} tokens a reply; runs: "
        + ", ".join(f"{r:.1f}" for r in decode_rates)
        + ")"
    )
    if bare_rates:
        print(
            f"decode, bare     {statistics.median(bare_rates):.1f} tokens/s "
            "(llama_cpp.Llama directly; runs: " + ", ".join(f"{r:.1f}" for r in bare_rates) + ")"
        )
    print(f"peak RSS         {rss_gb:.2f} GB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="local", help="local or local:NAME (default: local)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--n-ctx", type=int, default=4096)
    parser.add_argument("--no-raw", action="store_true", help="skip the bare llama_cpp figure")
    args = parser.parse_args()
    anyio.run(bench, args.model, args.runs, args.max_tokens, args.n_ctx, not args.no_raw)


if __name__ == "__main__":
    main()
