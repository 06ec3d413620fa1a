"""Per-problem outcomes of several runs side by side (``agentsstar report
--per-problem``): which problems an arm passed that another did not, the detail that
pass@1 and a sign test summarise."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Literal

from agentsstar.errors import ConfigError
from agentsstar.evaluation.report import RunSummary

Outcome = Literal["pass", "fail", "error", "-"]  # "-": the run has not finished it


def outcome_rows(
    summaries: list[RunSummary], *, differing: bool = False
) -> list[tuple[str, list[Outcome]]]:
    """One row per problem any run finished, in natural id order (HumanEval/2 before
    HumanEval/10): the problem id and each run's outcome. ``differing``: only the
    problems on which the runs that finished them have different outcomes."""
    ids: set[str] = set()
    for s in summaries:
        ids |= set(s.outcomes) | set(s.error_ids)
    out = []
    for pid in sorted(ids, key=_natural):
        row = [_outcome(s, pid) for s in summaries]
        if differing and len({o for o in row if o != "-"}) < 2:  # unfinished: no dissent
            continue
        out.append((pid, row))
    return out


def _outcome(s: RunSummary, pid: str) -> Outcome:
    if pid in s.outcomes:
        return "pass" if s.outcomes[pid] else "fail"
    return "error" if pid in s.error_ids else "-"


def _natural(pid: str) -> list[tuple[int, int | str]]:
    return [(0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", pid) if p]


def render_outcomes(summaries: list[RunSummary], fmt: str, *, differing: bool = False) -> str:
    """The per-problem outcomes as ``md``, ``csv`` or ``json`` text; md and csv end
    with a row counting each run's passes among the rows shown."""
    names = [s.name for s in summaries]
    rows = outcome_rows(summaries, differing=differing)
    if fmt == "json":
        data = {pid: dict(zip(names, row, strict=True)) for pid, row in rows}
        return json.dumps({"runs": names, "problems": data}, indent=2) + "\n"
    passes = [str(sum(row[i] == "pass" for _, row in rows)) for i in range(len(names))]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["problem", *names])
        writer.writerows([pid, *row] for pid, row in rows)
        writer.writerow(["passed", *passes])
        return buf.getvalue()
    if fmt == "md":
        lines = ["| problem | " + " | ".join(names) + " |", "|" + "---|" * (len(names) + 1)]
        lines += [f"| {pid} | " + " | ".join(_mark(o) for o in row) + " |" for pid, row in rows]
        lines.append("| passed | " + " | ".join(passes) + " |")
        return "\n".join(lines) + "\n"
    raise ConfigError(f"--format: unknown format {fmt!r}; valid: table, md, csv, json")


def _mark(o: Outcome) -> str:
    return {"pass": "✓", "fail": "✗", "error": "error", "-": "–"}[o]
