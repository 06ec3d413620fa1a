"""Sandboxes: where untrusted candidate programs run.

``base`` holds the seam (``Sandbox``, ``Program``, ``Limits``, ``ExecResult``,
``Verdict``); ``LocalSandbox`` runs programs on this machine (see
``docs/sandboxes.md`` for its guarantees).
"""

from __future__ import annotations

from agentsstar.sandboxes.base import ExecResult, Limits, Program, Sandbox, Verdict
from agentsstar.sandboxes.local import LocalSandbox

__all__ = ["ExecResult", "Limits", "LocalSandbox", "Program", "Sandbox", "Verdict"]
