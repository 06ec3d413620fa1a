"""End-to-end ``agentsstar run`` on every example with the embedded default model.

For each example: wall time of the whole command (model load included), whether the
selected program passed the private tests, and tokens by stage (sampling, revision,
selection). Defaults are the CLI's (for ``local``: 4 samples, 2 rounds).

    python bench/bench_e2e_local.py [--examples examples] [--only NAME ...] [-- extra run flags]

To compare two versions of agentsstar, run it once with ``PYTHONPATH`` pointing at each
checkout (the ``agentsstar run`` subprocesses inherit it); the median wall time and the
total are printed last.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", default="examples")
    ap.add_argument("--only", action="append", help="only this example (repeatable)")
    ap.add_argument("extra", nargs="*", help="extra flags for agentsstar run")
    args = ap.parse_args()
    rows = []
    problems = sorted(Path(args.examples).glob("*.json"))
    if args.only:
        problems = [p for p in problems if p.stem in set(args.only)]
    for problem in problems:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "r.json"
            start = time.perf_counter()
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "agentsstar",
                    "run",
                    str(problem),
                    "--out",
                    str(out),
                    *args.extra,
                ],
                capture_output=True,
                text=True,
            )
            wall = time.perf_counter() - start
            if not out.exists():
                rows.append(
                    {"problem": problem.stem, "error": proc.stderr.strip().splitlines()[-1:]}
                )
                continue
            data = json.loads(out.read_text())
        stages = data["usage"]["by_stage"]
        rows.append(
            {
                "problem": problem.stem,
                "wall_s": round(wall, 1),
                "private": f"{data['private']['passed']}/{data['private']['total']}",
                "calls": data["usage"]["llm_calls"],
                **{
                    f"{s}_tokens": stages.get(s, {}).get("prompt_tokens", 0)
                    + stages.get(s, {}).get("completion_tokens", 0)
                    for s in ("sampling", "revision", "selection")
                },
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    print("| problem | wall s | private | calls | sampling tok | revision tok | selection tok |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        if "error" in r:
            print(f"| {r['problem']} | error: {r['error']} | | | | | |")
        else:
            print(
                f"| {r['problem']} | {r['wall_s']} | {r['private']} | {r['calls']} | "
                f"{r['sampling_tokens']} | {r['revision_tokens']} | {r['selection_tokens']} |"
            )
    walls = [r["wall_s"] for r in rows if "wall_s" in r]
    if walls:
        print(f"median {statistics.median(walls):.1f} s, total {sum(walls):.1f} s")


if __name__ == "__main__":
    main()
