"""What the two OpenAI-shaped backends (``openai``, ``litellm``) send alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentsstar.backends.base import GenerationParams, Message
from agentsstar.errors import ConfigError


def check_options(backend: str, model: str, timeout: float, form: str) -> None:
    """The checks both HTTP backends make before any request (``form`` shows how the
    model is written, e.g. ``openai:MODEL``)."""
    if not model or not model.strip():
        raise ConfigError(f"{backend} backend: the model name is empty (use {form})")
    if timeout <= 0:
        raise ConfigError(f"{backend} backend: timeout must be positive, got {timeout}")


def chat_request(
    model: str, messages: Sequence[Message], params: GenerationParams
) -> dict[str, Any]:
    """The chat-completions fields of one request. Unset options are left out rather
    than sent as nulls: some servers reject them."""
    request: dict[str, Any] = {
        "model": model,
        "messages": [{"role": m.role, "content": m.content} for m in messages],
        "temperature": params.temperature,
        "max_tokens": params.max_tokens,
    }
    if params.seed is not None:
        request["seed"] = params.seed
    if params.stop:
        request["stop"] = list(params.stop)
    if params.frequency_penalty:
        request["frequency_penalty"] = params.frequency_penalty
    return request
