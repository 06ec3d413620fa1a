"""LiveCodeBench ``code_generation_lite`` rows -> stdin and function problems.

Row fields (all strings): ``question_title``, ``question_content``, ``platform``
(leetcode | atcoder | codeforces), ``question_id``, ``contest_id``, ``contest_date``
(ISO date-time), ``starter_code``, ``difficulty`` (easy | medium | hard),
``public_test_cases`` and ``private_test_cases`` (JSON text of a list of
``{input, output, testtype}``; the private ones are often instead base64 of a
zlib-compressed pickle of that JSON text) and ``metadata`` (JSON text; LeetCode rows
carry ``func_name``).

``testtype`` ``stdin`` tests are kept as text. ``functional`` tests (LeetCode) have
one JSON value per input line, one per argument, and a JSON output; they become
function problems whose entry point is ``Solution.<func_name>``.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import pickle
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agentsstar.errors import ProblemFileError
from agentsstar.importers import _common
from agentsstar.importers._common import (
    Draft,
    ImportOptions,
    Row,
    Skipped,
    field,
    in_date_range,
    iter_rows,
    json_field,
    row_date,
)

DIFFICULTIES = ("easy", "medium", "hard")
# The reference harness allows 6 s per test; published results assume as much.
_TIME_LIMIT_S = 6.0
# A decompression bomb must not take the machine down: the largest published
# private-test payloads are tens of megabytes.
_MAX_DECOMPRESSED = 512 * 1024 * 1024


def convert(src: Path, options: ImportOptions) -> Iterator[Draft | Skipped]:
    """Every row of a LiveCodeBench JSONL file (or directory of them), filtered."""
    for row in iter_rows(src):
        # Filter before decoding the (large) private tests.
        skip = _filtered_out(row, options)
        yield skip if skip is not None else convert_row(row)


def _filtered_out(row: Row, options: ImportOptions) -> Skipped | None:
    day = row_date(row, "contest_date")
    if not in_date_range(day, options):
        return Skipped(row.where, "outside the --since/--until dates")
    difficulty = field(row, "difficulty", str).lower()
    if options.difficulties is not None and difficulty not in options.difficulties:
        return Skipped(row.where, "difficulty not selected")
    return None


def convert_row(row: Row) -> Draft:
    """One LiveCodeBench row as a problem draft; errors name the row and field."""
    platform = field(row, "platform", str)
    question_id = field(row, "question_id", str)
    content = field(row, "question_content", str)
    starter = field(row, "starter_code", str)
    metadata = json_field(row, "metadata")
    if not isinstance(metadata, dict):
        raise ProblemFileError(f"{row.where}: metadata: expected a JSON object")
    public = _tests(row, "public_test_cases", json_field(row, "public_test_cases"))
    private = _tests(row, "private_test_cases", decode_private_tests(row))
    types = {t["testtype"] for t in public + private}
    if len(types) > 1:
        raise ProblemFileError(f"{row.where}: testtype: mixes 'stdin' and 'functional' tests")
    functional = types == {"functional"} or (not types and bool(metadata.get("func_name")))
    data: dict[str, Any] = {
        "id": f"{platform}-{question_id}",
        "prompt": content,
        "starter_code": starter or None,
        "difficulty": field(row, "difficulty", str).lower(),
        "time_limit_s": _TIME_LIMIT_S,
        "metadata": {
            "source": "livecodebench",
            "platform": platform,
            "question_id": question_id,
            "question_title": field(row, "question_title", str),
            "contest_id": field(row, "contest_id", str),
            "contest_date": row_date(row, "contest_date").isoformat(),
        },
    }
    if functional:
        func_name = metadata.get("func_name")
        if not isinstance(func_name, str) or not func_name:
            raise ProblemFileError(
                f"{row.where}: metadata: functional tests need a 'func_name' string"
            )
        # LeetCode starter code declares ``class Solution``; the harness instantiates it.
        entry = f"Solution.{func_name}" if "class Solution" in starter else func_name
        data["metadata"]["func_name"] = func_name
        data |= {
            "kind": "function",
            "entry_point": entry,
            "public_tests": _function_tests(row, "public_test_cases", public),
            "private_tests": _function_tests(row, "private_test_cases", private),
        }
    else:
        data |= {
            "kind": "stdin",
            "public_tests": [{"input": t["input"], "output": t["output"]} for t in public],
            "private_tests": [{"input": t["input"], "output": t["output"]} for t in private],
        }
    return Draft(row.where, data)


def _tests(row: Row, name: str, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise ProblemFileError(f"{row.where}: {name}: expected a JSON list of tests")
    for i, test in enumerate(value):
        where = f"{row.where}: {name}[{i}]"
        if not isinstance(test, dict):
            raise ProblemFileError(f"{where}: expected an object with input, output, testtype")
        for key in ("input", "output"):
            if not isinstance(test.get(key), str):
                raise ProblemFileError(f"{where}.{key}: required string is missing")
        if test.get("testtype") not in ("stdin", "functional"):
            raise ProblemFileError(
                f"{where}.testtype: expected 'stdin' or 'functional', got {test.get('testtype')!r}"
            )
    return value


def _function_tests(row: Row, name: str, tests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``functional`` tests: each input line is one JSON argument; output is JSON."""
    converted = []
    for i, test in enumerate(tests):
        where = f"{row.where}: {name}[{i}]"
        args = []
        for n, line in enumerate(test["input"].split("\n"), 1):
            if not line.strip():
                continue
            try:
                args.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ProblemFileError(
                    f"{where}.input: line {n} is not a JSON value: {exc.msg}"
                ) from None
        try:
            output = json.loads(test["output"])
        except json.JSONDecodeError as exc:
            raise ProblemFileError(f"{where}.output: not a JSON value: {exc.msg}") from None
        converted.append({"input": args, "output": output})
    return converted


def decode_private_tests(row: Row) -> Any:
    """``private_test_cases`` as JSON: plain JSON text, or base64(zlib(pickle(JSON text))).

    The pickle is read by an unpickler that refuses every class and global, so it can
    only rebuild plain strings and containers: loading a crafted file cannot run code.
    """
    text = field(row, "private_test_cases", str)
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass  # the compressed encoding, tried next
    where = f"{row.where}: private_test_cases"
    try:
        compressed = base64.b64decode(text.encode("ascii"), validate=True)
        inflater = zlib.decompressobj()
        raw = inflater.decompress(compressed, _MAX_DECOMPRESSED)
        if inflater.unconsumed_tail:
            raise ProblemFileError(f"{where}: decompresses to more than 512 MiB")
        payload = _StringsOnlyUnpickler(io.BytesIO(raw)).load()
    except (UnicodeEncodeError, binascii.Error, zlib.error):
        raise ProblemFileError(
            f"{where}: neither JSON nor base64 of zlib-compressed data"
        ) from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError) as exc:
        raise ProblemFileError(f"{where}: not a pickled JSON string: {exc}") from None
    if not isinstance(payload, str | bytes):
        raise ProblemFileError(
            f"{where}: the pickle holds a {type(payload).__name__}, expected JSON text"
        )
    try:
        return json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ProblemFileError(f"{where}: the decoded text is not JSON") from None


class _StringsOnlyUnpickler(pickle.Unpickler):
    """Refuses every global: no class, function or module can be named, so nothing
    from the pickle is ever called (the ``REDUCE``/``BUILD`` route to code)."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


IMPORTER = _common.Importer(
    "livecodebench",
    convert,
    frozenset({"since", "until", "difficulties"}),
    difficulties=DIFFICULTIES,
)
