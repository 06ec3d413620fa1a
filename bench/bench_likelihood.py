"""Does a small model's *likelihood* tell the right program from the wrong one, where
its generated answers do not (bench_judge.py)? On the same cases as bench_judge.py
(per stdin pool, the three smallest mutated inputs on which the right and the wrong
program differ), two scores read from the model's token probabilities, no sampling:

- ``predict``: the log-probability of each program's real output as the reply to
  sstar's prediction prompt (problem and input only); a vote for the likelier one
  (cases where one program crashed are left out: there is no output to score);
- ``judge``: sstar's A-or-B prompt with the reply begun as ``Answer:``; the
  probability of `` A`` against `` B``, averaged over both orders so the first-shown
  position cancels; a vote for the program with more than half.

    python bench/bench_likelihood.py                       # the default 0.5B model
    python bench/bench_likelihood.py --model qwen2.5-coder-1.5b --out lik-15b.jsonl
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import numpy as np

from agentsstar import prompts
from agentsstar.backends.base import Message
from agentsstar.backends.llama_local import import_llama_cpp, usable_cpus
from agentsstar.backends.local_models import DEFAULT_MODEL, resolve_model

sys.path.insert(0, str(Path(__file__).parent))
from bench_judge import Case, cases, shown_outputs


class Scorer:
    """Log-probabilities of continuations under a bare ``llama_cpp.Llama``."""

    def __init__(self, path: Path) -> None:
        llama_cpp = import_llama_cpp()
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.llm: Any = llama_cpp.Llama(
            str(path), n_ctx=4096, logits_all=True, n_threads=usable_cpus(), verbose=False
        )
        meta = self.llm.metadata
        eos = self.llm.detokenize([self.llm.token_eos()]).decode()
        self.fmt = Jinja2ChatFormatter(meta["tokenizer.chat_template"], eos_token=eos, bos_token="")

    def prompt(self, messages: list[Message]) -> str:
        return str(
            self.fmt(messages=[{"role": m.role, "content": m.content} for m in messages]).prompt
        )

    def logprob(self, prefix: str, continuation: str) -> float:
        head = self.llm.tokenize(prefix.encode(), add_bos=False, special=True)
        tail = self.llm.tokenize(continuation.encode(), add_bos=False, special=True)
        self.llm.reset()
        self.llm.eval(head + tail)
        # Row i of the scores predicts token i + 1.
        rows = np.asarray(self.llm.scores[len(head) - 1 : len(head) + len(tail) - 1], np.float64)
        top = rows.max(axis=1)
        norm = top + np.log(np.exp(rows - top[:, None]).sum(axis=1))
        return float(sum(rows[i, t] - norm[i] for i, t in enumerate(tail)))


def score(scorer: Scorer, case: Case) -> dict[str, Any]:
    row: dict[str, Any] = {"pool": case.pool}
    if case.r.ok and case.w.ok:
        pre = scorer.prompt(prompts.predict_messages(case.problem, case.x))
        lr, lw = (scorer.logprob(pre, f"```\n{e.stdout.strip()}\n```") for e in (case.r, case.w))
        row.update(predict="right" if lr > lw else "wrong", logprob_right=lr, logprob_wrong=lw)
    show = shown_outputs(case)
    mass_right = []
    for swapped in (False, True):
        codes, outs = (
            ([case.wrong, case.right], show[::-1]) if swapped else ([case.right, case.wrong], show)
        )
        msgs = prompts.judge_messages(
            case.problem, codes[0], codes[1], [case.x], outs[:1], outs[1:]
        )
        pre = scorer.prompt(msgs) + "Answer:"
        la, lb = scorer.logprob(pre, " A"), scorer.logprob(pre, " B")
        p_first = math.exp(la) / (math.exp(la) + math.exp(lb))
        mass_right.append(1 - p_first if swapped else p_first)
    p = sum(mass_right) / 2
    row.update(judge="right" if p > 0.5 else "wrong", p_right=p)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL, help="a known local model or a path")
    parser.add_argument("--out", type=Path, default=Path("likelihood.jsonl"))
    args = parser.parse_args()
    scorer = Scorer(resolve_model(args.model))
    rows = [score(scorer, case) for case in anyio.run(cases)]
    args.out.write_text("".join(json.dumps({**r, "model": args.model}) + "\n" for r in rows))
    for way in ("predict", "judge"):
        votes = Counter(r[way] for r in rows if way in r)
        print(f"{way}: {votes['right']} right, {votes['wrong']} wrong")
    spread = [abs(r["p_right"] - 0.5) for r in rows]
    print(f"judge: |p(right) - 0.5| median {float(np.median(spread)):.3f}, max {max(spread):.3f}")


if __name__ == "__main__":
    main()
