"""The writer: safe file names, validation before writing, all-or-nothing imports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agentsstar.errors import ConfigError, ProblemFileError
from agentsstar.files import safe_id
from agentsstar.importers import import_problems
from agentsstar.importers._write import StagedWriter
from agentsstar.problem import load_problem, load_problems

FIXTURES = Path(__file__).parent / "fixtures"


def _function_problem(id: str, output: Any = 1) -> dict[str, Any]:
    return {
        "id": id,
        "prompt": "p",
        "kind": "function",
        "entry_point": "f",
        "public_tests": [{"input": [1], "output": output}],
    }


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir()) if out.exists() else []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HumanEval/0", "HumanEval-0"),
        ("76_B. Mice", "76_B-Mice"),
        ("abc301_a", "abc301_a"),
        ("../../etc/passwd", "etc-passwd"),
        (".hidden", "hidden"),
        ("...", "problem"),
        ("", "problem"),
        ("a" * 300, "a" * 100),
    ],
)
def test_ids_become_safe_file_names(raw: str, expected: str) -> None:
    assert safe_id(raw) == expected


def test_written_files_load_back_with_id_equal_to_the_file_name(tmp_path: Path) -> None:
    with StagedWriter(tmp_path) as writer:
        writer.add(_function_problem("a/b", output=None), where="src:1")
        writer.commit()
    problem = load_problem(tmp_path / "a-b.json")
    assert problem.id == "a-b"
    # a null expected output (a function returning None) survives the round trip
    assert problem.public_tests[0].output is None
    assert json.loads((tmp_path / "a-b.json").read_text())["public_tests"][0]["output"] is None


def test_an_invalid_converted_problem_is_a_problem_file_error_naming_the_row(
    tmp_path: Path,
) -> None:
    rows = [
        json.loads(line) for line in (FIXTURES / "livecodebench.jsonl").read_text().splitlines()
    ]
    rows[3]["metadata"] = json.dumps({"func_name": "not-a-name"})  # last row
    src = tmp_path / "test.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(ProblemFileError, match=r"test.jsonl:4: entry_point: .*not 'name'"):
        import_problems("livecodebench", src, tmp_path / "out")
    # rows 1-3 were valid and staged, but nothing reached OUT_DIR and no staging is left
    assert _leftovers(tmp_path / "out") == []


def test_an_interrupt_leaves_nothing_behind(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt), StagedWriter(tmp_path) as writer:
        writer.add(_function_problem("x"), where="src:1")
        raise KeyboardInterrupt
    assert _leftovers(tmp_path) == []


def test_a_directory_with_problem_files_needs_overwrite(tmp_path: Path) -> None:
    src = FIXTURES / "humaneval_mini.jsonl"
    import_problems("humaneval", src, tmp_path)
    (tmp_path / "Mini-0.json").write_text("stale")
    (tmp_path / "mine.json").write_text("{}")
    with pytest.raises(ConfigError, match="already holds problem files; .* --overwrite"):
        import_problems("humaneval", src, tmp_path)
    import_problems("humaneval", src, tmp_path, overwrite=True)
    assert load_problem(tmp_path / "Mini-0.json").id == "Mini-0"  # replaced
    assert (tmp_path / "mine.json").read_text() == "{}"  # other files are left alone
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".import-")]


def test_out_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(ConfigError, match="exists and is not a directory"):
        import_problems("humaneval", FIXTURES / "humaneval_mini.jsonl", target)


def test_ids_that_differ_only_in_case_do_not_collide(tmp_path: Path) -> None:
    with StagedWriter(tmp_path) as writer:
        writer.add(_function_problem("Abc"), where="src:1")
        writer.add(_function_problem("abc"), where="src:2")
        writer.commit()
    assert [p.id for p in load_problems(tmp_path)] == ["Abc", "abc-2"]


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("missing.jsonl", ": no such file or directory"),
        ("empty_dir", ": no *.jsonl, *.jsonl.gz or *.parquet files"),
        ("broken.jsonl.gz", ": cannot read"),
        ("array.jsonl", ":1: a record must be a JSON object"),
    ],
)
def test_unreadable_sources_are_one_line_errors(tmp_path: Path, src: str, message: str) -> None:
    (tmp_path / "empty_dir").mkdir()
    (tmp_path / "broken.jsonl.gz").write_bytes(b"\x1f\x8b not really gzip")
    (tmp_path / "array.jsonl").write_text("[1, 2]\n")
    with pytest.raises(ProblemFileError) as err:
        import_problems("humaneval", tmp_path / src, tmp_path / "out")
    assert str(err.value).startswith(f"{tmp_path / src}{message}")
