"""The three strategy seams of the S* pipeline.

    sample  ──►  revise (each candidate, concurrently)  ──►  select

A strategy is a small frozen pydantic model: its fields are its parameters (so an
unknown or mistyped parameter is a validation error, from the CLI, a config file or
Python alike) and its class variable ``name`` is what the registry knows it by.
Strategies receive a ``Context`` and never see private tests, unless they set
``uses_private_tests = True`` (only the ``oracle`` upper bound does).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from agentsstar.context import Context
from agentsstar.records import Candidate, SelectionRecord


class Sample(BaseModel):
    """A raw sample: the model's reply and the code extracted from it."""

    reply: str
    code: str | None
    note: str | None = None
    index: int | None = None  # its place among the N samples (None: its list position)


class StrategyBase(BaseModel):
    """Base of the built-in strategies: parameters are validated, immutable fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ClassVar[str]
    uses_private_tests: ClassVar[bool] = False

    def describe(self) -> dict[str, object]:
        """Name and parameters, for records and reports."""
        return {"name": self.name, **self.model_dump()}


@runtime_checkable
class SamplingStrategy(Protocol):
    name: ClassVar[str]

    async def sample(self, ctx: Context) -> list[Sample]:
        """Produce the initial candidates (all model calls concurrently)."""
        ...

    def describe(self) -> dict[str, object]: ...


@runtime_checkable
class RevisionStrategy(Protocol):
    name: ClassVar[str]

    async def revise(self, ctx: Context, candidate: Candidate) -> Candidate:
        """Improve one candidate whose round-0 attempt has been graded on the
        public tests; return it with any new attempts appended."""
        ...

    def describe(self) -> dict[str, object]: ...


@runtime_checkable
class SelectionStrategy(Protocol):
    name: ClassVar[str]
    # True only for strategies that read the hidden tests (the ``oracle`` bound): the
    # pipeline then hands them a context that can score programs privately.
    uses_private_tests: ClassVar[bool]

    async def select(self, ctx: Context, candidates: Sequence[Candidate]) -> SelectionRecord:
        """Choose one candidate (or none, when no candidate has code)."""
        ...

    def describe(self) -> dict[str, object]: ...
