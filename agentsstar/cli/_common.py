"""Shared pieces of the CLI: the stderr console and logging set-up."""

from __future__ import annotations

import logging
import sys
from typing import NoReturn

import structlog
from rich.console import Console
from rich.markup import escape

# Everything but the selected program goes to stderr, so stdout can be piped.
# Off a terminal (CI logs, pipes) rich would wrap tables at 80 columns.
# emoji=False: model names such as openai:m would print as emoji codes (":m:").
console = Console(
    stderr=True, highlight=False, emoji=False, width=None if sys.stderr.isatty() else 160
)


def fail(message: str, *, code: int) -> NoReturn:
    # Messages contain brackets such as agentsstar[local]: never read them as markup.
    console.print(f"[bold red]error:[/bold red] {escape(message)}", soft_wrap=True)
    sys.exit(code)


_verbosity = 0


def verbosity() -> int:
    """The -v count of the running command (0 before a command has started)."""
    return _verbosity


def setup_logging(verbose: int) -> None:
    global _verbosity
    _verbosity = verbose
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="%H:%M:%S"),
            structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty()),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
