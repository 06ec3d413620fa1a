"""Adaptive sampling: tokens saved against pass@1 lost (docs/benchmarks.md).

Two evals over the same problems share one model-call cache: the full run draws all
N samples; the adaptive run (``--adaptive``) draws in waves and stops at a clear
winner. Sample i keeps its seed either way, so the adaptive run's samples are a prefix
of the full run's and come from the cache: it costs no model time, and its tokens are
counted as what those samples cost when they were made. Selection is majority voting
on mutated public inputs (no model call), so every token is a sampling token.

    agentsstar import humaneval builtin /tmp/he
    python bench/bench_adaptive.py /tmp/he --limit 20 -n 8 --run-dir /tmp/adaptive
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any


def eval_arm(bench: str, run_dir: Path, cache: Path, args: argparse.Namespace, *extra: str) -> None:
    resume = ["--resume", str(run_dir)] if run_dir.exists() else ["--run-dir", str(run_dir)]
    cmd = [
        sys.executable, "-m", "agentsstar", "eval", bench, *resume,
        "--limit", str(args.limit), "-n", str(args.n), "-j", "1",
        "--revision", "none", "--selection", "majority",
        "-p", 'selection.sources=["mutation"]', "--cache", str(cache), *extra,
    ]  # fmt: skip
    print("$", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True)


def results(run_dir: Path) -> dict[str, dict[str, Any]]:
    out = {}
    for line in (run_dir / "results.jsonl").read_text().splitlines():
        row = json.loads(line)
        out[row["id"]] = row
    return out


def tokens(row: dict[str, Any]) -> int:
    u = row["usage"]
    return int(u["prompt_tokens"] + u["completion_tokens"] + u.get("cached_tokens", 0))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bench")
    ap.add_argument("--limit", type=int, default=20)
    ap.add_argument("-n", type=int, default=8)
    ap.add_argument("--run-dir", type=Path, required=True)
    args = ap.parse_args()
    cache = args.run_dir / "cache.sqlite"
    args.run_dir.mkdir(parents=True, exist_ok=True)
    eval_arm(args.bench, args.run_dir / "full", cache, args)
    eval_arm(args.bench, args.run_dir / "adaptive", cache, args, "--adaptive")
    full, adaptive = results(args.run_dir / "full"), results(args.run_dir / "adaptive")
    ids = sorted(set(full) & set(adaptive))
    print("| problem | full: samples, tokens, pass | adaptive: samples, tokens, pass |")
    print("|---|---|---|")
    for i in ids:
        f, a = full[i], adaptive[i]
        print(
            f"| {i} | {f['candidates']}, {tokens(f):,}, {f['passed']} | "
            f"{a['candidates']}, {tokens(a):,}, {a['passed']} |"
        )
    tf = sum(tokens(full[i]) for i in ids)
    ta = sum(tokens(adaptive[i]) for i in ids)
    pf = sum(bool(full[i]["passed"]) for i in ids)
    pa = sum(bool(adaptive[i]["passed"]) for i in ids)
    print(
        f"\n{len(ids)} problems: tokens {tf:,} -> {ta:,} ({100 * (1 - ta / tf):.0f}% saved); "
        f"pass@1 {pf}/{len(ids)} -> {pa}/{len(ids)}; samples per problem "
        f"{statistics.fmean(full[i]['candidates'] for i in ids):.1f} -> "
        f"{statistics.fmean(adaptive[i]['candidates'] for i in ids):.1f}"
    )


if __name__ == "__main__":
    main()
