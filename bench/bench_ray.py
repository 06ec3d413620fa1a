"""Problems per minute with and without Ray on this machine.

    python bench/bench_ray.py [--repeats 3] [--delay 0.2] [-j 2]

The 13 stdin problems of the selection benchmark, answered by a scripted
OpenAI-compatible server on 127.0.0.1 (each reply after ``--delay`` seconds, like a
remote model), run by ``run_eval`` (one process) and by ``run_eval_on_ray`` on a local
Ray runtime with 2 workers. Ray's start-up is reported apart and not counted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import anyio

from agentsstar.config import build_config
from agentsstar.evaluation.runner import run_eval
from agentsstar.evaluation.store import RunStore
from agentsstar.problem import load_problem
from agentsstar.testing import FakeOpenAIServer

PROBLEMS = Path(__file__).parent / "selection" / "problems"


def make_reply() -> Any:
    programs = {
        load_problem(p).prompt[:60]: (p.parent / f"{p.stem}.right.py").read_text()
        for p in sorted(PROBLEMS.glob("*.json"))
    }

    def reply(messages: Sequence[dict[str, Any]], body: dict[str, Any]) -> str:
        text = messages[-1]["content"]
        for head, code in programs.items():
            if head in text:
                return f"```python\n{code}```"
        return "[]"

    return reply


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("-j", type=int, default=2)
    args = parser.parse_args()
    import ray

    from agentsstar.evaluation.ray_runner import run_eval_on_ray

    problems = [load_problem(p) for p in sorted(PROBLEMS.glob("*.json"))]
    from agentsstar.evaluation.ray_runner import connect

    t = time.perf_counter()
    connect("local", num_cpus=2)  # on loopback, as --ray local
    print(f"ray start-up: {time.perf_counter() - t:.1f} s", file=sys.stderr)
    rates: dict[str, list[float]] = {"local": [], "ray": []}
    with (
        FakeOpenAIServer(reply=make_reply(), delay=args.delay) as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        cfg = build_config(
            preset="majority",
            overrides={
                "model": "openai:fake",
                "base_url": server.base_url,
                "sampling": {"n": 4},
                "concurrency": args.j,
            },
        )
        for r in range(args.repeats):
            for mode in ("local", "ray"):  # interleaved, so drift hits both alike
                store = RunStore(Path(tmp) / f"{mode}-{r}")
                store.create({"run": cfg.model_dump(mode="json")})
                start = time.perf_counter()
                if mode == "local":
                    anyio.run(run_eval, problems, cfg, store)
                else:
                    anyio.run(
                        partial(run_eval_on_ray, problems, cfg, store, address="local", workers=2)
                    )
                minutes = (time.perf_counter() - start) / 60
                rates[mode].append(len(problems) / minutes)
                print(
                    f"{mode} repeat {r}: {len(problems) / minutes:.1f} problems/min",
                    file=sys.stderr,
                )
    ray.shutdown()
    local, on_ray = statistics.median(rates["local"]), statistics.median(rates["ray"])
    print(
        f"median problems/min: local {local:.1f}, ray {on_ray:.1f} (ray/local = {on_ray / local:.2f})"
    )


if __name__ == "__main__":
    main()
