"""Model backends and the ``--model`` spec strings that open them.

    local                     embedded Qwen2.5-Coder-0.5B-Instruct (llama-cpp-python, CPU)
    local:NAME                a known local model (see ``local_models.KNOWN_MODELS``)
    local:/path/to/file.gguf  any GGUF file
    openai:MODEL              any OpenAI-compatible /v1 server (vLLM, llama_cpp.server, OpenAI)
    litellm:PROVIDER/MODEL    hosted APIs through litellm (anthropic/..., openai/..., ...)

Other packages may add kinds through the entry-point group ``agentsstar.backends``: the
entry point's name is the prefix, its object a ``factory(rest: str, **options)``
returning a ``ModelBackend`` (optionally with an int attribute ``default_concurrency``).
Plugins are loaded only when their prefix is asked for.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agentsstar.backends.base import Completion, GenerationParams, Message, ModelBackend
from agentsstar.errors import ConfigError, MissingDependencyError, UnknownNameError

__all__ = [
    "Completion",
    "GenerationParams",
    "Message",
    "ModelBackend",
    "default_concurrency",
    "open_backend",
    "parse_spec",
]

ENTRY_POINT_GROUP = "agentsstar.backends"
DEFAULT_SPEC = "local"

# Requests in flight per backend kind (for ``Model(max_concurrency=...)``): one
# embedded model computes one reply at a time; a vLLM server batches dozens; hosted
# APIs have per-key rate limits, so stay moderate.
_DEFAULT_CONCURRENCY = {"local": 1, "openai": 32, "litellm": 8}
_PLUGIN_DEFAULT_CONCURRENCY = 4

# Options each kind accepts; None values are ignored so a CLI can pass every flag.
_OPTIONS = {
    "local": {"n_ctx", "n_threads", "chat_format", "cache_dir"},
    "openai": {"base_url", "api_key", "timeout", "extra_body"},
    "litellm": {"api_base", "base_url", "api_key", "timeout"},
}

_SPEC_HELP = "local, local:NAME, local:/path/to/file.gguf, openai:MODEL, litellm:PROVIDER/MODEL"

BackendFactory = Callable[..., ModelBackend]


def parse_spec(spec: str) -> tuple[str, str]:
    """Split ``kind:rest``; ``rest`` may be empty (``local``).

    Raises:
        UnknownNameError: an empty spec.
    """
    kind, _, rest = spec.strip().partition(":")
    if not kind:
        raise UnknownNameError(f"empty model spec {spec!r}; valid: {_SPEC_HELP}")
    return kind, rest


def _plugin(kind: str) -> BackendFactory | None:
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == kind:
            factory: BackendFactory = ep.load()
            return factory
    return None


def llama_cpp_installed() -> bool:
    """Whether llama-cpp-python can be imported (checked without importing it)."""
    try:
        return importlib.util.find_spec("llama_cpp") is not None
    except ValueError:  # sys.modules["llama_cpp"] is None: import is blocked
        return False


def _unknown(kind: str, spec: str) -> UnknownNameError:
    plugins = sorted(ep.name for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))
    extra = f"; plugins: {', '.join(plugins)}" if plugins else ""
    hint = " (ScriptedBackend is used from Python, not by spec)" if kind == "scripted" else ""
    return UnknownNameError(
        f"unknown model backend {kind!r} in {spec!r}{hint}; valid: {_SPEC_HELP}{extra}"
    )


def default_concurrency(spec: str) -> int:
    """Default ``max_concurrency`` for the backend a spec opens (local: 1)."""
    kind, _ = parse_spec(spec)
    if kind in _DEFAULT_CONCURRENCY:
        return _DEFAULT_CONCURRENCY[kind]
    factory = _plugin(kind)
    if factory is None:
        raise _unknown(kind, spec)
    value = getattr(factory, "default_concurrency", _PLUGIN_DEFAULT_CONCURRENCY)
    return value if isinstance(value, int) and value > 0 else _PLUGIN_DEFAULT_CONCURRENCY


def _given(kind: str, options: dict[str, Any]) -> dict[str, Any]:
    given = {k: v for k, v in options.items() if v is not None}
    unknown = sorted(set(given) - _OPTIONS[kind])
    if unknown:
        raise ConfigError(
            f"option {unknown[0]!r} does not apply to {kind} models "
            f"(accepted: {', '.join(sorted(_OPTIONS[kind]))})"
        )
    return given


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
    kind, rest = parse_spec(spec)
    if kind == "local":
        return _open_local(rest, **_given(kind, options))
    if kind == "openai":
        if not rest:
            raise ConfigError("openai backend needs a model: openai:MODEL (with --base-url)")
        from agentsstar.backends.openai_compat import OpenAICompatBackend

        return OpenAICompatBackend(rest, **_given(kind, options))
    if kind == "litellm":
        if not rest:
            raise ConfigError("litellm backend needs a model: litellm:PROVIDER/MODEL")
        given = _given(kind, options)
        base_url = given.pop("base_url", None)
        if base_url is not None:
            if given.get("api_base", base_url) != base_url:
                raise ConfigError("litellm backend: base_url and api_base disagree; pass one")
            given["api_base"] = base_url
        from agentsstar.backends.litellm_backend import LiteLLMBackend

        return LiteLLMBackend(rest, **given)
    factory = _plugin(kind)
    if factory is None:
        raise _unknown(kind, spec)
    return factory(rest, **{k: v for k, v in options.items() if v is not None})


def _open_local(rest: str, **options: Any) -> ModelBackend:
    from agentsstar.backends import local_models
    from agentsstar.backends.llama_local import LlamaLocalBackend

    # Fail now, in one line, rather than at the first call deep inside a run.
    if not llama_cpp_installed():
        raise MissingDependencyError("llama-cpp-python", "local", "the embedded local model")
    name = rest or local_models.DEFAULT_MODEL
    cache_dir = Path(options.pop("cache_dir")).expanduser() if "cache_dir" in options else None
    local_models.check_available(name, cache_dir=cache_dir)
    if local_models.is_path_spec(name):
        return LlamaLocalBackend(local_models.resolve_model(name), **options)
    # Assembly (hundreds of MB) happens at first use, in the backend's worker thread.
    source = functools.partial(local_models.resolve_model, name, cache_dir=cache_dir)
    return LlamaLocalBackend(source, name=f"local:{name}", **options)
