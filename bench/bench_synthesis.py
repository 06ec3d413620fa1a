"""How often S*'s input synthesis yields usable inputs (docs/benchmarks.md, input synthesis).

One synthesis call per problem, exactly as ``sstar`` makes it (the prompt from
``prompts.input_generation_messages``, the reply parsed by the selection code's own
parser), on the embedded model. Per call it records how many inputs were usable and,
where the parser says, why the rest were dropped. The summary gives the share of calls
with at least one usable input and the mean usable inputs per call.

It measures whatever ``agentsstar`` is on ``PYTHONPATH``, so the same script measures an
older checkout: with no ``parse_inputs`` in the selection code it falls back to that
code's own parser (``clean_inputs`` over ``extract_json_list``), as the old ``sstar`` did.

    agentsstar import humaneval builtin /tmp/he
    python bench/bench_synthesis.py --problems /tmp/he --humaneval 40 \\
        --problems bench/problems/stdin --out /tmp/synth-after.jsonl
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path
from typing import Any

import anyio

from agentsstar import prompts
from agentsstar.backends.base import GenerationParams
from agentsstar.backends.llama_local import LlamaLocalBackend
from agentsstar.backends.local_models import DEFAULT_MODEL, resolve_model
from agentsstar.problem import Problem, load_problems
from agentsstar.strategies.selection import _inputs as inp


def usable(problem: Problem, text: str, count: int) -> tuple[list[Any], int | None, list[str]]:
    """(usable inputs, items parsed, reasons for the dropped ones) under the code on path."""
    parse = getattr(inp, "parse_inputs", None)
    if parse is not None:
        report = parse(problem, text, count)
        return report.inputs, report.parsed, [reason for _, reason in report.dropped]
    # The code before issue 15: what sstar did with a reply.
    from agentsstar.extract import extract_json_list

    return inp.clean_inputs(problem, extract_json_list(text), count), None, []


def humaneval_order(p: Problem) -> int:
    m = re.search(r"(\d+)$", p.id)
    return int(m.group(1)) if m else 0


def pick(dirs: list[str], humaneval: int) -> list[Problem]:
    """The problems of each directory, interleaved (one of each in turn), so a run cut
    short still covers every directory."""
    groups: list[list[Problem]] = []
    for d in dirs:
        problems = load_problems(d)
        if any(p.id.startswith("HumanEval") for p in problems):
            problems = sorted(problems, key=humaneval_order)[:humaneval]
        groups.append(problems)
    chosen: list[Problem] = []
    for k in range(max(len(g) for g in groups)):
        chosen.extend(g[k] for g in groups if k < len(g))
    return chosen


async def main(args: argparse.Namespace) -> None:
    problems = pick(args.problems, args.humaneval)
    path = await anyio.to_thread.run_sync(resolve_model, DEFAULT_MODEL)
    backend = LlamaLocalBackend(
        path, name=f"local:{DEFAULT_MODEL}", n_ctx=4096, n_threads=args.threads
    )
    await backend.load()
    out = Path(args.out)
    # resume: one line per finished call, keyed by (problem, seed, asked again)
    done = {(r["problem"], r.get("seed", args.seed), bool(r.get("again"))): r for r in rows(out)}
    try:
        for seed, p in ((args.seed + k, p) for k in range(args.seeds) for p in problems):
            public = p.public()
            messages = prompts.input_generation_messages(public, args.count)
            first = done.get((p.id, seed, False))
            if first is None:
                first = await call(backend, args, public, messages, seed)
                append(out, first)
            if not args.ask_again or first["usable"] or (p.id, seed, True) in done:
                continue
            # What sstar does next (``ask_again``): the same request, a new seed, and
            # a frequency penalty.
            append(out, await call(backend, args, public, messages, seed + 100, again=True))
    finally:
        await backend.aclose()
    summarise(out)


async def call(
    backend: LlamaLocalBackend,
    args: argparse.Namespace,
    problem: Problem,
    messages: list[Any],
    seed: int,
    *,
    again: bool = False,
) -> dict[str, Any]:
    params = GenerationParams(
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        seed=seed,
        frequency_penalty=inp.AGAIN_PENALTY if again else 0.0,
    )
    start = time.perf_counter()
    completion = await backend.complete(messages, params)
    seconds = time.perf_counter() - start
    inputs, parsed, reasons = usable(problem, completion.text, args.count)
    return {
        "problem": problem.id,
        "seed": seed - 100 if again else seed,
        "again": again,
        "kind": problem.kind,
        "usable": len(inputs),
        "parsed": parsed,
        "dropped_reasons": reasons,
        "inputs": inputs,
        "completion_tokens": completion.completion_tokens,
        "seconds": round(seconds, 1),
        "reply": completion.text,
    }


def rows(out: Path) -> list[dict[str, Any]]:
    if not out.exists():
        return []
    return [json.loads(line) for line in out.read_text().splitlines() if line]


def append(out: Path, row: dict[str, Any]) -> None:
    with out.open("a") as f:
        f.write(json.dumps(row) + "\n")


def summarise(out: Path) -> None:
    """Per call (the first call of each problem and seed), then per synthesis step
    (the first call, and the call asking again where there was one)."""
    every = rows(out)
    again = {(r["problem"], r["seed"]): r for r in every if r.get("again")}
    firsts = [r for r in every if not r.get("again")]
    for kind in ("function", "stdin", None):
        sel = [r for r in firsts if kind is None or r["kind"] == kind]
        if not sel:
            continue
        ok = sum(r["usable"] > 0 for r in sel)
        mean = sum(r["usable"] for r in sel) / len(sel)
        line = (
            f"{kind or 'all':9} calls {len(sel):3}  with usable inputs {ok:3} "
            f"({100 * ok / len(sel):.0f}%)  mean usable {mean:.2f}"
        )
        if again:
            step = [again.get((r["problem"], r["seed"]), r) if not r["usable"] else r for r in sel]
            ok2 = sum(r["usable"] > 0 for r in step)
            line += (
                f"  | asked again {sum((r['problem'], r['seed']) in again for r in sel):3}"
                f"  steps with usable inputs {ok2:3} ({100 * ok2 / len(sel):.0f}%)"
            )
        print(line)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--problems", action="append", required=True, help="a problem directory")
    ap.add_argument("--humaneval", type=int, default=40, help="first N HumanEval problems")
    ap.add_argument("--count", type=int, default=8, help="inputs asked for (sstar's default)")
    ap.add_argument("--temperature", type=float, default=0.7)
    ap.add_argument("--seed", type=int, default=50_000, help="sstar's seed for this call")
    ap.add_argument(
        "--seeds", type=int, default=1, help="calls per problem (seeds --seed, --seed+1, ...)"
    )
    ap.add_argument("--max-tokens", type=int, default=256)
    ap.add_argument("--threads", type=int, default=None, help="llama.cpp threads")
    ap.add_argument("--out", required=True, help="JSONL, one line per call (resumable)")
    ap.add_argument("--summary", action="store_true", help="only summarise --out")
    ap.add_argument(
        "--ask-again",
        action="store_true",
        help="after a call with no usable input, ask again as sstar does (ask_again)",
    )
    a = ap.parse_args()
    if a.summary:
        summarise(Path(a.out))
    else:
        anyio.run(main, a)
