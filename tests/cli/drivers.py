"""An ``agentsstar`` process to kill mid-run: started in its own session, its output in a log.

The log is what a failure shows: a driver that died or stalled before its first row
says why, instead of the test reporting only that no row appeared.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


def start_driver(
    args: list[str], log: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "agentsstar", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # killpg takes the driver and whatever it started
        )


def wait_for_rows(
    run_dir: Path, count: int, proc: subprocess.Popen[bytes], log: Path, within: float = 240
) -> None:
    """Return once ``results.jsonl`` has ``count`` rows; fail with the log otherwise."""
    results = run_dir / "results.jsonl"
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if results.exists() and len(results.read_text().splitlines()) >= count:
            return
        if proc.poll() is not None:
            pytest.fail(
                f"the driver exited ({proc.returncode}) before {count} rows:\n{log.read_text()}"
            )
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    pytest.fail(f"no {count} rows within {within:.0f} s:\n{log.read_text()}")
