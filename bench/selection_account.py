"""How sstar's matches went in an eval run, checked against the private verdicts
(which selection never sees): per match, what decided it and whether the winner was
right, for the matches between a right and a wrong program.

    python bench/selection_account.py runs/he-table/sstar [--majority runs/he-table/majority]

Needs a run scored with every candidate's private verdict (``agentsstar eval`` does
that). Prints one line per problem whose public-passing pool was mixed, then totals
by what decided the match (predicted outputs, the judge in both orders, the cluster
tie-break) and by whether a program crashed on an input where the other did not.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from agentsstar.sandboxes.base import Verdict

FAILED = {f"<{v.value}" for v in Verdict if v is not Verdict.OK}


def crashed(output: str) -> bool:
    """Whether a shown outcome is a failure, not an output (see prompts.outcome_text)."""
    return output.split(":")[0].rstrip(">") in FAILED


def decided_by(reason: str) -> str:
    for key in ("predicted", "judge agreed", "judge split", "no input", "judge"):
        if reason.startswith(key):
            return key
    return reason or "?"


def load(run: Path) -> dict[str, dict[str, Any]]:
    return {f.stem: json.loads(f.read_text()) for f in sorted((run / "results").glob("*.json"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="an sstar arm's run directory")
    parser.add_argument("--majority", type=Path, help="the majority arm on the same samples")
    args = parser.parse_args()
    results = load(args.run)
    majority = load(args.majority) if args.majority else {}
    totals: Counter[str] = Counter()
    picks: Counter[str] = Counter()
    for pid, r in results.items():
        right = r.get("candidates_private")
        sel = r.get("selection") or {}
        if right is None or not sel.get("pool"):
            continue
        pool = sel["pool"]
        verdicts = {right[i] for i in pool}
        if verdicts != {True, False}:
            continue  # not mixed: every pick from the pool is equally right
        picked = sel.get("selected")
        ok = picked is not None and right[picked]
        picks["sstar right" if ok else "sstar wrong"] += 1
        m = majority.get(pid, {}).get("selection", {}).get("selected")
        if m is not None:
            picks["majority right" if right[m] else "majority wrong"] += 1
        line = [f"{pid}: pool {len(pool)} ({sum(right[i] for i in pool)} right), "
                f"{len(sel.get('clusters') or [])} clusters, picked {'right' if ok else 'wrong'}"]  # fmt: skip
        for c in sel.get("comparisons") or []:
            a_ok, b_ok = right[c["a"]], right[c["b"]]
            if a_ok == b_ok:
                continue
            winner_ok = c["winner"] is not None and right[c["winner"]]
            how = decided_by(c["reason"])
            totals[f"{how}: {'right' if winner_ok else 'wrong'}"] += 1
            ca = sum(crashed(o) for o in c["outputs_a"])
            cb = sum(crashed(o) for o in c["outputs_b"])
            if ca != cb:
                fewer_ok = a_ok if ca < cb else b_ok
                totals[f"fewer crashes is {'right' if fewer_ok else 'wrong'}"] += 1
            line.append(
                f"  {c['a']}{'+' if a_ok else '-'} vs {c['b']}{'+' if b_ok else '-'}: {how}, "
                f"predictions {c.get('predictions')}, votes {c.get('votes')}, crashes {ca}/{cb}"
            )
        print("\n".join(line))
    print("\nmixed pools:", dict(picks))
    print("right-vs-wrong matches:", dict(sorted(totals.items())))


if __name__ == "__main__":
    main()
