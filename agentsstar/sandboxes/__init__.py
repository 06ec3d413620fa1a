"""Sandboxes: where untrusted candidate programs run.

``base`` holds the seam (``Sandbox``, ``Program``, ``Limits``, ``ExecResult``,
``Verdict``); ``LocalSandbox`` runs programs on this machine and ``E2BSandbox`` in
E2B cloud microVMs (see ``docs/sandboxes.md`` for what each guarantees).
``E2BSandbox`` is imported on first use, so importing this package never loads the
E2B backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agentsstar.sandboxes.base import ExecResult, Limits, Program, Sandbox, Verdict
from agentsstar.sandboxes.local import LocalSandbox

if TYPE_CHECKING:
    from agentsstar.sandboxes.e2b import E2BSandbox

__all__ = ["E2BSandbox", "ExecResult", "Limits", "LocalSandbox", "Program", "Sandbox", "Verdict"]


def __getattr__(name: str) -> Any:
    if name == "E2BSandbox":
        from agentsstar.sandboxes.e2b import E2BSandbox

        return E2BSandbox
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
