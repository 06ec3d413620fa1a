"""``agentsstar run --sandbox e2b`` as a user runs it: a real CLI process, a real HTTP
model server, and E2B sandboxes from ``FakeE2B`` (reached through a tests-only
``e2b_code_interpreter`` package first on the subprocess's ``PYTHONPATH``, so no
production code knows about it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentsstar.testing import FakeOpenAIServer
from tests.cli.fake_model import reply

pytestmark = pytest.mark.timeout(180)

EXAMPLES = Path(__file__).parents[2] / "examples"
SHIM = Path(__file__).parent / "e2b_shim"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(reply=reply) as srv:
        yield srv


def test_run_with_the_e2b_sandbox(server: FakeOpenAIServer, tmp_path: Path) -> None:
    pytest.importorskip("e2b")  # the CLI path needs the SDK's types (the extra)
    report = tmp_path / "fake-e2b.json"
    out = tmp_path / "result.json"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SHIM), os.environ.get("PYTHONPATH", "")]),
        "E2B_API_KEY": "e2b_dummy_key_for_the_fake",
        "FAKE_E2B_REPORT": str(report),
    }
    proc = subprocess.run(
        [
            sys.executable, "-m", "agentsstar", "run", str(EXAMPLES / "reverse-words.json"),
            "--model", "openai:fake-model", "--base-url", server.base_url,
            "--sandbox", "e2b", "-n", "2", "--rounds", "1", "--out", str(out),
        ],
        capture_output=True,
        text=True,
        timeout=150,
        env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "print(' '.join(input().split()[::-1]))\n"
    assert "private tests 5/5 passed" in proc.stderr
    data = json.loads(out.read_text())
    assert data["candidates"][0]["attempts"][0]["public"][0]["grade"] == "accepted"
    # The programs really ran in the fake: the runner was started there with the
    # sandbox's python3 (as root, E2BSandbox's default), and every sandbox made was
    # killed when the run ended.
    seen = json.loads(report.read_text())
    assert seen["commands"]
    assert all(c["user"] == "root" and "python3" in c["cmd"] for c in seen["commands"])
    assert seen["created"] >= 1 and seen["create_requests"] == seen["created"]
    assert seen["killed"] == seen["created"] and seen["live"] == 0
