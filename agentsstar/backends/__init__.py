"""Model backends and the ``--model`` spec strings that open them.

    local                     embedded Qwen2.5-Coder-0.5B-Instruct (llama-cpp-python, CPU)
    local:NAME                a known local model (see ``local_models.KNOWN_MODELS``)
    local:/path/to/file.gguf  any GGUF file
    openai:MODEL              any OpenAI-compatible /v1 server (vLLM, llama_cpp.server, OpenAI)
    litellm:PROVIDER/MODEL    hosted APIs through litellm (anthropic/..., openai/..., ...)

The prefix is looked up in ``agentsstar.registry.BACKENDS``: the built-in kinds live in
``kinds.py``; other packages add prefixes through the entry-point group
``agentsstar.backends`` (the entry point's name is the prefix, its object a
``factory(rest: str, **options)`` returning a ``ModelBackend``, optionally with an int
attribute ``default_concurrency``). Plugins are loaded only when their prefix is asked for.
"""

from __future__ import annotations

from typing import Any

from agentsstar.backends.base import (
    BackendBase,
    Completion,
    GenerationParams,
    Message,
    ModelBackend,
)
from agentsstar.backends.kinds import BackendKind, llama_cpp_installed
from agentsstar.errors import UnknownNameError

__all__ = [
    "BackendBase",
    "BackendKind",
    "Completion",
    "GenerationParams",
    "Message",
    "ModelBackend",
    "backend_kind",
    "default_concurrency",
    "llama_cpp_installed",
    "open_backend",
    "parse_spec",
]

DEFAULT_SPEC = "local"

_SPEC_HELP = "local, local:NAME, local:/path/to/file.gguf, openai:MODEL, litellm:PROVIDER/MODEL"


def parse_spec(spec: str) -> tuple[str, str]:
    """Split ``kind:rest``; ``rest`` may be empty (``local``).

    Raises:
        UnknownNameError: an empty spec.
    """
    kind, _, rest = spec.strip().partition(":")
    if not kind:
        raise UnknownNameError(f"empty model spec {spec!r}; valid: {_SPEC_HELP}")
    return kind, rest


def backend_kind(spec: str) -> tuple[BackendKind, str]:
    """The kind a spec names and the rest of the spec.

    Raises:
        UnknownNameError: an empty spec or an unknown prefix.
    """
    from agentsstar.registry import BACKENDS

    kind, rest = parse_spec(spec)
    if kind not in BACKENDS.names():
        plugins = sorted(BACKENDS.plugins())
        extra = f"; plugins: {', '.join(plugins)}" if plugins else ""
        hint = " (ScriptedBackend is used from Python, not by spec)" if kind == "scripted" else ""
        raise UnknownNameError(
            f"unknown model backend {kind!r} in {spec!r}{hint}; valid: {_SPEC_HELP}{extra}"
        )
    return BackendKind.from_plugin(kind, BACKENDS.load(kind)), rest


def default_concurrency(spec: str) -> int:
    """Default ``max_concurrency`` for the backend a spec opens (local: the batching
    engine's slots, ``_batching.DEFAULT_PARALLEL``)."""
    return backend_kind(spec)[0].default_concurrency


def open_backend(spec: str = DEFAULT_SPEC, **options: Any) -> ModelBackend:
    """Open the backend a ``--model`` spec names. Cheap: nothing is loaded or sent yet.

    Options (``None`` means unset): local: ``n_ctx``, ``n_threads``, ``chat_format``,
    ``cache_dir``; openai: ``base_url``, ``api_key``, ``timeout``, ``extra_body``;
    litellm: ``api_base`` (or ``base_url``), ``api_key``, ``timeout``.

    Raises:
        UnknownNameError: unknown kind or local model name.
        ConfigError: a missing model name or an option the kind does not take.
        MissingDependencyError: the kind's optional package is not installed.
        MissingCredentialsError: a hosted API's key is not set.
        ModelNotFoundError: a local model that cannot be found or installed.
    """
    kind, rest = backend_kind(spec)
    return kind.open(rest, **options)
