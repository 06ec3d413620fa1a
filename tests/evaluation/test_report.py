"""Reports that compare: per-arm intervals, paired differences, formats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from agentsstar.errors import ConfigError
from agentsstar.evaluation.report import ARMS_FILE, render, rows, run_dirs, summarise
from agentsstar.evaluation.store import ProblemRecord, RunStore
from agentsstar.records import Usage


def make_run(root: Path, name: str, passed: list[bool], errors: int = 0) -> Path:
    store = RunStore(root / name)
    store.create({"run": {"model": "m", "selection": {"name": name}}, "preset": name})
    for i, ok in enumerate(passed):
        store.save(ProblemRecord(id=f"p{i}", passed=ok, seconds=1.0), None)
    for j in range(errors):
        store.save(
            ProblemRecord(
                id=f"e{j}", passed=None, error="server down", error_kind="infrastructure"
            ),
            None,
        )
    return store.dir


# Ten problems: baseline passes 4; the other arm passes 7, winning 4 and losing 1.
BASE = [True, True, True, True, False, False, False, False, False, False]
OTHER = [True, True, True, False, True, True, True, True, False, False]


def test_paired_figures_match_the_hand_count(tmp_path: Path) -> None:
    dirs = [make_run(tmp_path, "majority", BASE), make_run(tmp_path, "sstar", OTHER, errors=2)]
    summaries = [summarise(d) for d in dirs]
    data = rows(summaries)
    assert data[0]["pass@1"] == pytest.approx(0.4) and data[0]["vs_first"] is None
    assert data[1]["pass@1"] == pytest.approx(0.7)
    assert data[1]["errors"] == 2 and data[1]["scored"] == 10
    vs = data[1]["vs_first"]
    assert (vs["wins"], vs["losses"], vs["problems"]) == (4, 1, 10)
    assert vs["difference"] == pytest.approx(0.3)
    # Sign test, 4 wins vs 1 loss: 2 * (C(5,0) + C(5,1)) / 32 = 0.375.
    assert vs["sign_test_p"] == pytest.approx(0.375)
    assert vs["low"] < 0.3 < vs["high"]
    lo, hi = data[1]["pass@1_low"], data[1]["pass@1_high"]
    assert lo < 0.7 < hi


def test_formats(tmp_path: Path) -> None:
    dirs = [make_run(tmp_path, "majority", BASE), make_run(tmp_path, "sstar", OTHER, errors=1)]
    summaries = [summarise(d) for d in dirs]
    md = render(summaries, "md").splitlines()
    assert md[0].startswith("| run | pass@1 | 95% CI | vs first")
    assert md[3].startswith("| sstar | 70.0% (7/10) |")
    assert "+30.0 pts" in md[3] and "| 4/1 |" in md[3] and "| 0.375 |" in md[3]
    table = list(csv.reader(io.StringIO(render(summaries, "csv"))))
    assert [r[0] for r in table] == ["run", "majority", "sstar"]
    parsed = json.loads(render(summaries, "json"))
    assert parsed["runs"][1]["vs_first"]["wins"] == 4
    assert parsed["errors"] == {"sstar": ["e0"]}  # errors listed apart, by problem
    with pytest.raises(ConfigError, match="--format: unknown format 'xml'"):
        render(summaries, "xml")


def test_an_eval_of_several_arms_expands_in_its_order(tmp_path: Path) -> None:
    root = tmp_path / "D"
    make_run(root, "sstar", OTHER)
    make_run(root, "majority", BASE)
    (root / ARMS_FILE).write_text(json.dumps({"arms": ["majority", "sstar"]}))
    assert [p.name for p in run_dirs([root])] == ["majority", "sstar"]
    with pytest.raises(ConfigError, match="not a run directory"):
        run_dirs([tmp_path / "nowhere"])


def test_an_arm_answered_by_the_cache_is_charged_what_it_used(tmp_path: Path) -> None:
    # Two arms on shared samples: the first paid for them, the second read them from the
    # cache. Compared as if each ran alone, both used the same tokens.
    for name, usage in (
        ("first", Usage(llm_calls=2, prompt_tokens=300, completion_tokens=100)),
        ("second", Usage(llm_calls=0, cached_calls=2, cached_tokens=400)),
    ):
        store = RunStore(tmp_path / name)
        store.create({"run": {"model": "m"}})
        store.save(ProblemRecord(id="p0", passed=True, seconds=1.0, usage=usage), None)
    first, second = (summarise(tmp_path / n) for n in ("first", "second"))
    assert (first.tokens_per_problem, first.paid_tokens_per_problem) == (400, 400)
    assert (second.tokens_per_problem, second.paid_tokens_per_problem) == (400, 0)
    md = render([first, second], "md").splitlines()
    assert "| 400 | 0 |" in md[3]


def test_plot_labels_of_runs_that_sit_together_do_not_overlap() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from agentsstar.evaluation.report import _spread

    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.set_xlim(1, 100)
    ax.set_ylim(0, 100)
    # Three runs of nearly the same cost and pass@1, as codet, sstar and llm-judge.
    points = [(10.0, 70.0), (10.5, 70.5), (11.0, 69.5)]
    labels = [
        ax.annotate(name, xy, textcoords="offset points", xytext=(6, 4), fontsize=8)
        for name, xy in zip(["codet", "sstar", "llm-judge"], points, strict=True)
    ]
    renderer = fig.canvas.get_renderer()
    before = [a.get_window_extent(renderer) for a in labels]
    assert before[0].overlaps(before[1])  # as drawn at first
    _spread(fig, labels)
    after = [a.get_window_extent(renderer) for a in labels]
    for i, box in enumerate(after):
        assert not any(box.overlaps(other) for other in after[i + 1 :])
    # The highest run keeps its place; the others moved no further than needed.
    assert labels[1].xyann == (6, 4)
    assert all(abs(a.xyann[1]) < 40 for a in labels)
    plt.close(fig)
