"""pass@1 of every arm of an eval, split by whether each problem has public tests.

    python bench/by_public_tests.py bench/results/he-table BENCH_DIR [--only OTHER_DIR]

Public tests are what revision runs against and what S*'s mutation starts from, so a
problem without any leaves S* only model-written inputs. BENCH_DIR is the benchmark
the run was drawn from (the problem files say which problems have public tests);
``--only`` keeps the problems whose file is in OTHER_DIR (e.g. those a newer import
changed).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from agentsstar.evaluation.report import run_dirs
from agentsstar.evaluation.store import RunStore
from agentsstar.problem import load_problems


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("run", type=Path, help="a run directory, or an eval of several arms")
    parser.add_argument("bench", type=Path, help="the benchmark the run was drawn from")
    parser.add_argument("--only", type=Path, help="keep the problems with a file here")
    args = parser.parse_args()
    problems = load_problems(args.bench)
    if args.only is not None:
        keep = {p.id for p in load_problems(args.only)}
        problems = [p for p in problems if p.id in keep]
    has_tests = {p.id: bool(p.public_tests) for p in problems}
    print("| arm | with public tests | without |")
    print("|---|---|---|")
    for run in run_dirs([args.run]):
        cells = []
        records = RunStore(run).finished()
        for wanted in (True, False):
            scored = [
                r for i, r in records.items() if has_tests.get(i) is wanted and r.passed is not None
            ]
            right = sum(bool(r.passed) for r in scored)
            share = f"{100 * right / len(scored):.1f}% " if scored else ""
            cells.append(f"{share}({right}/{len(scored)})")
        print(f"| {run.name} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
