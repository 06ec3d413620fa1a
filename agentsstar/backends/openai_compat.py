"""``OpenAICompatBackend``: any OpenAI-compatible ``/v1`` chat endpoint.

This is how agentsstar reaches ``vllm serve``, ``llama_cpp.server``, a proxy, or the
OpenAI API itself: the API shape (chat completions) is fixed, the endpoint and the
credentials are options. The SDK's own retries are switched off because ``Model``
retries, and retrying in two places multiplies attempts and hides the real policy.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import openai
import structlog

from agentsstar.backends._errors import classify_api_error
from agentsstar.backends._request import chat_request, check_options
from agentsstar.backends.base import BackendBase, Completion, GenerationParams, Message
from agentsstar.errors import ConfigError, MissingCredentialsError, ModelError

log = structlog.get_logger(__name__)

OPENAI_API_URL = "https://api.openai.com/v1"
# Servers such as vLLM or llama_cpp.server ignore the key unless started with one,
# but the SDK refuses to build a client without *some* key.
NO_KEY_PLACEHOLDER = "agentsstar-no-key"
DEFAULT_TIMEOUT_S = 600.0


def _is_official_openai(base_url: str) -> bool:
    return urlsplit(base_url).hostname == "api.openai.com"


class OpenAICompatBackend(BackendBase):
    """Chat completions from an OpenAI-compatible server.

    Args:
        model: the model name the server knows (``Qwen/Qwen2.5-Coder-7B-Instruct``).
        base_url: the ``/v1`` URL; default ``$OPENAI_BASE_URL``, else the OpenAI API.
        api_key: default ``$OPENAI_API_KEY``. Required only for the OpenAI API itself;
            any other server gets a placeholder when none is set.
        timeout: seconds for one request (connect timeout is capped at 10 s).
        extra_body: extra JSON fields sent with every request (e.g. vLLM's
            ``{"top_k": 20}``).

    Raises:
        ConfigError: an empty model name or a malformed base URL.
        MissingCredentialsError: the OpenAI API is targeted and no key is set.
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        extra_body: Mapping[str, Any] | None = None,
    ) -> None:
        check_options("openai", model, timeout, "openai:MODEL")
        url = base_url or os.environ.get("OPENAI_BASE_URL") or OPENAI_API_URL
        # The standard library parses the URL: the openai SDK's HTTP client differs
        # between its major versions (httpx, httpx2), and neither is ours to import.
        try:
            parsed = urlsplit(url)
            parsed.port  # noqa: B018 -- raises ValueError for a malformed port
        except ValueError as exc:
            raise ConfigError(f"openai backend: invalid base URL {url!r}: {exc}") from exc
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ConfigError(
                f"openai backend: invalid base URL {url!r}; expected e.g. http://HOST:8000/v1"
            )
        key = api_key or os.environ.get("OPENAI_API_KEY")
        if not key:
            if _is_official_openai(url):
                raise MissingCredentialsError(
                    "openai backend: OPENAI_API_KEY is not set (needed for api.openai.com; "
                    "pass --base-url for a local server)"
                )
            key = NO_KEY_PLACEHOLDER
        self.model = model
        self.base_url = url
        self.name = f"openai:{model}"
        self._extra_body = dict(extra_body) if extra_body else None
        self._client = openai.AsyncOpenAI(
            api_key=key,
            base_url=url,
            max_retries=0,
            timeout=openai.Timeout(timeout, connect=min(timeout, 10.0)),
        )

    def _request(self, messages: Sequence[Message], params: GenerationParams) -> dict[str, Any]:
        request = chat_request(self.model, messages, params)
        if self._extra_body:
            request["extra_body"] = self._extra_body
        return request

    async def complete(self, messages: Sequence[Message], params: GenerationParams) -> Completion:
        """One chat completion; SDK errors are translated (see ``_errors``)."""
        try:
            response = await self._client.chat.completions.create(**self._request(messages, params))
        except openai.APIError as exc:
            raise classify_api_error(
                exc,
                backend=self.name,
                where=self.base_url,
                credential_hint="check OPENAI_API_KEY (or the api_key option)",
            ) from exc
        except openai.OpenAIError as exc:
            raise ModelError(f"{self.name}: {type(exc).__name__}: {exc}") from exc
        if not response.choices:
            raise ModelError(f"{self.name}: the server returned no choices")
        choice = response.choices[0]
        usage = response.usage
        return Completion(
            text=choice.message.content or "",
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            finish_reason=choice.finish_reason,
        )

    def identity(self) -> str:
        return f"{self.name}@{self.base_url}"

    async def aclose(self) -> None:
        await self._client.close()
