"""DeepMind CodeContests rows -> stdin problems.

The fixture follows the published rows field for field (tests as
``{"input": [...], "output": [...]}``, integer ``source``/``difficulty`` enums,
``time_limit`` as ``{"seconds", "nanos"}`` or null, ``memory_limit_bytes``,
``input_file``/``output_file``, the ``cf_*`` fields and the solutions).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from agentsstar.errors import ConfigError, ProblemFileError
from agentsstar.importers import ImportOptions, import_problems
from agentsstar.problem import load_problem

FIXTURE = Path(__file__).parent / "fixtures" / "codecontests.jsonl"


def _rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in FIXTURE.read_text().splitlines()]


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_rows_field_by_field(tmp_path: Path) -> None:
    report = import_problems("codecontests", FIXTURE, tmp_path)
    assert [p.name for p in report.written] == ["9990_A-Pair-Sum.json", "p09999-Reverse-Words.json"]
    # the third row reads input.txt / writes output.txt: not a stdin problem
    assert report.skip_reasons() == {"uses named input/output files": 1}

    pair = load_problem(tmp_path / "9990_A-Pair-Sum.json")
    assert pair.kind == "stdin"
    assert pair.prompt.startswith("You are given two integers a and b.")
    assert [(t.input, t.output) for t in pair.public_tests] == [("1 2\n", "3\n")]
    assert [(t.input, t.output) for t in pair.private_tests] == [
        ("0 0\n", "0\n"),
        ("1000000000 1000000000\n", "2000000000\n"),
    ]
    assert pair.time_limit_s == 1.5  # seconds=1, nanos=500000000
    assert pair.memory_limit_mb == 256  # 256000000 bytes
    assert pair.difficulty == "A"  # enum value 7
    assert pair.metadata == {
        "source": "codecontests",
        "name": "9990_A. Pair Sum",
        "site": "CODEFORCES",
        "cf_contest_id": 9990,
        "cf_index": "A",
        "cf_points": 500.0,
        "cf_rating": 800,
        "cf_tags": ["implementation", "math"],
    }
    assert "solution" not in (tmp_path / "9990_A-Pair-Sum.json").read_text()

    aizu = load_problem(tmp_path / "p09999-Reverse-Words.json")
    assert aizu.time_limit_s == 2.0  # time_limit null: the default
    assert aizu.memory_limit_mb == 134  # 134217728 bytes
    assert aizu.difficulty is None  # UNKNOWN_DIFFICULTY
    assert aizu.metadata == {
        "source": "codecontests",
        "name": "p09999 Reverse Words",
        "site": "AIZU",
    }


def test_generated_tests_only_on_request_deduplicated_and_capped(tmp_path: Path) -> None:
    report = import_problems(
        "codecontests",
        FIXTURE,
        tmp_path,
        ImportOptions(include_generated=True, max_generated=2),
    )
    pair = load_problem(report.written[0])
    # "0 0\n" is already a private test; then the first two new ones
    assert [t.input for t in pair.private_tests] == [
        "0 0\n",
        "1000000000 1000000000\n",
        "5 7\n",
        "2 2\n",
    ]


def test_difficulty_filter_uses_the_enum_names(tmp_path: Path) -> None:
    report = import_problems(
        "codecontests", FIXTURE, tmp_path, ImportOptions(difficulties=frozenset({"a"}))
    )
    assert [p.name for p in report.written] == ["9990_A-Pair-Sum.json"]
    with pytest.raises(ConfigError, match="unknown codecontests difficulty 'easyish'"):
        import_problems(
            "codecontests",
            FIXTURE,
            tmp_path / "x",
            ImportOptions(difficulties=frozenset({"easyish"})),
        )


def test_names_that_clash_get_numbered_ids(tmp_path: Path) -> None:
    rows = _rows()[:2]
    rows[1]["name"] = "9990_A. Pair Sum"  # names can repeat across sources
    report = import_problems("codecontests", _write(tmp_path / "cc.jsonl", rows), tmp_path / "o")
    assert [p.name for p in report.written] == ["9990_A-Pair-Sum.json", "9990_A-Pair-Sum-2.json"]
    assert load_problem(report.written[1]).id == "9990_A-Pair-Sum-2"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"description": None}, "description: required field is missing"),
        ({"public_tests": {"input": ["1"], "output": []}}, "public_tests: 1 inputs but 0 outputs"),
        ({"private_tests": [["1", "2"]]}, "private_tests: expected an object, got a list"),
        ({"private_tests": {"input": [1], "output": ["1"]}}, "test 0 is not a pair of strings"),
        ({"difficulty": 99}, "difficulty: 99 is not a CodeContests difficulty"),
        ({"time_limit": {"seconds": "1"}}, "time_limit: seconds and nanos must be numbers"),
        ({"memory_limit_bytes": True}, "memory_limit_bytes: expected an integer, got true/false"),
    ],
)
def test_bad_fields_name_file_line_and_field(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    rows = _rows()
    rows[1].update(change)
    src = _write(tmp_path / "cc.jsonl", rows)
    with pytest.raises(ProblemFileError) as err:
        import_problems("codecontests", src, tmp_path / "out")
    assert str(err.value).startswith(f"{src}:2: ")
    assert message in str(err.value)
    assert not list((tmp_path / "out").glob("*.json"))


def test_since_does_not_apply(tmp_path: Path) -> None:
    from datetime import date

    with pytest.raises(ConfigError, match="--since does not apply to codecontests"):
        import_problems("codecontests", FIXTURE, tmp_path, ImportOptions(since=date(2024, 1, 1)))


def test_parquet_rows(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    src = tmp_path / "test-00000-of-00001.parquet"
    pq.write_table(pa.Table.from_pylist(_rows()), src)
    report = import_problems("codecontests", src, tmp_path / "out")
    assert [p.name for p in report.written] == ["9990_A-Pair-Sum.json", "p09999-Reverse-Words.json"]
    assert load_problem(report.written[0]).time_limit_s == 1.5


def test_parquet_without_pyarrow_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # None in sys.modules makes any import of the name fail with ImportError.
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    src = tmp_path / "train.parquet"
    src.write_bytes(b"PAR1")
    with pytest.raises(ConfigError, match="reading Parquet needs the 'pyarrow' package"):
        import_problems("codecontests", src, tmp_path / "out")
