"""What both sandboxes keep about the runners they pool, and how they read the
isolation a runner reports.

``LocalSandbox`` pools runner processes and ``E2BSandbox`` pools E2B sandboxes (each
running the runner); either way a member is busy with one job or idle, every member
is stopped by ``aclose``, and each runner says in its ``hello`` which isolation it
could set up.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import anyio
import structlog

from agentsstar.errors import SandboxError
from agentsstar.sandboxes._protocol import ISOLATION_FEATURES
from agentsstar.sandboxes.base import ClosesOnExit

log = structlog.get_logger(__name__)

Member = TypeVar("Member")


def missing_isolation(iso: dict[str, Any]) -> list[str]:
    """What a runner's reported isolation lacks (empty: nothing)."""
    missing = [f for f in ISOLATION_FEATURES if not iso.get(f)]
    # In a nested user namespace candidates keep our uid: only with every namespace
    # in place does that stand for a private one.
    if iso.get("uid") != "separate" and not (iso.get("uid") == "userns" and not missing):
        missing.append("private uid")
    return missing


class PooledSandbox(ClosesOnExit, Generic[Member]):
    """The pool's state and ``aclose``; subclasses say how a member is stopped.

    ``_all`` holds every member that exists (busy or idle), ``_idle`` those free for
    the next job; a member leaves ``_all`` before it is stopped.
    """

    def __init__(
        self, *, isolation_event: str, isolation_hint: str, require_isolation: bool = False
    ) -> None:
        # How the warning about incomplete isolation reads, for each kind of sandbox.
        self._isolation_event = isolation_event
        self._isolation_hint = isolation_hint
        self._idle: list[Member] = []
        self._all: set[Member] = set()
        self._closed = False
        self._warned = False
        self._require_isolation = require_isolation
        self.isolation: dict[str, Any] | None = None
        """What the last runner reported it could enforce (``None`` before any run)."""

    def _note_isolation(self, hello: dict[str, Any]) -> None:
        """Keep the isolation a runner reports; when some is missing, refuse (with
        ``require_isolation``) or warn, once per sandbox.

        Raises:
            SandboxError: isolation is missing and ``require_isolation`` is set.
        """
        iso = hello.get("isolation") or {}
        self.isolation = iso
        missing = missing_isolation(iso)
        if not missing:
            return
        warnings = hello.get("warnings") or []
        if self._require_isolation:
            raise SandboxError(
                f"sandbox isolation unavailable: {', '.join(missing)}; {'; '.join(warnings)}"
            )
        if not self._warned:
            self._warned = True
            log.warning(
                self._isolation_event, missing=missing, details=warnings, hint=self._isolation_hint
            )

    async def aclose(self) -> None:
        """Stop every member, busy ones included (their unfinished inputs get
        ``SANDBOX_ERROR``)."""
        self._closed = True
        members = list(self._all)
        self._all.clear()
        self._idle.clear()
        async with anyio.create_task_group() as tg:
            for member in members:
                tg.start_soon(self._stop, member)

    async def _stop(self, member: Member) -> None:
        """End ``member`` for good (bounded in time)."""
        raise NotImplementedError
