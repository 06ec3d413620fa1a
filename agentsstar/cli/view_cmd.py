"""``agentsstar view RESULT.json | RUN_DIR [-o OUT]``: HTML pages to read a run by.

A result file becomes one page (``-o FILE.html``, by default next to the result);
a run directory becomes a folder with ``index.html`` and a page per problem
(``-o DIR``, by default ``RUN_DIR/view``); an eval of several arms, a folder per arm
under an index of the arms.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from agentsstar.cli._common import console
from agentsstar.errors import ConfigError
from agentsstar.files import write_atomic
from agentsstar.problem import Problem, load_problem
from agentsstar.viewer import (
    is_arms_dir,
    load_result,
    result_page,
    write_arms_view,
    write_run_view,
)


def view_result(path: Path, out: Path | None, problem: Problem | None) -> Path:
    result, raw = load_result(path)
    if problem is not None and problem.id != result.problem_id:
        raise ConfigError(
            f"--problem: {problem.id!r} is not the problem of {path} ({result.problem_id!r})"
        )
    target = out or path.with_suffix(".html")
    if target.is_dir():
        raise ConfigError(f"-o {target}: is a directory; give the page's file name")
    write_atomic(target, result_page(result, problem=problem, raw=raw))
    return target


def view_run(run_dir: Path, out: Path | None) -> tuple[Path, int]:
    target = out or run_dir / "view"
    if target.suffix == ".html" or target.is_file():
        raise ConfigError(
            f"-o {target}: a run directory is shown as a folder of pages; name a folder"
        )
    write = write_arms_view if is_arms_dir(run_dir) else write_run_view
    return target / "index.html", write(run_dir, target)


def register(app: typer.Typer) -> None:
    @app.command()
    def view(
        source: Annotated[
            Path,
            typer.Argument(
                help="A result file (run --out) or a run directory (eval).",
                metavar="RESULT.json|RUN_DIR",
            ),
        ],
        out: Annotated[
            Path | None,
            typer.Option("--out", "-o", help="Page to write (result) or folder (run directory)."),
        ] = None,
        problem_file: Annotated[
            Path | None,
            typer.Option(
                "--problem", help="The problem file, to show its statement (result only)."
            ),
        ] = None,
    ) -> None:
        """Make self-contained HTML pages showing how a result was reached."""
        if source.is_dir():
            if problem_file is not None:
                raise ConfigError(
                    "--problem: only for a result file; a run's pages use its benchmark"
                )
            index, pages = view_run(source, out)
            console.print(f"wrote {escape(str(index))} and {pages} problem page(s)")
        else:
            problem = load_problem(problem_file) if problem_file is not None else None
            page = view_result(source, out, problem)
            console.print(f"wrote {escape(str(page))}")
