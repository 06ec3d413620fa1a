"""``agentsstar mcp`` as a command: what it says when it cannot start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT


def agentsstar(*args: str, pythonpath: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agentsstar", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": pythonpath},
        stdin=subprocess.DEVNULL,
    )


def test_without_the_sdk_it_names_the_extra(tmp_path: Path) -> None:
    # An installation without the 'mcp' extra: the SDK cannot be imported.
    (tmp_path / "mcp.py").write_text("raise ModuleNotFoundError(\"No module named 'mcp'\")\n")
    path = os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", str(ROOT))])
    proc = agentsstar(
        "mcp", "--model", "openai:m", "--base-url", "http://127.0.0.1:9/v1", pythonpath=path
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "error: agentsstar mcp needs the 'mcp' package; install it with: "
        "pip install 'agentsstar[mcp]'"
    )
    # The rest of the command line does not need it.
    assert agentsstar("--help", pythonpath=path).returncode == 0


def test_bad_options_fail_before_serving() -> None:
    path = os.environ.get("PYTHONPATH", str(ROOT))
    proc = agentsstar("mcp", "--selection", "sstr", pythonpath=path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: unknown selection strategy 'sstr'")
    assert proc.stdout == ""  # nothing on the protocol stream
