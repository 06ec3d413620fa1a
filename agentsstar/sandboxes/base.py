"""The sandbox seam: run one untrusted program on many inputs, under limits.

A sandbox only *executes*. It never decides whether an output is right: grading
(``accepted`` / ``wrong_answer``) happens in the harness, in ``agentsstar.grading``,
outside the candidate's interpreter.

Lifecycle: create, call ``run`` any number of times (concurrently is fine), then
``aclose``. ``run`` raises ``SandboxError`` only when the sandbox as a whole cannot
work; a failure of the harness on one input is reported as ``Verdict.SANDBOX_ERROR``
on that input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Any, Literal, Protocol, Self, runtime_checkable


class Verdict(StrEnum):
    """What happened when a program ran on one input."""

    OK = "ok"  # exited normally (stdin: any exit code 0 incl. sys.exit(0); function: returned)
    RUNTIME_ERROR = "runtime_error"  # raised, or exited non-zero, or was killed by a signal
    TIME_LIMIT = "time_limit"  # exceeded the wall-clock or CPU time limit
    MEMORY_LIMIT = "memory_limit"  # exceeded the memory limit
    OUTPUT_LIMIT = "output_limit"  # wrote more than the output cap
    SANDBOX_ERROR = "sandbox_error"  # the harness failed; says nothing about the program


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-input limits."""

    time_s: float = 2.0
    memory_mb: int = 256
    output_bytes: int = 1 << 20


@dataclass(frozen=True, slots=True)
class Program:
    """Source code plus how to call it.

    ``stdin`` programs read stdin and write stdout. ``function`` programs define
    ``entry_point`` (``"name"`` or ``"Class.method"``: the class is instantiated with
    no arguments) which is called with each input's positional arguments.
    """

    code: str
    kind: Literal["stdin", "function"]
    entry_point: str | None = None


@dataclass(frozen=True, slots=True)
class ExecResult:
    """The outcome of one program on one input.

    ``value`` is the JSON text of a function's return value, serialised in the
    child before the harness sees it (``None`` if it did not return, or the value
    is not JSON-serialisable: then ``error`` says so). ``error`` carries the
    exception type and message for runtime errors, or the harness's reason for
    a sandbox error.
    """

    verdict: Verdict
    stdout: str = ""
    stderr: str = ""
    exit_code: int | None = None
    seconds: float = 0.0
    value: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.OK


StdinInput = str
FunctionInput = list[Any]


@runtime_checkable
class Sandbox(Protocol):
    """Runs untrusted programs. Implementations: ``LocalSandbox``, ``E2BSandbox``."""

    async def run(
        self, program: Program, inputs: Sequence[Any], limits: Limits
    ) -> list[ExecResult]:
        """Run ``program`` once per input; one result per input, in order.

        Raises:
            SandboxError: the sandbox itself cannot run anything.
        """
        ...

    async def aclose(self) -> None:
        """Release every resource; no process or remote sandbox outlives this."""
        ...


class ClosesOnExit:
    """``async with`` support for anything with an ``aclose()`` coroutine."""

    async def aclose(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
