"""What every importer shares: options, skip records, reading rows, typed field access.

Rows come from JSONL (optionally gzipped) or Parquet files, or a directory of them.
Every error names the file, the line (or Parquet row) and the field, so a user can
find the bad record in a file of thousands.
"""

from __future__ import annotations

import gzip
import importlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO, TypeVar

from agentsstar.errors import ConfigError, ProblemFileError

T = TypeVar("T")

# Suffixes read as rows, in the order tried when SRC is a directory.
_ROW_SUFFIXES = (".jsonl", ".jsonl.gz", ".parquet")


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """Filters and choices for one import; ``None`` means "no filter".

    ``since`` / ``until`` bound the contest date (inclusive); ``difficulties`` holds
    lower-cased names; ``limit`` caps how many problems are written (after filters).
    """

    since: date | None = None
    until: date | None = None
    difficulties: frozenset[str] | None = None
    limit: int | None = None
    include_generated: bool = False
    max_generated: int = 100


@dataclass(frozen=True, slots=True)
class Skipped:
    """A source row that was read but deliberately not converted, and why."""

    where: str
    reason: str


@dataclass(frozen=True, slots=True)
class Row:
    """One source record and where it came from (``file:line`` or ``file:row N``)."""

    where: str
    data: dict[str, Any]


def source_files(src: Path) -> list[Path]:
    """The row files named by ``src``: the file itself, or a directory's row files."""
    if src.is_dir():
        files = sorted(p for p in src.iterdir() if p.name.endswith(_ROW_SUFFIXES))
        if not files:
            raise ProblemFileError(
                f"{src}: no *.jsonl, *.jsonl.gz or *.parquet files in this directory"
            )
        return files
    if not src.exists():
        raise ProblemFileError(f"{src}: no such file or directory")
    return [src]


def iter_rows(src: Path) -> Iterator[Row]:
    """Every record of ``src`` (file or directory), streamed: files can be gigabytes."""
    for path in source_files(src):
        if path.name.endswith(".parquet"):
            yield from _parquet_rows(path)
        else:
            yield from _jsonl_rows(path)


def _jsonl_rows(path: Path) -> Iterator[Row]:
    try:
        with _open_text(path) as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                where = f"{path}:{lineno}"
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ProblemFileError(f"{where}: invalid JSON: {exc.msg}") from None
                if not isinstance(data, dict):
                    raise ProblemFileError(f"{where}: a record must be a JSON object")
                yield Row(where, data)
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        # gzip raises OSError/EOFError on a corrupt or truncated archive.
        raise ProblemFileError(f"{path}: cannot read: {exc}") from None


def _open_text(path: Path) -> TextIO:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def _parquet_rows(path: Path) -> Iterator[Row]:
    try:
        # Imported by name: pyarrow is optional and has no type stubs.
        pq = importlib.import_module("pyarrow.parquet")
    except ImportError:
        raise ConfigError(
            f"{path}: reading Parquet needs the 'pyarrow' package "
            "(pip install pyarrow), or convert the file to JSONL first"
        ) from None
    try:
        parquet = pq.ParquetFile(str(path))
        n = 0
        # Small batches: a CodeContests row can carry megabytes of tests.
        for batch in parquet.iter_batches(batch_size=32):
            for data in batch.to_pylist():
                yield Row(f"{path}:row {n}", data)
                n += 1
    except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
        raise ProblemFileError(f"{path}: cannot read Parquet: {exc}") from None


def field(row: Row, name: str, kind: type[T]) -> T:
    """``row.data[name]``, required and checked to be a ``kind``.

    The error names file, line and field in one line, e.g.
    ``test.jsonl:3: question_content: required field is missing``.
    """
    value = optional_field(row, name, kind)
    if value is None:
        raise ProblemFileError(f"{row.where}: {name}: required field is missing")
    return value


def optional_field(row: Row, name: str, kind: type[T]) -> T | None:
    """Like ``field`` but a missing or null field gives ``None``."""
    value = row.data.get(name)
    if value is None:
        return None
    # bool is an int subclass; a flag is never an acceptable count or enum value.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ProblemFileError(
            f"{row.where}: {name}: expected {_type_name(kind)}, got {_type_name(type(value))}"
        )
    return value


def _type_name(kind: type) -> str:
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "true/false",
        list: "a list",
        dict: "an object",
        type(None): "null",
    }.get(kind, kind.__name__)


def json_field(row: Row, name: str) -> Any:
    """A field that holds JSON text (LiveCodeBench stores lists and dicts this way)."""
    text = field(row, name, str)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProblemFileError(f"{row.where}: {name}: invalid JSON text: {exc.msg}") from None


def parse_date(text: str, *, option: str) -> date:
    """An ISO date (``2024-05-01``) given on the command line."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{option}: {text!r} is not a date like 2024-05-01") from None


def row_date(row: Row, name: str) -> date:
    """A row's ISO date or date-time field as a date (time of day is ignored)."""
    value = row.data.get(name)
    if isinstance(value, datetime):  # Parquet timestamps arrive as datetime
        return value.date()
    if isinstance(value, date):
        return value
    text = field(row, name, str)
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        raise ProblemFileError(
            f"{row.where}: {name}: {text!r} is not an ISO date like 2023-08-21T00:00:00"
        ) from None


def in_date_range(day: date, options: ImportOptions) -> bool:
    """True when ``day`` lies within ``--since`` / ``--until`` (both inclusive)."""
    if options.since is not None and day < options.since:
        return False
    return options.until is None or day <= options.until


@dataclass(frozen=True, slots=True)
class Draft:
    """A converted problem (problem-file fields), not yet validated or written."""

    where: str
    data: dict[str, Any]


Converter = Callable[[Path, ImportOptions], Iterator["Draft | Skipped"]]


@dataclass(frozen=True, slots=True)
class Importer:
    """One source format: its converter and which options mean something for it.

    Each built-in format module defines one as ``IMPORTER``; other packages add formats
    through the ``agentsstar.importers`` entry-point group (see ``agentsstar.registry``).
    """

    name: str
    convert: Converter
    options: frozenset[str]
    default_source: Callable[[], Path] | None = None
    difficulties: tuple[str, ...] = ()  # valid --difficulty names, lower case
