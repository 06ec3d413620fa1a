"""Problems that ended in an error are not verdicts: they can be run again, and a
defect of agentsstar's own costs one problem, not the whole eval."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agentsstar.evaluation.runner import run_problem
from agentsstar.evaluation.store import ProblemRecord, RunStore
from agentsstar.problem import load_problems
from agentsstar.testing.openai_server import FakeOpenAIServer, Fault

from .fake_model import reply
from .test_eval import lines
from .test_eval_records import eval_ids
from .test_run import EXAMPLES, cli, flat


def test_retry_errors_runs_the_errored_problems_again_and_keeps_verdicts(
    tmp_path: Path,
) -> None:
    run_dir = tmp_path / "run"
    with FakeOpenAIServer(reply=reply) as server:
        # The first model request is refused (not worth retrying): one problem errs.
        server.inject(Fault.http(400, "model is loading"))
        first = eval_ids(server, run_dir, "reverse-words", "balanced-brackets", extra=("-j", "1"))
        assert first.returncode == 0, first.stderr
        before = lines(run_dir)
        errored = [r for r in before if r["error_kind"] == "infrastructure"]
        judged = [r for r in before if r["error_kind"] is None]
        assert len(errored) == 1 and len(judged) == 1 and judged[0]["passed"] is True
        assert "model is loading" in str(errored[0]["error"])

        plain = cli("eval", "--resume", str(run_dir), timeout=300)
        assert plain.returncode == 0, plain.stderr
        assert lines(run_dir) == before  # a plain resume keeps errors as finished

        requests = server.request_count
        again = cli("eval", "--resume", str(run_dir), "--retry-errors", timeout=300)
        assert again.returncode == 0, again.stderr
        assert server.request_count > requests
    assert f"running again 1 that ended in an error: {errored[0]['id']}" in flat(again.stderr)
    after = lines(run_dir)
    assert len(after) == 2  # one line per problem, the error's line replaced
    assert after[0] == judged[0]  # the verdict was kept, not redone
    assert after[1]["id"] == errored[0]["id"] and after[1]["passed"] is True
    assert (run_dir / "results" / f"{errored[0]['id']}.json").exists()


def test_retry_errors_needs_resume(tmp_path: Path) -> None:
    proc = cli("eval", str(EXAMPLES), "--retry-errors", "--run-dir", str(tmp_path / "r"))
    assert proc.returncode == 2
    assert "'--retry-errors': retries the errors of a run being resumed" in flat(proc.stderr)
    assert not (tmp_path / "r").exists()


class BrokenRun:
    """A run whose pipeline has a defect that one problem's data sets off."""

    def __init__(self, bad: str) -> None:
        self.bad = bad

    async def solve(self, problem: Any, **_: Any) -> Any:
        if problem.id == self.bad:
            raise TypeError("'<' not supported between instances of 'str' and 'int'")
        raise AssertionError("only the bad problem is solved here")


@pytest.mark.anyio
async def test_a_defect_on_one_problem_is_recorded_as_an_internal_error() -> None:
    [problem] = [p for p in load_problems(EXAMPLES) if p.id == "reverse-words"]
    record, result = await run_problem(problem, BrokenRun("reverse-words"))  # type: ignore[arg-type]
    assert result is None and record.passed is None
    assert record.error_kind == "internal"
    assert record.error == (
        "internal error: TypeError: '<' not supported between instances of 'str' and 'int'"
    )


def test_forget_errors_leaves_verdicts_and_other_problems_alone(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "run")
    store.create({})
    rows = [
        ProblemRecord(id="a", passed=True),
        ProblemRecord(id="b", passed=None, error="x", error_kind="timeout"),
        ProblemRecord(id="c", passed=None, error="no private tests", error_kind="unscored"),
        ProblemRecord(id="d", passed=None, error="y", error_kind="internal"),
        ProblemRecord(id="e", passed=False),
    ]
    for row in rows:
        store.save(row, None)
    forgotten = store.forget_errors({"a", "b", "c", "e"})  # "d" is not in this eval
    assert [r.id for r in forgotten] == ["b"]
    kept = [json.loads(x)["id"] for x in store.results.read_text().splitlines()]
    assert kept == ["a", "c", "d", "e"]
    assert store.forget_errors({"a", "c", "e"}) == []
