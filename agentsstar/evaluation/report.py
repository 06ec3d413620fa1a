"""Summaries of run directories: pass@1, oracle pass@N, tokens and time per run."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentsstar.errors import ConfigError
from agentsstar.evaluation.store import ProblemRecord, RunStore


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
    tokens_per_problem: float
    seconds_per_problem: float
    wall_seconds: float
    by_difficulty: dict[str, tuple[int, int]] = field(default_factory=dict)  # passed, scored

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
    errors = [r for r in records if r.error_kind in {"infrastructure", "timeout", "config"}]
    oracle = [r for r in scored if r.candidates_passed is not None]
    by_diff: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in scored:
        if r.difficulty:
            by_diff[r.difficulty][0] += int(bool(r.passed))
            by_diff[r.difficulty][1] += 1
    tokens = [
        r.usage.prompt_tokens + r.usage.completion_tokens for r in records if not r.error_kind
    ]
    seconds = [r.seconds for r in records]
    selection = config.get("run", {}).get("selection", {}).get("name")
    return RunSummary(
        name=run_dir.name,
        label=_label(config),
        upper_bound=selection == "oracle",
        total=len(records),
        scored=len(scored),
        passed=sum(bool(r.passed) for r in scored),
        errors=len(errors),
        oracle_passed=sum((r.candidates_passed or 0) > 0 for r in oracle) if oracle else None,
        tokens_per_problem=statistics.fmean(tokens) if tokens else 0.0,
        seconds_per_problem=statistics.fmean(seconds) if seconds else 0.0,
        wall_seconds=float(config.get("wall_seconds", sum(seconds))),
        by_difficulty={k: (v[0], v[1]) for k, v in sorted(by_diff.items())},
    )


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
    for s in points:
        y = 100 * (s.pass_at_1 or 0.0)
        marker = "x" if s.upper_bound else "o"
        ax.scatter(s.tokens_per_problem, y, marker=marker, s=60)
        ax.annotate(
            s.label.split(":")[0] + (" (upper bound)" if s.upper_bound else ""),
            (s.tokens_per_problem, y),
            textcoords="offset points",
            xytext=(6, 4),
            fontsize=8,
        )
    ax.set_xscale("log")
    ax.set_xlabel("tokens per problem (log scale)")
    ax.set_ylabel("pass@1 (%)")
    ax.set_ylim(0, 100)
    ax.grid(True, alpha=0.3)
    ax.set_title("pass@1 against cost")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    tmp.replace(path)
