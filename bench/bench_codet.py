"""How many usable tests one ``codet`` call yields (docs/benchmarks.md, "codet's tests").

One call per problem, as ``codet`` makes it (``prompts.codet_messages``, temperature
0.7, the reply read by ``CodeTSelection.parse_tests``), on the embedded model. It measures
whatever ``agentsstar`` is on ``PYTHONPATH``, so the same script compares two checkouts:

    agentsstar import humaneval builtin /tmp/he
    python bench/bench_codet.py /tmp/he --limit 40 --out codet-after.jsonl
    git worktree add --detach /tmp/before <commit>
    (cd /tmp && PYTHONPATH=/tmp/before python /work/main/bench/bench_codet.py /tmp/he --limit 40 --out codet-before.jsonl)
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

import anyio

from agentsstar import prompts
from agentsstar.backends.base import GenerationParams
from agentsstar.backends.llama_local import LlamaLocalBackend
from agentsstar.backends.local_models import DEFAULT_MODEL, resolve_model
from agentsstar.concurrency import map_all
from agentsstar.problem import Problem, load_problems
from agentsstar.strategies.selection.codet import CodeTSelection

TESTS = 10  # codet's default num_tests


async def main(bench: Path, limit: int, model: str) -> list[dict[str, Any]]:
    problems = sorted(load_problems(bench), key=lambda p: (len(p.id), p.id))[:limit]
    backend = LlamaLocalBackend(resolve_model(model))
    codet = CodeTSelection(num_tests=TESTS)

    async def one(problem: Problem) -> dict[str, Any]:
        public = problem.public()
        reply = await backend.complete(
            prompts.codet_messages(public, TESTS),
            GenerationParams(temperature=0.7, max_tokens=768, seed=90_000),
        )
        tests, report = codet.parse_tests(public, reply.text)
        reasons = [reason for _, reason in report.dropped]
        return {"id": problem.id, "tests": len(tests), "dropped": reasons, "reply": reply.text}

    try:
        return await map_all(one, problems)
    finally:
        await backend.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bench", type=Path, help="a directory of problem files")
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rows = anyio.run(main, args.bench, args.limit, args.model)
    args.out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    counts = [r["tests"] for r in rows]
    some = sum(c > 0 for c in counts)
    print(
        f"{len(rows)} calls: {some} with a usable test ({100 * some / len(rows):.0f}%), "
        f"mean {statistics.mean(counts):.1f} usable tests a call"
    )
    drops: dict[str, int] = {}
    for r in rows:
        for reason in r["dropped"]:
            drops[reason] = drops.get(reason, 0) + 1
    print("dropped:", dict(sorted(drops.items(), key=lambda kv: -kv[1])))
