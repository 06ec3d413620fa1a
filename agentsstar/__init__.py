"""agentsstar: S* test-time scaling for code generation."""

from __future__ import annotations

__version__ = "0.1.0"
