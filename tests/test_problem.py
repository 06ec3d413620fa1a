from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentsstar.errors import ProblemFileError
from agentsstar.problem import load_problem, load_problems

EXAMPLES = Path(__file__).parent.parent / "examples"


def write(tmp_path: Path, data: object, name: str = "p.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def test_examples_load_and_id_defaults_to_stem(tmp_path: Path) -> None:
    problems = load_problems(EXAMPLES)
    assert {p.kind for p in problems} == {"stdin", "function"}
    assert all(p.public_tests and p.private_tests for p in problems)
    path = write(tmp_path, {"prompt": "x", "kind": "stdin"}, "my-problem.json")
    assert load_problem(path).id == "my-problem"


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ("{not json", "invalid JSON at line 1"),
        ({"kind": "stdin"}, "prompt: required field is missing"),
        ({"prompt": "x", "kind": "stdn"}, "kind:"),
        ({"prompt": "x", "kind": "function"}, "entry_point: required when kind is 'function'"),
        ({"prompt": "x", "kind": "function", "entry_point": "a.b.c"}, "entry_point:"),
        (
            {"prompt": "x", "kind": "stdin", "public_tests": [{"input": 1, "output": "1"}]},
            "public_tests[0].input: must be a string",
        ),
        (
            {
                "prompt": "x",
                "kind": "function",
                "entry_point": "f",
                "private_tests": [{"input": 1, "output": 1}],
            },
            "private_tests[0].input: must be a JSON array",
        ),
        ({"prompt": "x", "kind": "stdin", "time_limit_s": -1}, "time_limit_s:"),
        ({"prompt": "x", "kind": "stdin", "colour": "red"}, "colour: unknown field"),
        ([1, 2], "must be a JSON object"),
    ],
)
def test_invalid_files_name_file_and_field(tmp_path: Path, data: object, needle: str) -> None:
    path = write(tmp_path, data)
    with pytest.raises(ProblemFileError) as err:
        load_problem(path)
    message = str(err.value)
    assert message.startswith(str(path))
    assert needle in message
    assert "\n" not in message


def test_missing_file() -> None:
    with pytest.raises(ProblemFileError, match="no such file"):
        load_problem("/nonexistent/problem.json")


def test_public_view_hides_private_tests() -> None:
    p = load_problem(EXAMPLES / "max-subarray.json")
    pub = p.public()
    assert pub.private_tests == () and pub.private_check is None
    assert pub.public_tests == p.public_tests and p.has_private and not pub.has_private


def test_jsonl_and_duplicate_ids(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "prompt": "x", "kind": "stdin"}),
        json.dumps({"id": "b", "prompt": "y", "kind": "stdin"}),
    ]
    path = write(tmp_path, "\n".join(lines) + "\n", "set.jsonl")
    assert [p.id for p in load_problems(path)] == ["a", "b"]
    dup = write(tmp_path, "\n".join([lines[0], lines[0]]), "dup.jsonl")
    with pytest.raises(ProblemFileError, match="duplicate problem id 'a'"):
        load_problems(dup)
    bad = write(tmp_path, lines[0] + "\n{oops\n", "bad.jsonl")
    with pytest.raises(ProblemFileError, match=r"bad.jsonl:2: invalid JSON"):
        load_problems(bad)
