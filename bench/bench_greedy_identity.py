"""Does the batching engine decode greedily as llama-cpp-python's own ``Llama`` does?

The same greedy chat requests (the sampling prompts of HumanEval/0..N-1) go to
``Llama.create_chat_completion`` one at a time, to the batching engine one at a time,
and to the engine all at once (``--parallel`` in flight); the replies are compared.

    agentsstar import humaneval builtin /tmp/he
    python bench/bench_greedy_identity.py /tmp/he --problems 20 --parallel 8

One at a time the engine must give the very same text. Batched, llama.cpp's matrix
kernels add in another order for another batch shape, so a greedy path may part
where two tokens' scores are nearly equal: the script says where.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from agentsstar import prompts
from agentsstar.backends.base import GenerationParams
from agentsstar.backends.llama_local import LlamaLocalBackend, import_llama_cpp
from agentsstar.backends.local_models import resolve_model
from agentsstar.problem import Problem, load_problem

GREEDY = GenerationParams(temperature=0.0, max_tokens=768, seed=0)


def plain(path: Path, requests: list[list[dict[str, str]]]) -> list[str]:
    # flash attention as the engine has it by default, so the kernels are the same.
    llama = import_llama_cpp().Llama(
        model_path=str(path), n_ctx=4096, n_threads=2, flash_attn=True, verbose=False
    )
    out = []
    for messages in requests:
        reply = llama.create_chat_completion(
            messages=messages, temperature=0.0, max_tokens=768, seed=0
        )
        out.append(reply["choices"][0]["message"]["content"] or "")
    return out


async def engine(path: Path, problems: list[Problem], parallel: int, together: bool) -> list[str]:
    backend = LlamaLocalBackend(path, n_parallel=parallel)
    msgs = [prompts.sample_messages(p) for p in problems]
    try:
        if together:
            replies = await asyncio.gather(*(backend.complete(m, GREEDY) for m in msgs))
        else:
            replies = [await backend.complete(m, GREEDY) for m in msgs]
    finally:
        await backend.aclose()
    return [r.text for r in replies]


def parted(a: str, b: str) -> int:
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bench", type=Path)
    parser.add_argument("--problems", type=int, default=20)
    parser.add_argument("--parallel", type=int, default=8)
    args = parser.parse_args()
    problems = [load_problem(args.bench / f"HumanEval-{i}.json") for i in range(args.problems)]
    path = resolve_model()
    requests = [
        [{"role": m.role, "content": m.content} for m in prompts.sample_messages(p)]
        for p in problems
    ]
    reference = plain(path, requests)
    for label, together in (
        ("engine, one at a time", False),
        (f"engine, {args.parallel} in flight", True),
    ):
        got = asyncio.run(engine(path, problems, args.parallel, together))
        same = sum(a == b for a, b in zip(reference, got, strict=True))
        print(f"{label}: {same}/{len(problems)} replies identical to Llama's")
        for p, a, b in zip(problems, reference, got, strict=True):
            if a != b:
                print(f"  {p.id}: parts at character {parted(a, b)} of {len(a)}")


if __name__ == "__main__":
    main()
