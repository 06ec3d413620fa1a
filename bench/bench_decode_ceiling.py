"""What batching can give on this machine at all: bare ``llama_decode`` steps with k
sequences decoding one token each, with no Python engine, sampling or chat around them
(docs/benchmarks.md, "Embedded model: continuous batching").

Each of k sequences first holds its own prompt of ``--context`` tokens; then
``--steps`` decode steps each add one token to every one of the k sequences, with
logits kept for each (as the engine keeps them, to sample). Tokens per second of the
steps and the ratio to k = 1 are the ceiling for the engine's aggregate decode at k
requests in flight. Rounds interleave the values of k, so each sees the same load.

    python bench/bench_decode_ceiling.py                      # the default 0.5B model
    python bench/bench_decode_ceiling.py --flash-attn         # llama.cpp's flash attention
"""

from __future__ import annotations

import argparse
import statistics
import time

from agentsstar.backends._batching_llama import NativeModel
from agentsstar.backends.llama_local import import_llama_cpp, usable_cpus
from agentsstar.backends.local_models import DEFAULT_MODEL, resolve_model

LEVELS = (1, 2, 4, 8)


def step_rate(native: NativeModel, k: int, context: int, steps: int, token: int) -> float:
    """Decode tokens per second for k sequences, after a ``context``-token prompt each."""
    native.clear()
    for seq in range(k):  # distinct prompts: a different first token per sequence
        prompt = [token + 1 + seq] + [token] * (context - 1)
        for start in range(0, context, native.n_batch):
            chunk = prompt[start : start + native.n_batch]
            native.decode([(t, start + i, [seq], False) for i, t in enumerate(chunk)])
    began = time.perf_counter()
    for step in range(steps):
        native.decode([(token, context + step, [seq], True) for seq in range(k)])
    return k * steps / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL, help="a known local model or a path")
    parser.add_argument("--context", type=int, default=256, help="prompt tokens per sequence")
    parser.add_argument("--steps", type=int, default=48)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=usable_cpus())
    parser.add_argument("--flash-attn", action="store_true")
    args = parser.parse_args()
    llama_cpp = import_llama_cpp()
    native = NativeModel(
        llama_cpp,
        resolve_model(args.model),
        kv_size=max(LEVELS) * (args.context + args.steps) + 64,
        n_batch=512,
        n_seq=max(LEVELS),
        n_threads=args.threads,
        chat_format=None,
        flash_attn=args.flash_attn,
    )
    token = 1000
    rates: dict[int, list[float]] = {k: [] for k in LEVELS}
    try:
        for _ in range(args.rounds):
            for k in LEVELS:
                rates[k].append(step_rate(native, k, args.context, args.steps, token))
    finally:
        native.close()
    base = statistics.median(rates[1])
    print(
        f"model {args.model}, {args.threads} threads, {args.context}-token contexts, "
        f"flash attention {'on' if args.flash_attn else 'off'}"
    )
    print("| sequences | decode tokens/s, median | vs 1 | rounds |")
    print("|---|---|---|---|")
    for k in LEVELS:
        med = statistics.median(rates[k])
        runs = ", ".join(f"{r:.1f}" for r in rates[k])
        print(f"| {k} | {med:.1f} | {med / base:.2f}× | {runs} |")


if __name__ == "__main__":
    main()
