"""Pipeline concurrency: wall time of one S* run against its critical path.

A local OpenAI-compatible server (``FakeOpenAIServer``, real HTTP on 127.0.0.1)
answers every request after a fixed delay. The scripted candidates need 0–3 debug
rounds and behave four different ways, so the run uses every stage: 16 samples,
3 revision rounds, input synthesis and a knockout between 4 clusters. The critical
path is the longest chain of dependent model calls × the delay:

    1 (sample) + 3 (revisions) + 1 (inputs) + 2 rounds × (distinguish + judge) = 9

A pipeline that ran calls one after another would take ~16 + 24 + ... calls × delay.

    python bench/bench_pipeline.py [--delay 1.0] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import time
from typing import Any

import anyio

from agentsstar.backends.openai_compat import OpenAICompatBackend
from agentsstar.model import Model
from agentsstar.pipeline import solve
from agentsstar.problem import Problem
from agentsstar.records import Result
from agentsstar.sandboxes.local import LocalSandbox
from agentsstar.strategies.revision.self_debug import SelfDebug
from agentsstar.strategies.sampling.temperature import TemperatureSampling
from agentsstar.strategies.selection.sstar import SStarSelection
from agentsstar.testing.openai_server import FakeOpenAIServer

VARIANTS = [
    "return len(set(xs))",
    "return len(xs)",
    "return len(set(xs)) + (1 if xs.count(2) == 2 else 0)",
    "return max(len(set(xs)), 1) if not xs else len(set(xs))",
]

PROBLEM = Problem(
    id="distinct",
    prompt="Return how many distinct integers the list xs holds.",
    kind="function",
    entry_point="count_distinct",
    starter_code="def count_distinct(xs: list[int]) -> int:\n",
    public_tests=[{"input": [[1, 2, 3]], "output": 3}, {"input": [[4]], "output": 1}],
    private_tests=[{"input": [[1, 1, 2]], "output": 2}],
)


def program(variant: int, bugs: int) -> str:
    body = "return -1" if bugs else VARIANTS[variant]
    return f"def count_distinct(xs):\n    # variant={variant} bugs={bugs}\n    {body}\n"


def reply(messages: list[dict[str, Any]], body: dict[str, Any]) -> str:
    text = messages[-1]["content"]
    if "Both programs were executed" in text:
        a = text.split("Program A:", 1)[1].split("Program B:", 1)[0]
        return "Answer: A" if "variant=0" in a else "Answer: B"
    if "different outputs" in text:
        return "```json\n[[[2, 2, 2]], [[1, 2, 2, 3]]]\n```"
    if "INPUTS" in text:
        return "```json\n[[[1, 1]], [[]], [[1, 2, 2]]]\n```"
    if "public tests" in text:
        prev = [m["content"] for m in messages if m["role"] == "assistant"][-1]
        m = re.search(r"variant=(\d) bugs=(\d)", prev)
        assert m is not None
        return f"```python\n{program(int(m[1]), max(0, int(m[2]) - 1))}```"
    seed = int(body.get("seed") or 0)
    return f"```python\n{program((seed // 4) % 4, seed % 4)}```"


def critical_calls(result: Result) -> int:
    rounds = max(len(c.attempts) - 1 for c in result.candidates)
    sel = result.selection
    assert sel is not None
    clusters = min(len(sel.clusters), 8)
    knockout_rounds = math.ceil(math.log2(clusters)) if clusters > 1 else 0
    return 1 + rounds + (1 if sel.inputs or sel.discarded_inputs else 0) + 2 * knockout_rounds


async def once(base_url: str) -> tuple[float, Result]:
    model = Model(OpenAICompatBackend("fake-model", base_url=base_url), max_concurrency=64)
    sandbox = LocalSandbox()
    try:
        start = time.perf_counter()
        result = await solve(
            PROBLEM,
            model=model,
            sandbox=sandbox,
            sampling=TemperatureSampling(n=16),
            revision=SelfDebug(rounds=3),
            selection=SStarSelection(),
        )
        return time.perf_counter() - start, result
    finally:
        await sandbox.aclose()
        await model.aclose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--delay", type=float, default=1.0)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    walls: list[float] = []
    with FakeOpenAIServer(reply=reply, delay=args.delay) as srv:
        for _ in range(args.repeats):
            wall, result = anyio.run(once, srv.base_url)
            walls.append(wall)
    calls = critical_calls(result)
    critical = calls * args.delay
    med = statistics.median(walls)
    sel = result.selection
    assert sel is not None
    print(
        json.dumps(
            {
                "delay_s": args.delay,
                "llm_calls": result.usage.llm_calls,
                "critical_path_calls": calls,
                "critical_path_s": critical,
                "wall_s_runs": [round(w, 3) for w in walls],
                "wall_s_median": round(med, 3),
                "ratio_median": round(med / critical, 3),
                "sequential_estimate_s": result.usage.llm_calls * args.delay,
                "clusters": len(sel.clusters),
                "selected_private_ok": bool(result.private and result.private.accepted),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
