"""Run directories as pages: read-only, checked before writing, arms of an eval."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentsstar.errors import ConfigError
from agentsstar.evaluation.store import ProblemRecord, RunStore
from agentsstar.records import Result
from agentsstar.viewer import write_arms_view, write_run_view

from .htmlscan import Scan


def make_run(run_dir: Path, result: Result, outcomes: dict[str, bool]) -> RunStore:
    store = RunStore(run_dir)
    store.create(
        {"bench": "/nowhere", "run": {"model": "scripted", "selection": {"name": "sstar"}}}
    )
    for name, passed in outcomes.items():
        store.save(
            ProblemRecord(id=name, passed=passed, candidates=4),
            result.model_copy(update={"problem_id": name}),
        )
    return store


def test_a_run_in_progress_is_shown_and_left_untouched(result: Result, tmp_path: Path) -> None:
    store = make_run(tmp_path / "run", result, {"p1": True, "p2": False})
    # A line still being written (or torn by a kill): not finished, and not "repaired".
    with store.results.open("ab") as f:
        f.write(b'{"id": "p3", "pass')
    before = store.results.read_bytes()
    assert write_run_view(store.dir, tmp_path / "view") == 2
    assert store.results.read_bytes() == before
    index = (tmp_path / "view" / "index.html").read_text()
    assert "p1.html" in index and "p2.html" in index and "p3" not in index
    assert "passed 1/2" in index


def test_arms_of_an_eval_get_an_index_and_a_folder_each(result: Result, tmp_path: Path) -> None:
    make_run(tmp_path / "eval" / "zero-shot", result, {"p1": False, "p2": False})
    make_run(tmp_path / "eval" / "sstar", result, {"p1": True, "p2": False})
    (tmp_path / "eval" / "arms.json").write_text(json.dumps({"arms": ["zero-shot", "sstar"]}))
    out = tmp_path / "view"
    assert write_arms_view(tmp_path / "eval", out) == 4
    top = Scan((out / "index.html").read_text())
    links = [a["href"] for t, a in top.attrs if t == "a"]
    assert links == ["zero-shot/index.html", "sstar/index.html"]
    for arm in ("zero-shot", "sstar"):
        assert (out / arm / "p1.html").exists() and (out / arm / "p2.html").exists()
    assert "passed 1/2" in (out / "sstar" / "index.html").read_text()


def test_arms_are_all_checked_before_anything_is_written(result: Result, tmp_path: Path) -> None:
    make_run(tmp_path / "eval" / "a", result, {"p1": True})
    bad = make_run(tmp_path / "eval" / "b", result, {"p1": True})
    bad.result_path("p1").write_text("[]")
    (tmp_path / "eval" / "arms.json").write_text(json.dumps({"arms": ["a", "b"]}))
    with pytest.raises(ConfigError, match="p1.json: not an agentsstar result"):
        write_arms_view(tmp_path / "eval", tmp_path / "view")
    assert not (tmp_path / "view").exists()
