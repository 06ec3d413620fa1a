"""Selection alone, on fixed pools: which strategy picks a right program when the
pool that passes the public tests holds both right and wrong ones?

    # export HumanEval pools from an eval run made with score_candidates (any eval)
    python bench/bench_selection.py export runs/pools-he40 bench/selection/pools/humaneval.jsonl
    # compare the strategies (the selection model is any --model spec)
    python bench/bench_selection.py run --model local [--limit N] --out picks.jsonl

Pools are stored in the repository: ``bench/selection/pools/*.jsonl`` (HumanEval
samples of the embedded model, each program with its private verdict) and the
stdin problems of ``bench/selection/problems`` (pool = a right and a wrong program).
No sampling happens here, so every strategy sees exactly the same candidates.
Only *mixed* pools count: some public-passing program is right and some is wrong.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio

from agentsstar import registry
from agentsstar.config import ModelSpec, build_config, build_model
from agentsstar.context import Context, PrivateScorer
from agentsstar.evaluation.store import RunStore
from agentsstar.problem import Problem, load_problem
from agentsstar.records import Attempt, Candidate, Result
from agentsstar.sandboxes import LocalSandbox
from agentsstar.strategies.selection._inputs import pool as public_pool

HERE = Path(__file__).parent / "selection"
# (label, strategy, parameters): majority as published (model inputs only) and on the
# same grounded inputs as sstar, so the judge's contribution shows on its own.
STRATEGIES: list[tuple[str, str, dict[str, Any]]] = [
    ("sstar", "sstar", {}),
    ("sstar (model inputs only)", "sstar", {"sources": ["model"]}),
    # The A-or-B judge alone, without predicted outputs (S* as published).
    ("sstar (judge only)", "sstar", {"predict": 0}),
    ("majority", "majority", {}),
    ("majority (all sources)", "majority", {"sources": ["model", "generator", "mutation"]}),
    ("codet", "codet", {}),
    ("llm-judge", "llm-judge", {}),
    ("random", "random", {}),
    ("public", "public", {}),
    ("oracle", "oracle", {}),
]


@dataclass
class Pool:
    problem: Problem
    codes: list[str]
    right: list[bool]  # private verdict of each program


def export(run_dir: Path, out: Path) -> None:
    """Pools from an eval run: every candidate's final program and private verdict.

    The problem files go beside the pools (``OUT_DIR/problems``), where ``load_pools``
    looks for them once the pools are moved into ``bench/selection/pools``."""
    store = RunStore(run_dir)
    bench = Path(store.load_config()["bench"])
    problems_dir = out.parent / "problems"
    problems_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for rec in store.finished().values():
        if rec.candidates_passed is None:
            continue
        result = Result.model_validate_json(store.result_path(rec.id).read_text())
        if result.candidates_private is None:
            continue
        source = bench / f"{rec.id}.json"
        (problems_dir / source.name).write_text(source.read_text())
        rows.append(
            {
                "problem": source.name,
                "codes": [c.code for c in result.candidates],
                "right": result.candidates_private,
            }
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    print(f"wrote {len(rows)} pools to {out}")


def load_pools(limit: int | None) -> list[Pool]:
    pools: list[Pool] = []
    for path in sorted((HERE / "pools").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            problem = load_problem(_find(row["problem"]))
            pools.append(Pool(problem, row["codes"], row["right"]))
    for path in sorted((HERE / "problems").glob("*.json")):
        stem = path.name.removesuffix(".json")
        right = (path.parent / f"{stem}.right.py").read_text()
        wrong = (path.parent / f"{stem}.wrong.py").read_text()
        pools.append(Pool(load_problem(path), [right, wrong], [True, False]))
    return [_shuffled(p) for p in (pools[:limit] if limit else pools)]


def _shuffled(pool: Pool) -> Pool:
    """The pool in an order fixed by the problem id: a program's place must not tell
    whether it is right (tie-breaks and ``public`` prefer the first)."""
    order = list(range(len(pool.codes)))
    random.Random(pool.problem.id).shuffle(order)
    return Pool(pool.problem, [pool.codes[i] for i in order], [pool.right[i] for i in order])


def _find(name: str) -> Path:
    """A pool's problem file, kept beside the pools."""
    path = HERE / "pools" / "problems" / name
    if not path.exists():
        raise SystemExit(f"{path}: problem file not found")
    return path


async def candidates_for(ctx: Context, pool: Pool) -> list[Candidate]:
    out = []
    for i, code in enumerate(pool.codes):
        public = await ctx.run_public(code)
        out.append(
            Candidate(index=i, attempts=[Attempt(round=0, code=code, reply="", public=public)])
        )
    return out


def is_mixed(cands: list[Candidate], right: list[bool]) -> bool:
    pooled = public_pool(cands)
    verdicts = {right[c.index] for c in pooled}
    return verdicts == {True, False}


async def bench(
    model_spec: str,
    base_url: str | None,
    limit: int | None,
    seed: int,
    out: Path,
    only: list[str] | None = None,
    orders: int = 1,
) -> list[dict[str, Any]]:
    """Every strategy on every mixed pool; one line per (strategy, pool, order) appended to
    ``out`` as it finishes, so an interrupted run resumes where it stopped."""
    pools = load_pools(limit)
    done = {(r["strategy"], r["problem"], r.get("order", 0)) for r in _lines(out)}
    model = build_model(ModelSpec(model=model_spec, base_url=base_url))
    # The settings `agentsstar run` uses for this model (max_tokens 768 for local).
    gen = build_config(overrides={"model": model_spec}).generation()
    await model.warm()
    async with LocalSandbox() as box:
        # Each mixed pool in its fixed order, and with ``orders=2`` reversed too: a
        # pool run in both orders leaves no strategy a lucky place, since every
        # tie-break that prefers the first program gets each program first once.
        arranged = []
        for original in pools:
            for order in range(orders):
                pool = original
                if order:
                    pool = Pool(original.problem, original.codes[::-1], original.right[::-1])
                ctx = Context(problem=pool.problem.public(), model=model, sandbox=box, seed=seed)
                cands = await candidates_for(ctx, pool)
                if is_mixed(cands, pool.right):
                    arranged.append((order, pool, cands))
        print(f"{len(arranged)} mixed pools and orders of {len(pools)} pools", file=sys.stderr)
        # Pools outer, strategies inner: a run stopped early still compares every
        # strategy on the same pools.
        for order, pool, cands in arranged:
            for label, name, params in STRATEGIES:
                if (label, pool.problem.id, order) in done or (only and label not in only):
                    continue
                strategy = registry.make("selection", name, params)
                ctx = Context(
                    problem=pool.problem.public(),
                    model=model,
                    sandbox=box,
                    seed=seed,
                    params=gen,
                )
                chooser = (
                    ctx.with_private(PrivateScorer(box, pool.problem)) if name == "oracle" else ctx
                )
                t = time.perf_counter()
                record = await strategy.select(chooser, cands)
                usage = ctx.usage()
                line = {
                    "strategy": label,
                    "problem": pool.problem.id,
                    "order": order,
                    "selection_model": model_spec,
                    "right": record.selected is not None and pool.right[record.selected],
                    "calls": usage.llm_calls,
                    "tokens": usage.prompt_tokens + usage.completion_tokens,
                    "seconds": round(time.perf_counter() - t, 2),
                    "note": record.note,
                    # What decided it: each match's votes and reason, and how many
                    # clusters the inputs made.
                    "clusters": len(record.clusters),
                    "comparisons": [
                        {
                            "predictions": c.predictions,
                            "votes": c.votes,
                            "reason": c.reason,
                            "inputs": len(c.inputs),
                        }
                        for c in record.comparisons
                    ],
                }
                with out.open("a") as f:
                    f.write(json.dumps(line) + "\n")
    await model.aclose()
    return summarise(out)


def _lines(out: Path) -> list[dict[str, Any]]:
    if not out.exists():
        return []
    return [json.loads(x) for x in out.read_text().splitlines() if x.strip()]


def summarise(out: Path) -> list[dict[str, Any]]:
    """One row per strategy, in the order of ``STRATEGIES``, printed as a table."""
    lines = _lines(out)
    rows = []
    for label, _, _ in STRATEGIES:
        mine = [x for x in lines if x["strategy"] == label]
        if not mine:
            continue
        right = sum(x["right"] for x in mine)
        row = {
            "strategy": label,
            "selection_model": mine[0]["selection_model"],
            "mixed_pools": len(mine),
            "right": right,
            "right_pct": 100 * right / len(mine),
            "calls_per_problem": statistics.fmean(x["calls"] for x in mine),
            "tokens_per_problem": statistics.fmean(x["tokens"] for x in mine),
            "seconds_per_problem": statistics.median(x["seconds"] for x in mine),
        }
        rows.append(row)
        print(
            f"| {label} | {right}/{len(mine)} ({row['right_pct']:.0f}%) | "
            f"{row['calls_per_problem']:.1f} | {row['tokens_per_problem']:,.0f} | "
            f"{row['seconds_per_problem']:.1f} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    ex = sub.add_parser("export")
    ex.add_argument("run_dir", type=Path)
    ex.add_argument("out", type=Path)
    run = sub.add_parser("run")
    run.add_argument("--model", default="local")
    run.add_argument("--base-url")
    run.add_argument("--limit", type=int)
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--out", type=Path, required=True, help="JSONL, one line per pick (resumable)")
    run.add_argument("--summary", action="store_true", help="only summarise --out")
    run.add_argument(
        "--orders", type=int, choices=(1, 2), default=1, help="2: each pool reversed too"
    )
    labels = ", ".join(label for label, _, _ in STRATEGIES)
    run.add_argument("--only", action="append", help=f"only this strategy label ({labels})")
    args = parser.parse_args()
    if args.cmd == "export":
        export(args.run_dir, args.out)
        return
    if args.summary:
        summarise(args.out)
        return
    known = {label for label, _, _ in STRATEGIES}
    for label in args.only or []:
        if label not in known:
            parser.error(f"--only: unknown strategy label {label!r}")
    anyio.run(
        bench, args.model, args.base_url, args.limit, args.seed, args.out, args.only, args.orders
    )


if __name__ == "__main__":
    main()
