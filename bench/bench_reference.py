"""Does a reference program the selection model writes tell the right program from
the wrong one, where its predicted outputs (bench_judge.py) often do not?

A code model asked for an output tends to write a program (docs/benchmarks.md, "What
a small judge tells apart"): writing code is what it is good at. So here it writes
one: the simplest program it can that is correct on small inputs (brute force where
that is simplest), run in the sandbox on the same cases as bench_judge.py (per stdin
pool, the six smallest plain inputs on which the right and wrong program differ). A
reference that fails a public test is not used, as in sstar; on each input, a
reference whose output equals one program's is a vote for it.

    python bench/bench_reference.py --out reference-05b.jsonl
    python bench/bench_reference.py --out reference-05b.jsonl --summary
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

import anyio
from bench_judge import Case, cases, tally

from agentsstar import prompts
from agentsstar.concurrency import map_all
from agentsstar.config import ModelSpec, build_config, build_model
from agentsstar.extract import extract_code
from agentsstar.grading import limits_for, program_for, run_tests
from agentsstar.sandboxes import LocalSandbox
from agentsstar.strategies.selection._inputs import result_key

HINT = (
    "write the simplest program that is correct on small inputs. Clarity over speed: "
    "where trying every possibility is simplest, try every possibility. Follow the "
    "statement exactly."
)


async def main(model_spec: str, k: int, temperature: float, shown: int) -> list[dict[str, Any]]:
    model = build_model(ModelSpec(model=model_spec))
    gen = build_config(overrides={"model": model_spec}).generation()
    by_pool: dict[str, list[Case]] = defaultdict(list)
    for case in await cases(shown):
        by_pool[case.pool].append(case)

    async def write(item: tuple[str, int]) -> dict[str, Any]:
        pool, i = item
        problem = by_pool[pool][0].problem
        reply = await model.chat(
            prompts.sample_messages(problem, hint=HINT),
            replace(gen, temperature=temperature if i else 0.0, seed=90_000 + i),
        )
        code = extract_code(reply.text, problem.entry_point)
        return {
            "pool": pool,
            "reference": i,
            "code": code,
            "tokens": reply.prompt_tokens + reply.completion_tokens,
        }

    written = await map_all(write, [(p, i) for p in by_pool for i in range(k)])
    await model.aclose()
    rows = []
    async with LocalSandbox() as box:
        for ref in written:
            mine = by_pool[ref["pool"]]
            problem = mine[0].problem
            code = ref["code"]
            public = (
                [] if code is None else await run_tests(box, problem, code, problem.public_tests)
            )
            ref["passes_public"] = code is not None and all(o.passed for o in public)
            if not ref["passes_public"]:  # as sstar: such a reference is not used
                outs = [None] * len(mine)
            else:
                program = program_for(problem, ref["code"])
                outs = await box.run(program, [c.x for c in mine], limits_for(problem))
            for j, (case, out) in enumerate(zip(mine, outs, strict=True)):
                key = None if out is None or not out.ok else result_key(out, problem.kind)
                vote = (
                    "right"
                    if key == result_key(case.r, problem.kind)
                    else "wrong"
                    if key == result_key(case.w, problem.kind)
                    else "none"
                )
                rows.append(
                    {
                        "pool": ref["pool"],
                        "reference": ref["reference"],
                        "input": j,
                        "vote": vote,
                        "passes_public": ref["passes_public"],
                        "tokens": ref["tokens"],
                        "model": model_spec,
                    }
                )
                print(ref["pool"], ref["reference"], j, vote, file=sys.stderr, flush=True)
    return rows


def summarise(rows: list[dict[str, Any]]) -> None:
    k = 1 + max(r["reference"] for r in rows)
    print("| references | votes right | wrong | none | pools: more right | more wrong | even |")
    print("|---|---|---|---|---|---|---|")
    for n in sorted({1, k}):
        tally([r for r in rows if r["reference"] < n], str(n))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="local")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--summary", action="store_true", help="only summarise --out")
    parser.add_argument("-k", type=int, default=3, help="references per pool (first greedy)")
    parser.add_argument("--temperature", type=float, default=0.7, help="of the others")
    parser.add_argument("--shown", type=int, default=6, help="differing inputs per pool")
    args = parser.parse_args()
    if args.summary:
        summarise([json.loads(x) for x in args.out.read_text().splitlines()])
    else:
        rows = anyio.run(main, args.model, args.k, args.temperature, args.shown)
        args.out.write_text("".join(json.dumps(r) + "\n" for r in rows))
        summarise(rows)
