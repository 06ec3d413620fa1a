"""The SDK's types as ``FakeE2B`` hands them out: ``e2b``'s own when it is installed,
equivalents (same names, fields, hierarchy) otherwise. The exception classes are the
ones ``E2BSandbox`` classifies (``agentsstar.sandboxes._e2b_errors``)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agentsstar.sandboxes._e2b_errors import errors, sdk

_sdk = sdk()
_errors = errors()

SandboxException: type[Exception] = _errors.SandboxException
TimeoutException: type[Exception] = _errors.TimeoutException
SandboxNotRunningException: type[Exception] = _errors.SandboxNotRunningException
SandboxUnreachableException: type[Exception] = _errors.SandboxUnreachableException
NotFoundException: type[Exception] = _errors.NotFoundException
FileNotFoundException: type[Exception] = _errors.FileNotFoundException
SandboxNotFoundException: type[Exception] = _errors.SandboxNotFoundException
RateLimitException: type[Exception] = _errors.RateLimitException
AuthenticationException: type[Exception] = _errors.AuthenticationException
ServiceBusyException: type[Exception] = _errors.ServiceBusyException
CommandExitException: type[Exception] = _errors.CommandExitException


@dataclass
class _CommandResult:
    stderr: Any
    stdout: Any
    exit_code: int
    error: str | None


@dataclass
class _WriteInfo:
    name: str
    type: Any
    path: str


CommandResult: Any = _sdk.CommandResult if _sdk is not None else _CommandResult
WriteInfo: Any = _sdk.WriteInfo if _sdk is not None else _WriteInfo
FILE_TYPE: Any = _sdk.FileType.FILE if _sdk is not None else "file"

#: Keyword options every SDK call accepts (``e2b.ApiParams``).
API_PARAMS: frozenset[str] = frozenset(
    _sdk.ApiParams.__annotations__
    if _sdk is not None
    else (
        "request_timeout",
        "retries",
        "headers",
        "api_headers",
        "api_key",
        "validate_api_key",
        "domain",
        "api_url",
        "debug",
        "proxy",
        "sandbox_url",
        "http_version",
    )
)

#: The SDK's defaults: sandbox lifetime, request timeout, control-plane retries.
DEFAULT_SANDBOX_TIMEOUT = 300
DEFAULT_REQUEST_TIMEOUT = 60.0
DEFAULT_RETRIES = 3
#: Statuses the SDK retries by itself (``e2b.retry.RETRYABLE_STATUSES``).
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


def sdk_backoff(attempt: int, random_: Callable[[], float] = random.random) -> float:
    """The SDK's wait before retry ``attempt + 1``: 0.1 s doubling, capped at 10 s,
    jittered down to half (``e2b.retry._backoff_delay``)."""
    return float(min(0.1 * 2**attempt, 10.0) * (0.5 + random_() * 0.5))


def request_timeout_of(opts: dict[str, Any]) -> float | None:
    """The request timeout an SDK call gets from ``opts`` (``0``: none)."""
    value = opts.get("request_timeout")
    if value is None:
        return DEFAULT_REQUEST_TIMEOUT
    return float(value) or None


def status_error(status: int, message: str) -> Exception:
    """The exception the SDK raises for a control-plane answer with ``status``."""
    if status == 401:
        return AuthenticationException(
            f"401: Unauthorized, please check your credentials. - {message}"
        )
    if status == 429:
        return RateLimitException(f"429: Rate limit exceeded, please try again later. - {message}")
    if status == 503:
        return ServiceBusyException(
            f"503: Service temporarily unavailable, please retry. - {message}"
        )
    exc = SandboxException(f"{status}: {message}")
    exc.status_code = status  # type: ignore[attr-defined]
    return exc


def command_exit(stdout: str | None, stderr: str | None, code: int, error: str | None) -> Any:
    exc_type: Any = CommandExitException
    return exc_type(stdout=stdout, stderr=stderr, exit_code=code, error=error)
