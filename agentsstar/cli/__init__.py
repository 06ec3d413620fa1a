"""The ``agentsstar`` command line: ``run``, ``eval``, ``report``, ``import``.

This is the edge of the program: the only place that calls ``anyio.run``, configures
logging and turns agentsstar's errors into one line and an exit code
(2: the caller's mistake, 1: an infrastructure failure, 130: interrupted).
"""

from __future__ import annotations

import sys

import typer

from agentsstar.cli import eval_cmd, import_cmd, report_cmd, run_cmd, view_cmd
from agentsstar.cli._common import console, fail, setup_logging
from agentsstar.errors import InfrastructureError, UserError

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
view_cmd.register(app)


def main() -> None:
    """Console-script entry point."""
    setup_logging(0)  # quiet by default; commands with -v raise the level
    try:
        app(standalone_mode=False)
    except UserError as exc:
        fail(str(exc), code=2)
    except InfrastructureError as exc:
        fail(f"{type(exc).__name__}: {exc}", code=1)
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/yellow]")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        console.print("[yellow]aborted[/yellow]")
        sys.exit(130)
    except Exception as exc:  # click's usage errors and anything unexpected
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
