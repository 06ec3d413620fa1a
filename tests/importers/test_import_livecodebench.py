"""LiveCodeBench code_generation_lite rows -> problems.

The fixture follows the published rows field for field: every value is a string,
``public_test_cases``/``private_test_cases``/``metadata`` hold JSON text, and two
rows carry their private tests as base64(zlib(pickle(JSON text))), as the real
files do.
"""

from __future__ import annotations

import base64
import json
import os
import pickle
import zlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from agentsstar.errors import ConfigError, ProblemFileError
from agentsstar.importers import ImportOptions, import_problems, livecodebench
from agentsstar.problem import load_problem

FIXTURE = Path(__file__).parent / "fixtures" / "livecodebench.jsonl"


def _rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in FIXTURE.read_text().splitlines()]


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _compress(obj: Any) -> str:
    return base64.b64encode(zlib.compress(pickle.dumps(obj))).decode()


def test_stdin_and_functional_rows_field_by_field(tmp_path: Path) -> None:
    report = import_problems("livecodebench", FIXTURE, tmp_path)
    assert sorted(p.name for p in report.written) == [
        "atcoder-abc900_a.json",
        "codeforces-9901_A.json",
        "leetcode-9001.json",
        "leetcode-9002.json",
    ]
    atcoder = load_problem(tmp_path / "atcoder-abc900_a.json")
    assert atcoder.kind == "stdin" and atcoder.entry_point is None
    assert atcoder.starter_code is None  # "" in the source
    assert atcoder.prompt.startswith("You are given an integer N.")
    assert [(t.input, t.output) for t in atcoder.public_tests] == [("5\n", "6\n")]
    assert [(t.input, t.output) for t in atcoder.private_tests] == [
        ("1\n", "2\n"),
        ("100\n", "101\n"),
    ]
    assert atcoder.difficulty == "easy"
    assert atcoder.time_limit_s == 6.0
    assert atcoder.metadata == {
        "source": "livecodebench",
        "platform": "atcoder",
        "question_id": "abc900_a",
        "question_title": "Echo Plus One",
        "contest_id": "abc900",
        "contest_date": "2023-05-13",
    }

    # private tests in the compressed encoding
    codeforces = load_problem(tmp_path / "codeforces-9901_A.json")
    assert [(t.input, t.output) for t in codeforces.private_tests] == [
        ("3\nabc\nbac\nxyz\n", "YES\nNO\nYES\n")
    ]

    leet = load_problem(tmp_path / "leetcode-9001.json")
    assert leet.kind == "function"
    assert leet.entry_point == "Solution.countLongWords"
    assert leet.starter_code is not None and leet.starter_code.startswith("class Solution:")
    assert [(t.input, t.output) for t in leet.public_tests] == [([["a", "abc", "de"], 1], 2)]
    assert [(t.input, t.output) for t in leet.private_tests] == [
        ([["hello"], 5], 0),
        ([["x", "yy", "zzz"], 0], 3),
    ]
    assert leet.metadata["func_name"] == "countLongWords"

    # a JSON string argument holding an escaped newline stays one argument
    pairs = load_problem(tmp_path / "leetcode-9002.json")
    assert [(t.input, t.output) for t in pairs.private_tests] == [
        (['a\nb"c'], [["a\n", 'b"'], False])
    ]
    assert report.public_tests == 4 and report.with_public_tests == 4


def test_date_and_difficulty_filters(tmp_path: Path) -> None:
    report = import_problems(
        "livecodebench",
        FIXTURE,
        tmp_path / "a",
        ImportOptions(since=date(2023, 5, 14), until=date(2023, 12, 31)),
    )
    assert [p.name for p in report.written] == ["codeforces-9901_A.json"]
    assert report.skip_reasons() == {"outside the --since/--until dates": 3}

    report = import_problems(
        "livecodebench",
        FIXTURE,
        tmp_path / "b",
        ImportOptions(since=date(2023, 5, 13), difficulties=frozenset({"easy", "hard"})),
    )
    assert sorted(p.name for p in report.written) == [
        "atcoder-abc900_a.json",
        "leetcode-9001.json",
        "leetcode-9002.json",
    ]
    assert report.skip_reasons() == {"difficulty not selected": 1}


def test_limit_stops_reading_at_the_limit(tmp_path: Path) -> None:
    rows = _rows()
    rows[2]["public_test_cases"] = "not json"  # would fail if it were read
    src = _write(tmp_path / "test.jsonl", rows)
    report = import_problems("livecodebench", src, tmp_path / "out", ImportOptions(limit=2))
    assert len(report.written) == 2


def test_a_directory_of_release_files_is_read_in_name_order(tmp_path: Path) -> None:
    rows = _rows()
    src = tmp_path / "lcb"
    src.mkdir()
    _write(src / "test.jsonl", rows[:2])
    _write(src / "test2.jsonl", rows[2:])
    report = import_problems("livecodebench", src, tmp_path / "out")
    assert len(report.written) == 4


def test_a_malicious_pickle_is_refused_and_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self) -> tuple[Any, ...]:
            return (os.system, (f"touch {marker}",))

    rows = _rows()[:1]
    rows[0]["private_test_cases"] = _compress(Evil())
    src = _write(tmp_path / "test.jsonl", rows)
    with pytest.raises(ProblemFileError, match=r"test.jsonl:1: private_test_cases: .*refusing"):
        import_problems("livecodebench", src, tmp_path / "out")
    assert not marker.exists()


@pytest.mark.parametrize(
    ("private", "message"),
    [
        (_compress(["a list, not JSON text"]), "the pickle holds a list, expected JSON text"),
        (_compress("not json"), "the decoded text is not JSON"),
        ("eJx-not-base64!", "neither JSON nor base64 of zlib-compressed data"),
        (base64.b64encode(b"not zlib").decode(), "neither JSON nor base64"),
        (base64.b64encode(zlib.compress(b"not a pickle")).decode(), "not a pickled JSON string"),
    ],
)
def test_undecodable_private_tests_are_named(tmp_path: Path, private: str, message: str) -> None:
    rows = _rows()[:1]
    rows[0]["private_test_cases"] = private
    src = _write(tmp_path / "test.jsonl", rows)
    with pytest.raises(ProblemFileError, match="test.jsonl:1: private_test_cases: " + message):
        import_problems("livecodebench", src, tmp_path / "out")


def test_a_decompression_bomb_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(livecodebench, "_MAX_DECOMPRESSED", 1000)
    rows = _rows()[:1]
    rows[0]["private_test_cases"] = _compress(json.dumps([{"input": "x" * 5000}]))
    src = _write(tmp_path / "test.jsonl", rows)
    with pytest.raises(ProblemFileError, match="decompresses to more than"):
        import_problems("livecodebench", src, tmp_path / "out")


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        ({"question_content": None}, 1, "question_content: required field is missing"),
        ({"platform": 3}, 1, "platform: expected a string, got an integer"),
        ({"public_test_cases": "[{"}, 1, "public_test_cases: invalid JSON text"),
        ({"public_test_cases": "{}"}, 1, "public_test_cases: expected a JSON list of tests"),
        (
            {"public_test_cases": '[{"input": "1", "output": "2", "testtype": "x"}]'},
            1,
            "public_test_cases[0].testtype: expected 'stdin' or 'functional', got 'x'",
        ),
        ({"contest_date": "yesterday"}, 1, "contest_date: 'yesterday' is not an ISO date"),
        ({"metadata": "[]"}, 1, "metadata: expected a JSON object"),
        (
            {"public_test_cases": '[{"input": "1", "output": "2", "testtype": "functional"}]'},
            1,
            "testtype: mixes 'stdin' and 'functional' tests",
        ),
    ],
)
def test_bad_fields_name_file_line_and_field(
    tmp_path: Path, change: dict[str, Any], line: int, message: str
) -> None:
    rows = _rows()
    rows[line - 1].update(change)
    src = _write(tmp_path / "test.jsonl", rows)
    with pytest.raises(ProblemFileError) as err:
        import_problems("livecodebench", src, tmp_path / "out")
    assert str(err.value).startswith(f"{src}:{line}: {message}")
    assert not list((tmp_path / "out").glob("*.json"))  # nothing written, not even row 0


def test_functional_rows_need_func_name_and_json_arguments(tmp_path: Path) -> None:
    rows = _rows()
    rows[2]["metadata"] = "{}"
    src = _write(tmp_path / "a.jsonl", rows)
    with pytest.raises(ProblemFileError, match=r"a.jsonl:3: metadata: .*'func_name'"):
        import_problems("livecodebench", src, tmp_path / "out")
    rows = _rows()
    rows[2]["public_test_cases"] = json.dumps(
        [{"input": "[1, 2]\nnot json", "output": "3", "testtype": "functional"}]
    )
    src = _write(tmp_path / "b.jsonl", rows)
    with pytest.raises(
        ProblemFileError, match=r"b.jsonl:3: public_test_cases\[0\].input: line 2 is not a JSON"
    ):
        import_problems("livecodebench", src, tmp_path / "out")


def test_a_bad_json_line_is_named(tmp_path: Path) -> None:
    src = tmp_path / "test.jsonl"
    src.write_text(FIXTURE.read_text() + '{"question_title": \n')
    with pytest.raises(ProblemFileError, match=r"test.jsonl:5: invalid JSON: "):
        import_problems("livecodebench", src, tmp_path / "out")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (ImportOptions(difficulties=frozenset({"meduim"})), "unknown livecodebench difficulty"),
        (ImportOptions(since=date(2024, 1, 2), until=date(2024, 1, 1)), "is after --until"),
        (ImportOptions(include_generated=True), "--include-generated does not apply"),
        (ImportOptions(limit=0), "--limit must be at least 1"),
    ],
)
def test_bad_options_are_config_errors(
    tmp_path: Path, options: ImportOptions, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        import_problems("livecodebench", FIXTURE, tmp_path, options)
