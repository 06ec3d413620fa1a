"""Four arms in one eval against four separate evals: model requests and wall time
(docs/benchmarks.md, "Four arms in one eval").

The model is the deterministic fake of the CLI tests (``tests/cli/fake_model.py``),
served over real HTTP on 127.0.0.1 by ``FakeOpenAIServer`` with a fixed delay per
request, so wall time reflects requests waited on, not this machine's load. The
problems are ``examples/``. Both ways run the same four presets with the same flags
through the real command line:

- one eval: ``agentsstar eval examples --preset zero-shot --preset self-debug
  --preset majority --preset sstar -n N`` (one run directory, one cache);
- four evals: one ``agentsstar eval examples --preset P -n N`` per preset, each with
  its own run directory and cache.

    python bench/bench_arms.py                   # delay 0.2 s, N = 4, 3 rounds
    python bench/bench_arms.py --delay 0.5 --rounds 1
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from agentsstar.testing.openai_server import FakeOpenAIServer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "cli"))
from fake_model import reply  # noqa: E402

PRESETS = ("zero-shot", "self-debug", "majority", "sstar")
SAMPLING = ("majority", "sstar")  # the presets whose sampling takes -n


def eval_(server: FakeOpenAIServer, run_dir: Path, presets: tuple[str, ...], n: int) -> float:
    """Wall seconds of one ``agentsstar eval`` over the examples."""
    arms = [a for p in presets for a in ("--preset", p)]
    if any(p in SAMPLING for p in presets):
        arms += ["-n", str(n)]
    model = ["--model", "openai:fake-model", "--base-url", server.base_url]
    where = ["-j", "2", "--run-dir", str(run_dir)]
    command = [sys.executable, "-m", "agentsstar", "eval", str(ROOT / "examples")]
    began = time.perf_counter()
    subprocess.run(
        [*command, *arms, *where, *model],
        check=True,
        capture_output=True,
        env={**os.environ, "OPENAI_API_KEY": "sk-fake"},
    )
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delay", type=float, default=0.2, help="seconds per model request")
    parser.add_argument("-n", type=int, default=4, help="samples per problem")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    together: list[tuple[float, int]] = []
    apart: list[tuple[float, int]] = []
    per_arm: dict[str, list[int]] = {p: [] for p in PRESETS}
    with (
        FakeOpenAIServer(reply=reply, delay=args.delay) as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        for r in range(args.rounds):  # interleaved: each way sees the same load
            before = server.request_count
            seconds = eval_(server, Path(tmp) / f"one-{r}", PRESETS, args.n)
            together.append((seconds, server.request_count - before))
            total_s, total_req = 0.0, 0
            for preset in PRESETS:
                before = server.request_count
                total_s += eval_(server, Path(tmp) / f"{preset}-{r}", (preset,), args.n)
                per_arm[preset].append(server.request_count - before)
                total_req += per_arm[preset][-1]
            apart.append((total_s, total_req))
            print(f"round {r + 1}: one eval {together[-1]}, four evals {apart[-1]}", flush=True)
    print(f"6 problems, N = {args.n}, {args.delay} s a request, {args.rounds} rounds (medians)")
    print("| way | requests | wall |")
    print("|---|---|---|")
    for label, rows in (("one eval, four arms", together), ("four evals", apart)):
        secs = statistics.median(s for s, _ in rows)
        reqs = statistics.median(q for _, q in rows)
        print(f"| {label} | {reqs:.0f} | {secs:.1f} s |")
    for preset in PRESETS:
        print(f"| {preset} alone | {statistics.median(per_arm[preset]):.0f} | |")


if __name__ == "__main__":
    main()
