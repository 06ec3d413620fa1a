"""The ``agentsstar`` command line: ``run``, ``eval``, ``report``, ``import``.

This is the edge of the program: the only place that calls ``anyio.run``, configures
logging and turns errors into one line and an exit code:

- 2: the caller's mistake. Usage errors (unknown option or command, missing argument,
  malformed or out-of-range value) are typer's own, printed with the usage line;
  agentsstar's ``UserError`` (bad problem file, unknown strategy...) is one line.
- 1: an infrastructure failure (``InfrastructureError``) or an internal error; the
  latter says how to see its traceback (``-vv`` or ``AGENTSSTAR_TRACEBACK=1``).
- 130: interrupted.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import typer

from agentsstar.cli import eval_cmd, import_cmd, mcp_cmd, report_cmd, run_cmd, view_cmd
from agentsstar.cli._common import console, fail, setup_logging
from agentsstar.errors import InfrastructureError, UserError, unwrap_group

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
view_cmd.register(app)
mcp_cmd.register(app)


def _wants_traceback() -> bool:
    if os.environ.get(TRACEBACK_ENV, "") not in ("", "0"):
        return True
    return any(a in ("-vv", "-vvv") for a in sys.argv[1:]) or sys.argv.count("-v") >= 2


def _guarded(callback: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command, mapping agentsstar's errors to one line and an exit code.

    Typer's usage errors never reach here: they are raised while parsing, before the
    command runs, and typer prints them itself (exit 2).
    """

    @functools.wraps(callback)
    def command(*args: Any, **kwargs: Any) -> Any:
        try:
            try:
                return callback(*args, **kwargs)
            except BaseExceptionGroup as group:
                raise unwrap_group(group) from None
        except (typer.Exit, typer.Abort, typer.BadParameter):  # typer reports these itself
            raise
        except UserError as exc:
            fail(str(exc), code=2)
        except InfrastructureError as exc:
            fail(f"{type(exc).__name__}: {exc}", code=1)
        except KeyboardInterrupt:
            console.print("[yellow]interrupted[/yellow]")
            raise typer.Exit(130) from None
        except Exception as exc:
            if _wants_traceback():
                raise
            fail(
                f"internal error: {type(exc).__name__}: {exc} (run with -vv or "
                f"{TRACEBACK_ENV}=1 for the traceback, and please report it)",
                code=1,
            )

    return command


for _info in app.registered_commands:
    if _info.callback is not None:
        _info.callback = _guarded(_info.callback)


def main() -> None:
    """Console-script entry point."""
    setup_logging(0)  # quiet by default; commands with -v raise the level
    app()  # standalone: typer handles usage errors (usage line, exit 2) itself
