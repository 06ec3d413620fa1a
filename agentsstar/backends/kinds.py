"""The built-in backend kinds behind ``--model`` spec prefixes.

Each kind is a ``BackendKind``: how to open a backend from the rest of the spec and
its options, which options it takes, and how many requests it should have in flight.
The registry (``agentsstar.registry.BACKENDS``) maps prefixes to these objects and to
plugin factories alike.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentsstar.backends._batching import DEFAULT_PARALLEL as LOCAL_PARALLEL
from agentsstar.backends.base import ModelBackend
from agentsstar.errors import ConfigError, MissingDependencyError

# A plugin that does not say how many requests it takes at once gets this many.
PLUGIN_DEFAULT_CONCURRENCY = 4


@dataclass(frozen=True)
class BackendKind:
    """One ``--model`` prefix.

    ``options`` is the set of option names the kind accepts (``None``: any, as for
    plugin factories, which check their own). Options whose value is ``None`` are
    dropped first, so a CLI can pass every flag it has.
    """

    prefix: str
    opener: Callable[..., ModelBackend]
    default_concurrency: int
    options: frozenset[str] | None = None

    def open(self, rest: str, **options: Any) -> ModelBackend:
        given = {k: v for k, v in options.items() if v is not None}
        if self.options is not None:
            unknown = sorted(set(given) - self.options)
            if unknown:
                raise ConfigError(
                    f"option {unknown[0]!r} does not apply to {self.prefix} models "
                    f"(accepted: {', '.join(sorted(self.options))})"
                )
        return self.opener(rest, **given)

    @classmethod
    def from_plugin(cls, prefix: str, factory: Any) -> BackendKind:
        """Wrap a plugin's ``factory(rest, **options)`` (or take its ``BackendKind``)."""
        if isinstance(factory, BackendKind):
            return factory
        value = getattr(factory, "default_concurrency", PLUGIN_DEFAULT_CONCURRENCY)
        if not isinstance(value, int) or value < 1:
            value = PLUGIN_DEFAULT_CONCURRENCY
        return cls(prefix, factory, value)


def llama_cpp_installed() -> bool:
    """Whether llama-cpp-python can be imported (checked without importing it)."""
    try:
        return importlib.util.find_spec("llama_cpp") is not None
    except ValueError:  # sys.modules["llama_cpp"] is None: import is blocked
        return False


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


def _open_openai(rest: str, **options: Any) -> ModelBackend:
    if not rest:
        raise ConfigError("openai backend needs a model: openai:MODEL (with --base-url)")
    from agentsstar.backends.openai_compat import OpenAICompatBackend

    return OpenAICompatBackend(rest, **options)


def _open_litellm(rest: str, **options: Any) -> ModelBackend:
    if not rest:
        raise ConfigError("litellm backend needs a model: litellm:PROVIDER/MODEL")
    base_url = options.pop("base_url", None)
    if base_url is not None:
        if options.get("api_base", base_url) != base_url:
            raise ConfigError("litellm backend: base_url and api_base disagree; pass one")
        options["api_base"] = base_url
    from agentsstar.backends.litellm_backend import LiteLLMBackend

    return LiteLLMBackend(rest, **options)


# Requests in flight by default: the embedded model decodes this many in one batch
# (its engine's slots; docs/benchmarks.md); a vLLM server batches dozens; hosted APIs
# have per-key rate limits, so stay moderate.
LOCAL = BackendKind(
    "local",
    _open_local,
    LOCAL_PARALLEL,
    frozenset({"n_ctx", "n_threads", "chat_format", "cache_dir"}),
)
OPENAI = BackendKind(
    "openai", _open_openai, 32, frozenset({"base_url", "api_key", "timeout", "extra_body"})
)
LITELLM = BackendKind(
    "litellm", _open_litellm, 8, frozenset({"api_base", "base_url", "api_key", "timeout"})
)
