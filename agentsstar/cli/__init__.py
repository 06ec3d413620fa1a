"""The ``agentsstar`` command line: ``run``, ``eval``, ``report``, ``import``.

This is the edge of the program: the only place that calls ``anyio.run``, configures
logging and turns agentsstar's errors into one line and an exit code
(2: the caller's mistake, 1: an infrastructure failure or a bug, 130: interrupted).

Usage errors (unknown option, missing argument, malformed or out-of-range value) are
typer's to report: the app runs in typer's standalone mode, which prints the short
usage message and exits 2. Only exceptions raised by the commands reach ``main``.
"""

from __future__ import annotations

import os
import sys
import traceback

import typer

from agentsstar.cli import _common, eval_cmd, import_cmd, report_cmd, run_cmd
from agentsstar.cli._common import console, fail, setup_logging
from agentsstar.errors import InfrastructureError, UserError

# Set to 1 to see the whole traceback of an unexpected error (so does -v).
TRACEBACK_ENV = "AGENTSSTAR_TRACEBACK"

app = typer.Typer(
    name="agentsstar",
    help="S* test-time scaling for code generation: sample, debug by execution, select.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
run_cmd.register(app)
eval_cmd.register(app)
report_cmd.register(app)
import_cmd.register(app)


def _want_traceback() -> bool:
    return _common.verbosity() > 0 or os.environ.get(TRACEBACK_ENV, "") not in ("", "0")


def main() -> None:
    """Console-script entry point."""
    setup_logging(0)  # quiet by default; commands with -v raise the level
    try:
        app(prog_name="agentsstar")
    except UserError as exc:
        fail(str(exc), code=2)
    except InfrastructureError as exc:
        fail(f"{type(exc).__name__}: {exc}", code=1)
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/yellow]")
        sys.exit(130)
    except Exception as exc:  # a bug: say what failed, and how to see where
        if _want_traceback():
            traceback.print_exception(exc)
            sys.exit(1)
        fail(
            f"internal error: {type(exc).__name__}: {exc} "
            f"(rerun with -v or {TRACEBACK_ENV}=1 for the full traceback)",
            code=1,
        )
