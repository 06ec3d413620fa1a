"""Summaries of run directories: pass@1 with its interval, oracle pass@N, tokens and
time per run, and each run against the first, paired problem by problem."""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentsstar.errors import ConfigError
from agentsstar.evaluation.stats import Paired, bootstrap_mean_ci, paired
from agentsstar.evaluation.store import ERROR_KINDS, ProblemRecord, RunStore

ARMS_FILE = "arms.json"  # in an eval of several arms: their names, in order


@dataclass
class RunSummary:
    name: str
    label: str  # strategies and model, for tables and plots
    upper_bound: bool
    total: int  # finished problems
    scored: int  # finished without error and with private tests
    passed: int
    errors: int
    oracle_passed: int | None
    tokens_per_problem: float  # all the arm used, cached replies too: its cost run alone
    paid_tokens_per_problem: float  # only calls that reached the model in this run
    seconds_per_problem: float
    wall_seconds: float
    by_difficulty: dict[str, tuple[int, int]] = field(default_factory=dict)  # passed, scored
    interval: tuple[float, float] | None = None  # 95% bootstrap interval of pass@1
    outcomes: dict[str, bool] = field(default_factory=dict)  # problem id -> passed
    error_ids: list[str] = field(default_factory=list)  # problems that ended in an error

    @property
    def pass_at_1(self) -> float | None:
        return self.passed / self.scored if self.scored else None

    @property
    def oracle_pass_at_n(self) -> float | None:
        if self.oracle_passed is None or not self.scored:
            return None
        return self.oracle_passed / self.scored


def _label(config: dict[str, Any]) -> str:
    run = config.get("run", {})
    parts = []
    for stage in ("sampling", "revision", "selection"):
        spec = dict(run.get(stage, {}))
        name = spec.pop("name", "?")
        params = ",".join(f"{k}={v}" for k, v in sorted(spec.items()))
        parts.append(f"{name}({params})" if params else name)
    preset = config.get("preset")
    head = f"{preset}: " if preset else ""
    return f"{head}{' → '.join(parts)} [{run.get('model', '?')}]"


def summarise(run_dir: Path) -> RunSummary:
    store = RunStore(run_dir)
    config = store.load_config()
    records: list[ProblemRecord] = list(store.finished().values())
    scored = [r for r in records if r.passed is not None]
    errors = [r for r in records if r.error_kind in ERROR_KINDS]
    oracle = [r for r in scored if r.candidates_passed is not None]
    by_diff: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in scored:
        if r.difficulty:
            by_diff[r.difficulty][0] += int(bool(r.passed))
            by_diff[r.difficulty][1] += 1
    # Arms that share samples pay for them once, so "paid" depends on which arm asked
    # first; an arm is compared at what it used, paid or answered by the cache.
    ok = [r for r in records if not r.error_kind]
    paid = [r.usage.prompt_tokens + r.usage.completion_tokens for r in ok]
    used = [t + r.usage.cached_tokens for t, r in zip(paid, ok, strict=True)]
    seconds = [r.seconds for r in records]
    selection = config.get("run", {}).get("selection", {}).get("name")
    outcomes = {r.id: bool(r.passed) for r in scored}
    return RunSummary(
        name=run_dir.name,
        label=_label(config),
        upper_bound=selection == "oracle",
        total=len(records),
        scored=len(scored),
        passed=sum(bool(r.passed) for r in scored),
        errors=len(errors),
        oracle_passed=sum((r.candidates_passed or 0) > 0 for r in oracle) if oracle else None,
        tokens_per_problem=statistics.fmean(used) if used else 0.0,
        paid_tokens_per_problem=statistics.fmean(paid) if paid else 0.0,
        seconds_per_problem=statistics.fmean(seconds) if seconds else 0.0,
        wall_seconds=float(config.get("wall_seconds", sum(seconds))),
        by_difficulty={k: (v[0], v[1]) for k, v in sorted(by_diff.items())},
        interval=bootstrap_mean_ci([float(v) for v in outcomes.values()]),
        outcomes=outcomes,
        error_ids=sorted(r.id for r in errors),
    )


def run_dirs(paths: list[Path]) -> list[Path]:
    """The run directories named by ``paths``: a run directory itself, or an eval of
    several arms (``D/<arm>/``, in the order its ``arms.json`` lists them).

    Raises:
        ConfigError: a path that is neither.
    """
    out: list[Path] = []
    for path in paths:
        manifest = path / ARMS_FILE
        if (path / "config.json").exists():
            out.append(path)
        elif manifest.exists():
            try:
                names = json.loads(manifest.read_text())["arms"]
            except (ValueError, KeyError, TypeError) as exc:
                raise ConfigError(f"{manifest}: not a list of arms ({exc})") from None
            out.extend(path / str(name) for name in names)
        else:
            raise ConfigError(f"{path}: not a run directory (no config.json or {ARMS_FILE})")
    return out


def paired_against_first(summaries: list[RunSummary]) -> list[Paired | None]:
    """Each run against the first, problem by problem (None for the first itself)."""
    if not summaries:
        return []
    base = summaries[0].outcomes
    return [None] + [paired(base, s.outcomes) for s in summaries[1:]]


def _bounds(prefix: str, interval: tuple[float, float] | None) -> dict[str, float | None]:
    low, high = interval if interval else (None, None)
    return {f"{prefix}low": low, f"{prefix}high": high}


def rows(summaries: list[RunSummary]) -> list[dict[str, Any]]:
    """One flat row per run, for the csv, md and json reports."""
    out = []
    for s, p in zip(summaries, paired_against_first(summaries), strict=True):
        row: dict[str, Any] = {
            "run": s.name,
            "strategies": s.label,
            "upper_bound": s.upper_bound,
            "problems": s.total,
            "scored": s.scored,
            "errors": s.errors,
            "passed": s.passed,
            "pass@1": s.pass_at_1,
            **_bounds("pass@1_", s.interval),
            "oracle_pass@N": s.oracle_pass_at_n,
            "tokens_per_problem": s.tokens_per_problem,
            "paid_tokens_per_problem": s.paid_tokens_per_problem,
            "seconds_per_problem": s.seconds_per_problem,
            "wall_seconds": s.wall_seconds,
            "vs_first": None,
        }
        if p is not None:
            row["vs_first"] = {
                "against": summaries[0].name,
                "problems": p.problems,
                "difference": p.difference,
                **_bounds("", p.interval),
                "wins": p.wins,
                "losses": p.losses,
                "sign_test_p": p.p_value,
            }
        out.append(row)
    return out


def render(summaries: list[RunSummary], fmt: str) -> str:
    """The comparison as ``md``, ``csv`` or ``json`` text."""
    data = rows(summaries)
    if fmt == "json":
        errors = {s.name: s.error_ids for s in summaries if s.error_ids}
        return json.dumps({"runs": data, "errors": errors}, indent=2) + "\n"
    head = ["run", "pass@1", "95% CI", "vs first", "95% CI (paired)", "wins/losses",
            "sign test p", "oracle pass@N", "tokens/problem", "paid tokens/problem", "s/problem",
            "errors"]  # fmt: skip
    table = [[_cell(v) for v in _line(r)] for r in data]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(head)
        writer.writerows(table)
        return buf.getvalue()
    if fmt == "md":
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in table]
        return "\n".join(lines) + "\n"
    raise ConfigError(f"--format: unknown format {fmt!r}; valid: table, md, csv, json")


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def _line(r: dict[str, Any]) -> list[Any]:
    v = r["vs_first"]
    ci = (
        f"[{_pct(r['pass@1_low'])}, {_pct(r['pass@1_high'])}]"
        if r["pass@1_low"] is not None
        else "–"
    )
    if v is None:
        versus = ("(baseline)", "–", "–", "–")
    else:
        sign = "+" if v["difference"] >= 0 else ""
        paired_ci = (
            f"[{100 * v['low']:+.1f}, {100 * v['high']:+.1f}]" if v["low"] is not None else "–"
        )
        versus = (f"{sign}{100 * v['difference']:.1f} pts", paired_ci,
                  f"{v['wins']}/{v['losses']}", f"{v['sign_test_p']:.3g}")  # fmt: skip
    name = r["run"] + (" (upper bound)" if r["upper_bound"] else "")
    return [name, f"{_pct(r['pass@1'])} ({r['passed']}/{r['scored']})", ci, *versus,
            _pct(r["oracle_pass@N"]), f"{r['tokens_per_problem']:,.0f}",
            f"{r['paid_tokens_per_problem']:,.0f}", f"{r['seconds_per_problem']:.1f}",
            r["errors"]]  # fmt: skip


def _cell(v: Any) -> str:
    return str(v)


def plot(summaries: list[RunSummary], path: Path) -> None:
    """pass@1 against tokens per problem, one point per run."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        from agentsstar.errors import MissingDependencyError

        raise MissingDependencyError("matplotlib", "plot", "--plot") from None
    points = [s for s in summaries if s.pass_at_1 is not None]
    if not points:
        raise ConfigError("--plot: no run has scored problems to plot")
    fig, ax = plt.subplots(figsize=(7, 4.5))
    labels = []
    for s in points:
        y = 100 * (s.pass_at_1 or 0.0)
        marker = "x" if s.upper_bound else "o"
        if s.interval is not None:
            low, high = 100 * s.interval[0], 100 * s.interval[1]
            ax.errorbar(
                s.tokens_per_problem, y, yerr=[[y - low], [high - y]], fmt="none", capsize=4
            )
        ax.scatter(s.tokens_per_problem, y, marker=marker, s=60)
        # Named as in the table's "run" column, so a point is found in the table.
        labels.append(
            ax.annotate(
                s.name + (" (upper bound)" if s.upper_bound else ""),
                (s.tokens_per_problem, y),
                textcoords="offset points",
                xytext=(6, 4),
                fontsize=8,
            )
        )
    ax.set_xscale("log")
    ax.set_xlabel("tokens per problem (log scale)")
    ax.set_ylabel("pass@1 (%)")
    ax.set_ylim(0, 100)
    ax.grid(True, alpha=0.3)
    ax.set_title("pass@1 against cost (bars: 95% bootstrap interval)")
    low_x, high_x = ax.get_xlim()
    ax.set_xlim(low_x, high_x * 2.5)  # room for the labels of the costliest runs
    fig.tight_layout()
    _spread(fig, labels)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    tmp.replace(path)


def _spread(fig: Any, labels: list[Any]) -> None:
    """Move labels that would overlap apart vertically (runs of similar cost and
    pass@1 sit close together), each by whole steps of its own height."""
    renderer = fig.canvas.get_renderer()
    placed: list[Any] = []
    for label in sorted(labels, key=lambda a: -a.xy[1]):
        dx, dy = label.xyann
        for _ in range(len(labels) * 2):
            box = label.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in placed):
                break
            dy -= box.height * 72 / fig.dpi  # one line lower, in points
            label.xyann = (dx, dy)
        placed.append(label.get_window_extent(renderer))
