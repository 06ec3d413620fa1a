"""``agentsstar eval``: concurrency, results on disk, resume after ``kill -9``, report."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentsstar.testing.openai_server import FakeOpenAIServer

from .drivers import start_driver, wait_for_rows
from .fake_model import reply
from .test_run import EXAMPLES, cli, flat

EXPECTED = {
    "balanced-brackets": True,
    "count-primes": True,
    "longest-common-prefix": True,
    "max-subarray": True,
    "mean-median": False,
    "reverse-words": True,
}


@pytest.fixture(scope="module")
def slow_server() -> Iterator[FakeOpenAIServer]:
    # Slow enough that a kill lands while problems are in flight.
    with FakeOpenAIServer(reply=reply, delay=0.4) as srv:
        yield srv


def lines(run_dir: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in (run_dir / "results.jsonl").read_text().splitlines()]


def eval_args(server: FakeOpenAIServer, run_dir: Path) -> list[str]:
    return [
        "eval", str(EXAMPLES), "--run-dir", str(run_dir),
        "--model", "openai:fake-model", "--base-url", server.base_url,
        "-n", "2", "--rounds", "1", "-j", "2",
    ]  # fmt: skip


def test_uninterrupted_run_and_report(slow_server: FakeOpenAIServer, tmp_path: Path) -> None:
    run_dir = tmp_path / "full"
    proc = cli(*eval_args(slow_server, run_dir), timeout=300)
    assert proc.returncode == 0, proc.stderr
    got = {r["id"]: r["passed"] for r in lines(run_dir)}
    assert got == EXPECTED
    for r in lines(run_dir):
        assert r["error"] is None and r["usage"]["llm_calls"] >= 2 and r["seconds"] > 0
        assert (run_dir / "results" / f"{r['id']}.json").exists()
    rep = cli("report", str(run_dir), "--plot", str(tmp_path / "plot.png"))
    assert rep.returncode == 0, rep.stderr
    assert "83.3% (5/6)" in rep.stderr
    assert (tmp_path / "plot.png").stat().st_size > 1000


def test_kill_9_then_resume_loses_nothing(slow_server: FakeOpenAIServer, tmp_path: Path) -> None:
    run_dir = tmp_path / "killed"
    proc = start_driver(eval_args(slow_server, run_dir), tmp_path / "driver.log")
    try:
        wait_for_rows(run_dir, 2, proc, tmp_path / "driver.log")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finished = lines(run_dir)
    assert 2 <= len(finished) < len(EXPECTED), "the kill should land mid-run"
    resumed = cli("eval", "--resume", str(run_dir), timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    final = lines(run_dir)
    ids = [r["id"] for r in final]
    assert len(ids) == len(set(ids)), "no problem recorded twice"
    assert {r["id"]: r["passed"] for r in final} == EXPECTED
    # What was finished before the kill was kept, not redone.
    assert final[: len(finished)] == finished


def test_resume_refuses_new_settings(tmp_path: Path) -> None:
    run_dir = tmp_path / "r"
    run_dir.mkdir()
    (run_dir / "config.json").write_text("{}")
    proc = cli("eval", "--resume", str(run_dir), "--model", "openai:other")
    assert proc.returncode == 2, proc.stderr
    assert "'--resume': continues a run with its saved settings; drop --model" in flat(proc.stderr)


def test_server_down_is_recorded_as_error_not_failure(tmp_path: Path) -> None:
    run_dir = tmp_path / "down"
    proc = cli(
        "eval", str(EXAMPLES), "--run-dir", str(run_dir), "--ids", "reverse-words",
        "--model", "openai:m", "--base-url", "http://127.0.0.1:9/v1", "-n", "1",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    [rec] = lines(run_dir)
    assert rec["passed"] is None and rec["error_kind"] == "infrastructure"
    assert "ModelError" in rec["error"]
    rep = cli("report", str(run_dir))
    assert "– (0/0)" in rep.stderr  # no pass@1 claimed from an error


def test_ray_driver_killed_then_resumed_on_ray(
    slow_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    pytest.importorskip("ray")
    run_dir, log = tmp_path / "ray", tmp_path / "driver.log"
    proc = start_driver([*eval_args(slow_server, run_dir), "--ray", "local"], log)
    try:
        # The first Ray start on a fresh install is slow; the wait allows for it.
        wait_for_rows(run_dir, 1, proc, log)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and the Ray runtime it started
        proc.wait(timeout=30)
    finished = lines(run_dir)
    assert 1 <= len(finished) < len(EXPECTED), "the kill should land mid-run"
    resumed = cli("eval", "--resume", str(run_dir), "--ray", "local", timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    final = lines(run_dir)
    assert len({r["id"] for r in final}) == len(final) == len(EXPECTED)
    assert {r["id"]: r["passed"] for r in final} == EXPECTED
    assert final[: len(finished)] == finished
    assert all(r["pid"] and r["host"] for r in final)  # every row says where it ran
