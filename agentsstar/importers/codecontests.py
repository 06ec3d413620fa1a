"""DeepMind CodeContests rows -> stdin problems.

Row fields used: ``name``, ``description``, ``public_tests``, ``private_tests`` and
``generated_tests`` (each ``{"input": [...], "output": [...]}``, paired by
position), ``source`` and ``difficulty`` (integer enums), ``time_limit``
(``{"seconds", "nanos"}`` or null), ``memory_limit_bytes``, ``input_file`` /
``output_file`` (non-empty when a problem reads or writes named files instead of
stdin/stdout: such rows are skipped) and the Codeforces ``cf_*`` fields. The
solutions are not read.
"""

from __future__ import annotations

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
    iter_rows,
    optional_field,
)

# Names of the dataset's ``difficulty`` enum, by value (from the dataset card).
DIFFICULTIES: tuple[str, ...] = (
    "UNKNOWN_DIFFICULTY",
    "EASY",
    "MEDIUM",
    "HARD",
    "HARDER",
    "HARDEST",
    "EXTERNAL",
    *"ABCDEFGHIJKLMNOPQRSTUV",
)
SOURCES = ("UNKNOWN_SOURCE", "CODECHEF", "CODEFORCES", "HACKEREARTH", "CODEJAM", "ATCODER", "AIZU")

_DEFAULT_TIME_S = 2.0
_DEFAULT_MEMORY_MB = 256
_CF_FIELDS = ("cf_contest_id", "cf_index", "cf_points", "cf_rating", "cf_tags")


def convert(src: Path, options: ImportOptions) -> Iterator[Draft | Skipped]:
    """Every row of a CodeContests JSONL/Parquet file (or directory), filtered."""
    for row in iter_rows(src):
        yield _skip_reason(row, options) or convert_row(row, options)


def _skip_reason(row: Row, options: ImportOptions) -> Skipped | None:
    if optional_field(row, "input_file", str) or optional_field(row, "output_file", str):
        return Skipped(row.where, "uses named input/output files")
    if options.difficulties is not None:
        name = difficulty_name(row)
        if (name or "unknown_difficulty").lower() not in options.difficulties:
            return Skipped(row.where, "difficulty not selected")
    return None


def difficulty_name(row: Row) -> str | None:
    """The row's difficulty enum name (``EASY``, ``A``, ...); ``None`` when unknown."""
    value = optional_field(row, "difficulty", int)
    if value is None or value == 0:
        return None
    if not 0 <= value < len(DIFFICULTIES):
        raise ProblemFileError(
            f"{row.where}: difficulty: {value} is not a CodeContests difficulty (0..28)"
        )
    return DIFFICULTIES[value]


def convert_row(row: Row, options: ImportOptions) -> Draft:
    """One CodeContests row as a problem draft; errors name the row and field."""
    name = field(row, "name", str)
    public = _tests(row, "public_tests")
    private = _tests(row, "private_tests")
    if options.include_generated and row.data.get("generated_tests") is not None:
        seen = {t["input"] for t in public + private}
        fresh = [t for t in _tests(row, "generated_tests") if t["input"] not in seen]
        private += fresh[: options.max_generated]
    source = optional_field(row, "source", int)
    metadata: dict[str, Any] = {"source": "codecontests", "name": name}
    if source is not None and 0 < source < len(SOURCES):
        metadata["site"] = SOURCES[source]
    metadata |= {k: row.data[k] for k in _CF_FIELDS if row.data.get(k) not in (None, "", 0, [])}
    return Draft(
        row.where,
        {
            "id": name,
            "prompt": field(row, "description", str),
            "kind": "stdin",
            "public_tests": public,
            "private_tests": private,
            "time_limit_s": _time_limit(row),
            "memory_limit_mb": _memory_limit(row),
            "difficulty": difficulty_name(row),
            "metadata": metadata,
        },
    )


def _tests(row: Row, name: str) -> list[dict[str, str]]:
    tests = field(row, name, dict)
    inputs, outputs = tests.get("input"), tests.get("output")
    if not isinstance(inputs, list) or not isinstance(outputs, list):
        raise ProblemFileError(f"{row.where}: {name}: expected lists 'input' and 'output'")
    if len(inputs) != len(outputs):
        raise ProblemFileError(
            f"{row.where}: {name}: {len(inputs)} inputs but {len(outputs)} outputs"
        )
    for i, (inp, out) in enumerate(zip(inputs, outputs, strict=True)):
        if not isinstance(inp, str) or not isinstance(out, str):
            raise ProblemFileError(f"{row.where}: {name}: test {i} is not a pair of strings")
    return [{"input": i, "output": o} for i, o in zip(inputs, outputs, strict=True)]


def _time_limit(row: Row) -> float:
    limit = optional_field(row, "time_limit", dict)
    if not limit:
        return _DEFAULT_TIME_S
    seconds, nanos = limit.get("seconds") or 0, limit.get("nanos") or 0
    if not isinstance(seconds, int | float) or not isinstance(nanos, int | float):
        raise ProblemFileError(f"{row.where}: time_limit: seconds and nanos must be numbers")
    total = seconds + nanos / 1e9
    return min(total, 600.0) if total > 0 else _DEFAULT_TIME_S


def _memory_limit(row: Row) -> int:
    limit = optional_field(row, "memory_limit_bytes", int)
    if not limit or limit <= 0:
        return _DEFAULT_MEMORY_MB
    # The dataset writes "256 MB" as 256000000: decimal megabytes.
    return max(16, min(65536, round(limit / 1_000_000)))


IMPORTER = _common.Importer(
    "codecontests",
    convert,
    frozenset({"difficulties", "include_generated", "max_generated"}),
    difficulties=tuple(d.lower() for d in DIFFICULTIES),
)
