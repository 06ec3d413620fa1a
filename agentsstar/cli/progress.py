"""Live progress on stderr, fed by the pipeline's events.

On a terminal a status line is redrawn in place; elsewhere (CI logs, pipes) only the
stage changes are printed, so logs stay readable.
"""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.status import Status


class RunProgress:
    """Progress of one ``solve``: stage, candidates finished, model calls, tokens."""

    def __init__(self, console: Console, *, label: str = "") -> None:
        self.console = console
        self.label = label
        self.start = time.monotonic()
        self.stage = "starting"
        self.sampled = 0
        self.done = 0
        self.candidates = 0
        self.calls = 0
        self.tokens = 0
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
        parts = [f"[bold]{self.stage}[/bold]"]
        if self.stage == "sampling":
            parts.append(f"{self.sampled} sampled")
        elif self.candidates:
            parts.append(f"{self.done}/{self.candidates} candidates debugged")
        if self.detail:
            parts.append(self.detail)
        parts += [f"{self.calls} model calls", f"{self.tokens:,} tokens", f"{elapsed:.0f}s"]
        return f"{self.label}" + " · ".join(parts)

    def __call__(self, event: str, data: dict[str, Any]) -> None:
        if event == "stage":
            self.stage = data["stage"]
            self.detail = ""
            self.candidates = data.get("candidates", self.candidates)
            if self._status is None:
                self.console.print(f"{self.label}{self._text()}", highlight=False)
        elif event == "sampled":
            self.sampled += 1
        elif event == "candidate_done":
            self.done += 1
        elif event == "llm_call":
            self.calls += 1
            self.tokens += int(data.get("tokens", 0))
        elif event == "selection":
            self.detail = str(data.get("step", ""))
        if self._status is not None:
            self._status.update(self._text())
