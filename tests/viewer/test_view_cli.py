"""``agentsstar view`` as a user runs it: a real process on a real result file and a
real run directory (made by ``agentsstar eval`` against a real HTTP model server)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentsstar.records import Result
from agentsstar.testing.openai_server import FakeOpenAIServer

from ..cli.fake_model import reply
from .conftest import EXAMPLES, HOSTILE
from .htmlscan import Scan


def cli(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agentsstar", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ.copy(),
    )


def failing_on_primes(messages: list[dict[str, Any]], body: dict[str, Any]) -> str:
    # One problem ends in an infrastructure error: its row has no page.
    if any("how many prime numbers" in str(m["content"]) for m in messages):
        raise RuntimeError("model down for this one")
    return reply(messages, body)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    target = tmp_path_factory.mktemp("eval") / "run"
    with FakeOpenAIServer(reply=failing_on_primes) as srv:
        proc = cli(
            "eval", EXAMPLES, "--run-dir", target,
            "--model", "openai:fake-model", "--base-url", srv.base_url,
            "-n", "2", "--rounds", "1", "-j", "3",
            timeout=300,
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    yield target


@pytest.fixture
def result_file(result: Result, tmp_path: Path) -> Path:
    path = tmp_path / "result.json"
    path.write_text(result.model_dump_json(indent=2))
    return path


def test_result_file_to_one_page(result_file: Path, result: Result, tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    proc = cli("view", result_file, "-o", out, "--problem", EXAMPLES / "reverse-words.json")
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {out}" in proc.stderr
    scan = Scan(out.read_text())
    assert HOSTILE in "".join(scan.text(f"cand-{c.index}") for c in result.candidates)
    assert "Read one line of text" in scan.text("problem")
    # Without -o the page goes next to the result.
    proc = cli("view", result_file)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "result.html").read_text() != ""


def test_problem_of_another_id_is_refused(result_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    proc = cli("view", result_file, "-o", out, "--problem", EXAMPLES / "max-subarray.json")
    assert proc.returncode == 2
    assert "--problem: 'max-subarray' is not the problem of" in proc.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{not json", "not an agentsstar result: invalid JSON at line 1"),
        ("[1, 2]", "not an agentsstar result (expected a JSON object)"),
        # A problem file is JSON, but not a result.
        ((EXAMPLES / "reverse-words.json").read_text(), "not an agentsstar result (problem_id:"),
    ],
)
def test_bad_input_is_one_line_naming_the_file(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "in.json"
    if content is not None:
        path.write_text(content)
    out = tmp_path / "page.html"
    proc = cli("view", path, "-o", out)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and message in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == ([path] if content else [])


def test_a_directory_that_is_not_a_run(tmp_path: Path) -> None:
    proc = cli("view", tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: {tmp_path}: not a run directory (no config.json)"
    assert list(tmp_path.iterdir()) == []


def test_run_dir_to_index_and_a_page_per_problem(run_dir: Path) -> None:
    records = [json.loads(x) for x in (run_dir / "results.jsonl").read_text().splitlines()]
    assert len(records) == 6
    proc = cli("view", run_dir)
    assert proc.returncode == 0, proc.stderr
    index = run_dir / "view" / "index.html"
    assert f"wrote {index} and 5 problem page(s)" in proc.stderr
    text = index.read_text()
    scan = Scan(text)
    links = {a["href"] for t, a in scan.attrs if t == "a"}
    table = text[text.index('<table class="sortable">') :].split("</table>")[0]
    assert table.count("<tr>") == 1 + len(records)
    for rec in records:
        page = f"{rec['id']}.html"
        if rec["error"]:
            # The problem that ended in an error has a row with its error, no page.
            assert rec["id"] == "count-primes" and page not in links
            assert not (run_dir / "view" / page).exists()
            continue
        assert page in links
        problem_page = Scan((run_dir / "view" / page).read_text())
        # The statement comes from the benchmark the run was made from.
        statement = json.loads((EXAMPLES / f"{rec['id']}.json").read_text())["prompt"]
        assert statement in problem_page.text("problem")
        assert ("index.html") in {a.get("href") for t, a in problem_page.attrs if t == "a"}
    assert "ModelError" in table
    # One script, the sort, allowed by its hash; nothing else.
    assert scan.starts["script"] == 1


def test_a_bad_result_in_a_run_writes_nothing(run_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy, ignore=shutil.ignore_patterns("view"))
    bad = copy / "results" / "reverse-words.json"
    bad.write_text('{"problem_id": "reverse-words"}')
    proc = cli("view", copy)
    assert proc.returncode == 2
    assert f"{bad}: not an agentsstar result" in proc.stderr
    assert not (copy / "view").exists()


def test_a_run_is_a_folder_of_pages_not_one_file(run_dir: Path, tmp_path: Path) -> None:
    proc = cli("view", run_dir, "-o", tmp_path / "run.html")
    assert proc.returncode == 2
    assert "a run directory is shown as a folder of pages; name a folder" in proc.stderr
    proc = cli("view", run_dir, "--problem", EXAMPLES / "reverse-words.json")
    assert proc.returncode == 2
    assert "--problem: only for a result file" in proc.stderr
    assert list(tmp_path.iterdir()) == []
