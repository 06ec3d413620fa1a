"""``agentsstar eval`` and ``report`` on what goes wrong: a bad problem file, a torn
results line, a deadline; and a plot that really shows the runs compared."""

from __future__ import annotations

import json
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentsstar.testing.openai_server import FakeOpenAIServer

from .fake_model import reply
from .test_eval import lines
from .test_run import EXAMPLES, cli

# matplotlib's first two colours: the first run's markers, the second run's.
C0 = (31, 119, 180)
C1 = (255, 127, 14)


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(reply=reply) as srv:
        yield srv


def eval_ids(server: FakeOpenAIServer, run_dir: Path, *ids: str, extra: tuple[str, ...] = ()):
    args = ["eval", str(EXAMPLES), "--run-dir", str(run_dir), "--preset", "zero-shot"]
    args += ["--model", "openai:fake-model", "--base-url", server.base_url, *extra]
    for i in ids:
        args += ["--ids", i]
    return cli(*args, timeout=300)


def test_a_bad_problem_file_stops_eval_before_anything_runs(
    server: FakeOpenAIServer, tmp_path: Path
) -> None:
    bench = tmp_path / "bench"
    bench.mkdir()
    shutil.copy(EXAMPLES / "reverse-words.json", bench)
    (bench / "broken.json").write_text('{"prompt": "x"')
    before = server.request_count
    proc = cli(
        "eval", str(bench), "--run-dir", str(tmp_path / "run"),
        "--model", "openai:fake-model", "--base-url", server.base_url,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"error: {bench / 'broken.json'}: invalid JSON at line 1 column 15: Expecting ',' delimiter"
    )
    assert not (tmp_path / "run").exists()
    assert server.request_count == before


def test_torn_last_line_is_cut_and_its_problem_redone(
    server: FakeOpenAIServer, tmp_path: Path
) -> None:
    run_dir = tmp_path / "run"
    proc = eval_ids(server, run_dir, "reverse-words", "balanced-brackets")
    assert proc.returncode == 0, proc.stderr
    first, second = (run_dir / "results.jsonl").read_text().splitlines()
    # The process died while writing the second record: half a line, no newline.
    (run_dir / "results.jsonl").write_text(first + "\n" + second[: len(second) // 2])
    resumed = cli("eval", "--resume", str(run_dir), timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    records = lines(run_dir)
    assert [json.dumps(records[0])] == [json.dumps(json.loads(first))]
    assert sorted(r["id"] for r in records) == ["balanced-brackets", "reverse-words"]
    assert all(r["passed"] is True for r in records)
    assert "(1 already finished)" in resumed.stderr


def test_deadline_is_recorded_as_a_timeout(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    with FakeOpenAIServer(reply=reply, delay=3.0) as slow:
        proc = eval_ids(slow, run_dir, "reverse-words", extra=("--deadline", "0.5"))
    assert proc.returncode == 0, proc.stderr
    [record] = lines(run_dir)
    assert record["passed"] is None
    assert record["error_kind"] == "timeout"
    assert record["error"] == "deadline of 0.5 s passed"
    assert record["seconds"] < 3.0


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def marker_rows(path: Path, colour: tuple[int, int, int]) -> list[int]:
    """Rows of the image holding pixels of ``colour`` (a scatter marker's fill)."""
    image = pytest.importorskip("PIL.Image").open(path).convert("RGB")
    width, height = image.size
    pixels = image.load()
    return [
        y
        for y in range(height)
        for x in range(width)
        if all(abs(a - b) <= 3 for a, b in zip(pixels[x, y], colour, strict=True))
    ]


def test_report_plot_is_a_png_showing_each_run(server: FakeOpenAIServer, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    # The fake model fails mean-median: run A passes 1 of 2 (50%), run B 2 of 3 (67%).
    run_a, run_b = tmp_path / "a", tmp_path / "b"
    assert eval_ids(server, run_a, "reverse-words", "mean-median").returncode == 0
    assert eval_ids(server, run_b, "reverse-words", "max-subarray", "mean-median").returncode == 0
    plot = tmp_path / "plot.png"
    proc = cli("report", str(run_a), str(run_b), "--plot", str(plot))
    assert proc.returncode == 0, proc.stderr
    assert "50.0% (1/2)" in proc.stderr and "66.7% (2/3)" in proc.stderr
    assert png_size(plot.read_bytes()) == (840, 540)  # 7 x 4.5 inches at 120 dpi
    rows_a, rows_b = marker_rows(plot, C0), marker_rows(plot, C1)
    assert rows_a and rows_b, "each run has its marker"
    # Higher pass@1 is higher on the image (a smaller row index).
    centre_a, centre_b = sum(rows_a) / len(rows_a), sum(rows_b) / len(rows_b)
    assert centre_b < centre_a
    # The y axis spans 0-100 %: the markers sit about 17 % of the plot height apart.
    assert 0.08 * 540 < centre_a - centre_b < 0.2 * 540
