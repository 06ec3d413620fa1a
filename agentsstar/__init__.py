"""agentsstar: S* test-time scaling for code generation.

    sample N candidates ─► debug each on public tests (executed) ─► select one by
    executing candidates on model-synthesised inputs

The names below are the public API; strategies live in ``agentsstar.strategies``,
model backends in ``agentsstar.backends``, sandboxes in ``agentsstar.sandboxes`` and
test doubles in ``agentsstar.testing``.
"""

from __future__ import annotations

from agentsstar.errors import (
    AgentsstarError,
    InfrastructureError,
    ModelError,
    SandboxError,
    UserError,
)
from agentsstar.model import Model, RetryPolicy
from agentsstar.pipeline import solve, solve_sync
from agentsstar.problem import Problem, TestCase, load_problem, load_problems
from agentsstar.records import Result
from agentsstar.sandboxes.local import LocalSandbox

__version__ = "0.1.0"

__all__ = [
    "AgentsstarError",
    "InfrastructureError",
    "LocalSandbox",
    "Model",
    "ModelError",
    "Problem",
    "Result",
    "RetryPolicy",
    "SandboxError",
    "TestCase",
    "UserError",
    "load_problem",
    "load_problems",
    "solve",
    "solve_sync",
]
