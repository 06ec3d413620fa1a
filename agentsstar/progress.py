"""Where a run is, from the pipeline's progress events.

The pipeline reports through a plain callback (``context.ProgressFn``); the CLI's
status line and the MCP server's notifications both describe the run from the same
counts, kept here so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Tally:
    stage: str = "starting"
    sampled: int = 0
    debugged: int = 0
    candidates: int = 0
    calls: int = 0
    tokens: int = 0

    def update(self, event: str, data: dict[str, Any]) -> str:
        """Count one event; the detail it carries ("" when none)."""
        if event == "stage":
            self.stage = str(data.get("stage", self.stage))
            self.candidates = int(data.get("candidates", self.candidates))
        elif event == "sampled":
            self.sampled += 1
        elif event == "candidate_done":
            self.debugged += 1
        elif event == "revised":
            return f"candidate {data.get('index')} revised (round {data.get('round')})"
        elif event == "llm_call":
            self.calls += 1
            self.tokens += int(data.get("tokens", 0))
        elif event == "selection":
            return str(data.get("step", ""))
        return ""

    def where(self) -> list[str]:
        """The stage and how far it is."""
        if self.stage == "sampling":
            return [self.stage, f"{self.sampled} sampled"]
        if self.candidates:
            return [self.stage, f"{self.debugged}/{self.candidates} candidates debugged"]
        return [self.stage]
