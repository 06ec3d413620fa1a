"""What a small model tells a selection judge, on the selection benchmark's stdin
pools (a right and a plausible wrong program each).

For each pool: the public inputs' mutants are run through both programs, and the
three smallest inputs on which they differ are kept. On each input the model is asked

- ``judge``: sstar's A-or-B prompt (problem, both programs, their real outputs), in
  both orders; a vote is for the program it names;
- ``predict``: sstar's prediction prompt (problem and input only); a vote is for the
  program whose real output the stated output equals, else none.

    python bench/bench_judge.py --model local --out judge-05b.jsonl
    python bench/bench_judge.py --model local:qwen2.5-coder-1.5b --ways predict --out judge-15b.jsonl

Prints, per way of asking, the votes for the right program, the wrong one and none,
and on how many pools the votes favour the right program.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import anyio
from shrink import shrink, size

from agentsstar import prompts
from agentsstar.concurrency import map_all
from agentsstar.config import ModelSpec, build_config, build_model
from agentsstar.extract import extract_answer, extract_choice
from agentsstar.grading import limits_for, program_for
from agentsstar.problem import Problem, load_problem
from agentsstar.sandboxes import LocalSandbox
from agentsstar.sandboxes.base import ExecResult
from agentsstar.strategies.selection._inputs import reading_order, result_key
from agentsstar.strategies.selection._mutation import mutants
from agentsstar.strategies.selection._predict import PREDICT_MAX_TOKENS, vote_for

HERE = Path(__file__).parent / "selection" / "problems"


@dataclass
class Case:
    """One input on which a pool's right and wrong programs really differ."""

    pool: str
    problem: Problem
    right: str
    wrong: str
    x: Any
    r: ExecResult  # the right program's result on x
    w: ExecResult


async def cases(shown: int = 3, shrinking: bool = False) -> list[Case]:
    """Per pool, the ``shown`` smallest mutated public inputs that split the pool
    (``shrinking``: shrunk first, as sstar does)."""
    out: list[Case] = []
    async with LocalSandbox() as box:
        for path in sorted(HERE.glob("*.json")):
            stem = path.name.removesuffix(".json")
            problem = load_problem(path).public()
            right = (HERE / f"{stem}.right.py").read_text()
            wrong = (HERE / f"{stem}.wrong.py").read_text()
            xs = mutants(problem, limit=300)
            res = [
                await box.run(program_for(problem, c), xs, limits_for(problem))
                for c in (right, wrong)
            ]
            differing = [
                (x, r, w)
                for x, r, w in zip(xs, *res, strict=True)
                if (r.ok or w.ok) and result_key(r, problem.kind) != result_key(w, problem.kind)
            ]
            order = reading_order(problem)
            differing.sort(key=lambda t: order(t[0]))  # as sstar orders them
            # As sstar, not on inputs with characters no public input uses, if others split.
            differing = [d for d in differing if not order(d[0])[0]] or differing
            if shrinking:

                async def execute(
                    code: str, xs: list[Any], problem: Problem = problem
                ) -> list[ExecResult]:
                    return await box.run(program_for(problem, code), xs, limits_for(problem))

                def key(r: ExecResult, kind: str = problem.kind) -> str:
                    return result_key(r, kind)

                found: dict[str, tuple[Any, ExecResult, ExecResult]] = {}
                for x, r, w in differing[: 2 * shown]:
                    y = await shrink(problem, x, (right, wrong), (r, w), execute, key)
                    found.setdefault(json.dumps(y[0]), y)
                differing = sorted(found.values(), key=lambda t: size(t[0]))
            out += [Case(stem, problem, right, wrong, *d) for d in differing[:shown]]
    return out


def shown_outputs(case: Case) -> list[str]:
    """The right and the wrong program's outputs as the judge is shown them."""
    return [
        prompts.outcome_text(case.problem.kind, e.stdout, e.value, e.verdict.value, e.error)
        for e in (case.r, case.w)
    ]


async def main(
    model_spec: str,
    ways: list[str],
    shown: int,
    samples: int,
    temperature: float,
    shrinking: bool,
) -> list[dict[str, Any]]:
    model = build_model(ModelSpec(model=model_spec))
    gen = build_config(overrides={"model": model_spec}).generation()
    asks: list[dict[str, Any]] = []
    rank: Counter[str] = Counter()
    for case in await cases(shown, shrinking):
        rank[case.pool] += 1
        show = shown_outputs(case)
        for swapped in (False, True) if "judge" in ways else ():
            codes, outs = (
                ([case.wrong, case.right], show[::-1])
                if swapped
                else ([case.right, case.wrong], show)
            )
            msgs = prompts.judge_messages(
                case.problem, codes[0], codes[1], [case.x], [outs[0]], [outs[1]]
            )
            asks.append({"pool": case.pool, "way": "judge", "swapped": swapped, "msgs": msgs})
        # Sample 0 is greedy (what sstar asks); samples 1.. are drawn at ``temperature``.
        for sample in range(1 + samples) if "predict" in ways else ():
            msgs = prompts.predict_messages(case.problem, case.x)
            asks.append(
                {
                    "pool": case.pool,
                    "way": "predict",
                    "input": rank[case.pool] - 1,
                    "sample": sample,
                    "msgs": msgs,
                    "problem": case.problem,
                    "r": case.r,
                    "w": case.w,
                }
            )

    async def ask(a: dict[str, Any]) -> dict[str, Any]:
        if a["way"] == "judge":
            reply = await model.chat(a["msgs"], replace(gen, temperature=0.0, seed=70_000))
            choice = extract_choice(reply.text)
            vote = (
                "none"
                if choice is None
                else ("right" if (choice == "A") != a["swapped"] else "wrong")
            )
        else:
            sample = a["sample"]
            reply = await model.chat(
                a["msgs"],
                replace(
                    gen,
                    temperature=temperature if sample else 0.0,
                    max_tokens=PREDICT_MAX_TOKENS,
                    seed=80_000 + sample,
                ),
            )
            answer = extract_answer(reply.text)
            v = vote_for(a["problem"], answer, a["r"], a["w"])
            vote = {"a": "right", "b": "wrong", "none": "none"}[v]
        row = {"pool": a["pool"], "way": a["way"], "vote": vote, "reply": reply.text[-300:]}
        if a["way"] == "predict":
            row |= {"input": a["input"], "sample": a["sample"], "answer": answer[:200]}
        print(row["pool"], row["way"], vote, file=sys.stderr, flush=True)
        return row

    rows = await map_all(ask, asks)
    await model.aclose()
    return [{**r, "model": model_spec} for r in rows]


def tally(rows: list[dict[str, Any]], label: str) -> None:
    votes = Counter(r["vote"] for r in rows)
    by_pool: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        by_pool[r["pool"]][r["vote"]] += 1
    better = sum(c["right"] > c["wrong"] for c in by_pool.values())
    worse = sum(c["wrong"] > c["right"] for c in by_pool.values())
    print(
        f"| {label} | {votes['right']} | {votes['wrong']} | {votes['none']} | "
        f"{better} | {worse} | {len(by_pool) - better - worse} |"
    )


def summarise(rows: list[dict[str, Any]]) -> None:
    judge = [r for r in rows if r["way"] == "judge"]
    if judge:
        tally(judge, "judge")
    predict = [r for r in rows if r["way"] == "predict"]
    if not predict:
        return
    if "sample" not in predict[0]:  # rows from before --samples
        tally(predict, "predict")
        return
    greedy = [r for r in predict if r["sample"] == 0]
    shown = 1 + max(r["input"] for r in predict)
    for k in sorted({3, shown}):
        tally([r for r in greedy if r["input"] < k], f"predict, greedy, {k} inputs")
        if len(greedy) < len(predict):
            mine = [r for r in predict if r["input"] < k]
            tally(mine, f"predict, greedy + sampled, {k} inputs")
            tally(consensus(mine), f"predict, commonest answer per input, {k} inputs")


def consensus(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per input, one vote: that of the answer given most often over its samples
    (self-consistency); a tie between answers is no vote."""
    by_input: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_input[r["pool"], r["input"]].append(r)
    out = []
    for (pool, _), mine in by_input.items():
        counts = Counter(r["answer"] for r in mine if r["answer"])
        top = counts.most_common(2)
        if not top or (len(top) == 2 and top[0][1] == top[1][1]):
            out.append({"pool": pool, "vote": "none"})
            continue
        vote = next(r["vote"] for r in mine if r["answer"] == top[0][0])
        out.append({"pool": pool, "vote": vote})
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="local")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--summary", action="store_true", help="only summarise --out")
    parser.add_argument(
        "--ways", default="judge,predict", help="comma-separated: judge, predict (default both)"
    )
    parser.add_argument("--shown", type=int, default=3, help="differing inputs per pool")
    parser.add_argument(
        "--samples", type=int, default=0, help="sampled predictions per input, beside greedy"
    )
    parser.add_argument("--temperature", type=float, default=0.7, help="of the sampled ones")
    parser.add_argument("--shrink", action="store_true", help="shrink the inputs first")
    args = parser.parse_args()
    if args.summary:
        summarise([json.loads(x) for x in args.out.read_text().splitlines()])
    else:
        rows = anyio.run(
            main,
            args.model,
            args.ways.split(","),
            args.shown,
            args.samples,
            args.temperature,
            args.shrink,
        )
        args.out.write_text("".join(json.dumps(r) + "\n" for r in rows))
        summarise(rows)
