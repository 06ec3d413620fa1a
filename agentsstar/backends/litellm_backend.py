"""``LiteLLMBackend``: hosted APIs (Anthropic, OpenAI, Gemini, Mistral, Groq, ...) via litellm.

litellm maps one OpenAI-style call onto each provider's API and reads keys from the
providers' usual environment variables. agentsstar keeps its own policies: litellm's
retries are switched off (``Model`` retries, once), the key is checked before the
first call so a missing one is a one-line error naming the variable, and litellm's
exceptions (subclasses of openai's) are classified like the OpenAI backend's.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import openai
import structlog

from agentsstar.backends._errors import classify_api_error
from agentsstar.backends._request import chat_request, check_options
from agentsstar.backends.base import BackendBase, Completion, GenerationParams, Message
from agentsstar.errors import (
    ConfigError,
    MissingCredentialsError,
    MissingDependencyError,
    ModelError,
)

log = structlog.get_logger(__name__)

# Servers reached through ``api_base`` (vLLM, llama_cpp.server) usually want no key,
# but litellm's OpenAI route refuses to build a client without one.
NO_KEY_PLACEHOLDER = "agentsstar-no-key"
DEFAULT_TIMEOUT_S = 600.0
COST_MAP_ENV = "LITELLM_LOCAL_MODEL_COST_MAP"


def import_litellm() -> ModuleType:
    """Import litellm on first use, without network access at import time.

    Raises:
        MissingDependencyError: litellm is not installed (extra ``litellm``).
    """
    # litellm fetches a model price list from GitHub when imported unless told to use
    # its bundled copy; agentsstar never needs fresh prices, and offline machines would
    # wait several seconds on retries. litellm reads the switch once, at import: it is
    # set for the import only, so the process (and its children) keep their own
    # environment. The user's own setting wins.
    ours = COST_MAP_ENV not in os.environ
    if ours:
        os.environ[COST_MAP_ENV] = "True"
    try:
        import litellm
    except ImportError as exc:
        raise MissingDependencyError("litellm", "litellm", "the litellm backend") from exc
    finally:
        if ours:
            os.environ.pop(COST_MAP_ENV, None)
    # Otherwise litellm print()s a banner to stdout for an unknown provider, and
    # stdout is where the CLI writes the selected program.
    litellm.suppress_debug_info = True
    return litellm


class LiteLLMBackend(BackendBase):
    """Chat completions through ``litellm.acompletion``.

    Args:
        model: ``provider/model`` as litellm spells it, e.g.
            ``anthropic/claude-3-5-haiku-latest`` or ``openai/gpt-4o-mini``.
        api_base: an endpoint URL (e.g. an OpenAI-compatible ``/v1`` server with
            ``openai/<served-model>``); then no key is required.
        api_key: overrides the provider's environment variable.
        timeout: seconds for one request.
        extra: further keyword arguments for ``litellm.acompletion``.

    Raises:
        MissingDependencyError: litellm is not installed.
        ConfigError: the model string names no provider litellm knows.
        MissingCredentialsError: the provider's key is not set (names the variable).
    """

    def __init__(
        self,
        model: str,
        *,
        api_base: str | None = None,
        api_key: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        **extra: Any,
    ) -> None:
        check_options("litellm", model, timeout, "litellm:PROVIDER/MODEL")
        litellm = import_litellm()
        try:
            _, provider, _, _ = litellm.get_llm_provider(model=model, api_base=api_base)
        except Exception as exc:  # litellm raises its BadRequestError for this
            raise ConfigError(
                f"litellm backend: cannot tell the provider of {model!r}; "
                "write it as PROVIDER/MODEL, e.g. anthropic/claude-3-5-haiku-latest"
            ) from exc
        if api_key is None:
            if api_base is not None:
                api_key = NO_KEY_PLACEHOLDER
            else:
                _check_environment(litellm, model, provider)
        self._litellm = litellm
        self.model = model
        self.provider = str(provider)
        self.name = f"litellm:{model}"
        self._api_base = api_base
        self._api_key = api_key
        self._timeout = timeout
        self._extra = extra

    def _request(self, messages: Sequence[Message], params: GenerationParams) -> dict[str, Any]:
        request: dict[str, Any] = {
            **self._extra,
            **chat_request(self.model, messages, params),
            "timeout": self._timeout,
            # One retry policy, in Model: litellm's (num_retries) and the underlying
            # SDK's (max_retries, which litellm derives from num_retries) are off.
            "num_retries": 0,
            # Providers without e.g. ``seed`` would otherwise reject the request.
            "drop_params": True,
        }
        if self._api_base is not None:
            request["api_base"] = self._api_base
        if self._api_key is not None:
            request["api_key"] = self._api_key
        return request

    async def complete(self, messages: Sequence[Message], params: GenerationParams) -> Completion:
        """One chat completion; litellm's errors are translated (see ``_errors``)."""
        where = self._api_base or self.provider
        try:
            response = await self._litellm.acompletion(**self._request(messages, params))
        except openai.APIError as exc:
            raise classify_api_error(
                _connection_failure(exc) or exc,
                backend=self.name,
                where=where,
                credential_hint=f"check the API key for provider {self.provider!r}",
            ) from exc
        except Exception as exc:
            # litellm can raise plain exceptions from provider adapters; they are not
            # known to be transient, so they are final.
            raise ModelError(f"{self.name}: {type(exc).__name__}: {exc}") from exc
        return _to_completion(self.name, response)

    def identity(self) -> str:
        return f"{self.name}@{self._api_base or 'default'}"

    async def aclose(self) -> None:
        # litellm keeps module-level HTTP clients shared by every caller; closing them
        # here would break other users in the process.
        return None


def _connection_failure(exc: BaseException) -> openai.APIConnectionError | None:
    """The SDK's connection error behind a litellm exception, if there is one.

    litellm reports a refused or dropped connection as ``InternalServerError`` (500)
    with the SDK's ``APIConnectionError`` (or ``APITimeoutError``) in its chain; the
    user must hear that the connection failed, not that a server answered 500.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, openai.APIConnectionError):
            return current
        current = current.__cause__ or current.__context__
    return None


def _check_environment(litellm: ModuleType, model: str, provider: str) -> None:
    """Raise a one-line ``MissingCredentialsError`` if the provider's key is unset."""
    try:
        report = litellm.validate_environment(model=model)
    except Exception as exc:
        # A check that cannot run must not block a call that might work.
        log.debug("litellm validate_environment failed", model=model, error=str(exc))
        return
    missing = [str(k) for k in report.get("missing_keys") or []]
    if report.get("keys_in_environment") or not missing:
        return
    names = " or ".join(missing) if _alternatives(missing) else " and ".join(missing)
    raise MissingCredentialsError(
        f"litellm backend: {names} is not set (needed for provider {provider!r}, model {model!r})"
    )


def _alternatives(missing: list[str]) -> bool:
    # litellm lists GOOGLE_API_KEY and GEMINI_API_KEY together: either one suffices.
    return set(missing) == {"GOOGLE_API_KEY", "GEMINI_API_KEY"}


def _field(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _to_completion(name: str, response: Any) -> Completion:
    choices = _field(response, "choices") or []
    if not choices:
        raise ModelError(f"{name}: the provider returned no choices")
    choice = choices[0]
    message = _field(choice, "message")
    usage = _field(response, "usage")
    return Completion(
        text=str(_field(message, "content") or ""),
        prompt_tokens=int(_field(usage, "prompt_tokens") or 0),
        completion_tokens=int(_field(usage, "completion_tokens") or 0),
        finish_reason=_field(choice, "finish_reason"),
    )
