"""The pipeline's progress events as MCP progress notifications.

The pipeline reports progress through a plain callback (it must not wait on a slow
client); ``ProgressRelay`` queues the events and a task of the call forwards each as a
notification whose message says where the run is. ``progress`` counts the events, so
it increases with every notification, as the protocol requires; no total is given,
since how many calls a run makes is not known in advance.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import structlog

from agentsstar.progress import Tally

log = structlog.get_logger(__name__)

Report = Callable[[float, float | None, str | None], Awaitable[None]]


class ProgressRelay:
    """A ``ProgressFn`` for ``Run.solve`` whose events ``forward`` sends on."""

    def __init__(self) -> None:
        # Unbounded: the pipeline never blocks on a client; a run emits a few
        # events per model call, so the queue stays small.
        self._send, self._receive = anyio.create_memory_object_stream[tuple[str, dict[str, Any]]](
            math.inf
        )
        self.tally = Tally()
        self.sent = 0

    def __call__(self, event: str, data: dict[str, Any]) -> None:
        # After the call is over, late events have no one to go to.
        with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
            self._send.send_nowait((event, data))

    def close(self) -> None:
        """No more events: ``forward`` returns once it has sent what is queued."""
        self._send.close()

    def message(self, event: str, data: dict[str, Any]) -> str:
        """Update the counts with one event; the line describing where the run is."""
        detail = self.tally.update(event, data)
        t = self.tally
        parts = t.where() + ([detail] if detail else [])
        parts.append(f"{t.calls} model calls, {t.tokens:,} tokens")
        return " · ".join(parts)

    async def forward(self, report: Report) -> None:
        """Send every event as a notification until ``close``; a client that stopped
        listening only stops the notifications, never the run."""
        broken = False
        async with self._receive:
            async for event, data in self._receive:
                text = self.message(event, data)
                if broken:
                    continue
                self.sent += 1
                try:
                    await report(self.sent, None, text)
                except Exception as exc:  # a closed stream, a gone client
                    log.info("mcp.progress_lost", error=repr(exc))
                    broken = True
