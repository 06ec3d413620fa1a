"""Live progress on stderr, fed by the pipeline's events.

On a terminal a status line is redrawn in place; elsewhere (CI logs, pipes) only the
stage changes are printed, so logs stay readable.
"""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.status import Status

from agentsstar.progress import Tally


class RunProgress:
    """Progress of one ``solve``: stage, candidates finished, model calls, tokens."""

    def __init__(self, console: Console, *, label: str = "") -> None:
        self.console = console
        self.label = label
        self.start = time.monotonic()
        self.tally = Tally()
        self.detail = ""
        self._status: Status | None = None

    def __enter__(self) -> RunProgress:
        if self.console.is_terminal:
            self._status = self.console.status(self._text())
            self._status.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.stop()

    def _text(self) -> str:
        elapsed = time.monotonic() - self.start
        t = self.tally
        stage, *where = t.where()
        parts = [f"[bold]{stage}[/bold]", *where]
        if self.detail:
            parts.append(self.detail)
        parts += [f"{t.calls} model calls", f"{t.tokens:,} tokens", f"{elapsed:.0f}s"]
        return f"{self.label}" + " · ".join(parts)

    def __call__(self, event: str, data: dict[str, Any]) -> None:
        detail = self.tally.update(event, data)
        if event == "stage":
            self.detail = ""  # a stage's detail does not outlive it
            if self._status is None:
                self.console.print(f"{self.label}{self._text()}", highlight=False)
        elif detail:
            self.detail = detail
        if self._status is not None:
            self._status.update(self._text())
