"""The model seam: one async chat completion.

A backend turns messages into text and token counts and *classifies* its failures:
``TransientModelError`` (rate limit, 5xx, timeout, dropped connection: worth
retrying, optionally with ``retry_after``) or ``ModelError`` (final). It does not
retry by itself: retries, the concurrency limit and usage accounting are applied
once, in ``agentsstar.model.Model``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class Completion:
    """A reply and what it cost."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str | None = None
    cached: bool = False  # served by a ``ModelCache``: cost nothing this time


@dataclass(frozen=True, slots=True)
class GenerationParams:
    temperature: float = 0.7
    max_tokens: int = 1024
    seed: int | None = None
    stop: tuple[str, ...] = ()
    # Lowers a token's odds by how often it already appears in the reply (0: off).
    # Small models asked for a list fall into repeating one line until max_tokens.
    frequency_penalty: float = 0.0


@runtime_checkable
class ModelBackend(Protocol):
    """An LLM endpoint. ``name`` identifies it in records (e.g. ``openai:qwen``)."""

    name: str

    async def complete(self, messages: Sequence[Message], params: GenerationParams) -> Completion:
        """One chat completion.

        Raises:
            TransientModelError: a failure worth retrying.
            ModelError: a final failure.
        """
        ...

    def identity(self) -> str:
        """What, besides the request, determines a reply: kind, model and endpoint
        (``openai:qwen@http://gpu:8000/v1``). Keys the model-call cache."""
        ...

    async def warm(self) -> None:
        """Get ready to answer: load weights, check files. Called once before a run so
        a missing or corrupt model is reported at once, not from inside the first call.
        Backends with nothing to prepare do nothing (``BackendBase`` does that)."""
        ...

    async def aclose(self) -> None:
        """Release connections, processes or loaded weights."""
        ...


class BackendBase:
    """Optional base class for backends: no-op ``warm`` and ``aclose``."""

    name: str

    def identity(self) -> str:
        return self.name

    async def warm(self) -> None:
        return None

    async def aclose(self) -> None:
        return None
