"""Translate OpenAI-style SDK errors into agentsstar's error tree.

Both the ``openai`` SDK and ``litellm`` raise subclasses of ``openai.APIError``
(litellm's exceptions inherit from openai's), so one classifier serves both backends.
The rule: rate limits, 5xx, 408/409, timeouts and dropped connections are
``TransientModelError`` (``Model`` retries them); everything else is a final
``ModelError`` whose message says what to fix. Callers ``raise ... from exc``.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping

import openai

from agentsstar.errors import ModelError, TransientModelError

# Status codes worth retrying besides 5xx: 408 request timeout, 409 lock conflict
# (the SDK itself treats both as retryable), 429 rate limit.
_RETRYABLE_STATUS = frozenset({408, 409, 429})


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or HTTP date).

    Returns ``None`` when no usable hint is present. Negative values become 0.
    """
    if not headers:
        return None
    # httpx.Headers is case-insensitive; a plain dict may not be.
    lowered = {k.lower(): v for k, v in headers.items()}
    ms = lowered.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return max(0.0, float(email.utils.mktime_tz(parsed)) - time.time())


def _status_of(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) else None


def _headers_of(exc: BaseException) -> Mapping[str, str] | None:
    # The openai SDK keeps headers on ``exc.response``; litellm rebuilds the response
    # without them and keeps the vendor's in ``litellm_response_headers`` (and
    # proxy-supplied ones in ``headers``).
    candidates = (
        getattr(getattr(exc, "response", None), "headers", None),
        getattr(exc, "litellm_response_headers", None),
        getattr(exc, "headers", None),
    )
    for headers in candidates:
        if isinstance(headers, Mapping) and headers:
            return headers
    return None


def _detail(exc: BaseException) -> str:
    # SDK messages can be long (whole JSON bodies); one line is what users read.
    text = " ".join(str(getattr(exc, "message", None) or exc).split())
    return text if len(text) <= 300 else text[:297] + "..."


def classify_api_error(
    exc: openai.APIError, *, backend: str, where: str, credential_hint: str
) -> ModelError:
    """Return the agentsstar error for an ``openai.APIError`` (or a litellm subclass).

    ``backend`` names the backend in messages (``openai:MODEL``), ``where`` says what
    was contacted (a base URL), ``credential_hint`` says how to supply a key.
    """
    prefix = f"{backend}"
    if isinstance(exc, openai.APITimeoutError):
        return TransientModelError(f"{prefix}: request to {where} timed out")
    if isinstance(exc, openai.APIConnectionError):
        return TransientModelError(
            f"{prefix}: connection to {where} failed or was dropped: {_detail(exc)}"
        )
    status = _status_of(exc)
    if isinstance(exc, openai.RateLimitError) or status == 429:
        return TransientModelError(
            f"{prefix}: rate limited (429): {_detail(exc)}",
            retry_after=parse_retry_after(_headers_of(exc)),
        )
    if status is not None and (status >= 500 or status in _RETRYABLE_STATUS):
        return TransientModelError(
            f"{prefix}: server error ({status}) from {where}: {_detail(exc)}",
            retry_after=parse_retry_after(_headers_of(exc)),
        )
    if isinstance(exc, openai.AuthenticationError) or status == 401:
        return ModelError(f"{prefix}: authentication failed (401) at {where}; {credential_hint}")
    if isinstance(exc, openai.PermissionDeniedError) or status == 403:
        return ModelError(f"{prefix}: permission denied (403) at {where}: {_detail(exc)}")
    if isinstance(exc, openai.NotFoundError) or status == 404:
        return ModelError(
            f"{prefix}: not found (404) at {where}; check the model name and the base URL "
            f"(it usually ends in /v1): {_detail(exc)}"
        )
    if isinstance(exc, openai.BadRequestError) or status in (400, 422):
        return ModelError(f"{prefix}: request rejected ({status}): {_detail(exc)}")
    if status is not None:
        return ModelError(f"{prefix}: HTTP {status} from {where}: {_detail(exc)}")
    return ModelError(f"{prefix}: {type(exc).__name__}: {_detail(exc)}")
