"""The E2B SDK's exception types, and what ``E2BSandbox`` makes of them.

``errors()`` gives the classes of ``e2b.exceptions`` when the SDK is installed,
imported on first use (so loading ``agentsstar.sandboxes.e2b`` does not load the
SDK). Without the SDK only a custom ``create`` can drive ``E2BSandbox`` (e.g.
``agentsstar.testing.FakeE2B``); stand-ins with the SDK's names, fields and
hierarchy are used then, and such a ``create`` raises those. Either way errors are
classified by type, never by class name.
"""

from __future__ import annotations

import functools
import importlib
import socket
from types import SimpleNamespace
from typing import Any

#: The exception classes ``E2BSandbox`` tells apart (all in ``e2b.exceptions``).
NAMES = (
    "SandboxException",
    "TimeoutException",
    "SandboxNotRunningException",
    "SandboxUnreachableException",
    "InvalidArgumentException",
    "NotFoundException",
    "FileNotFoundException",
    "SandboxNotFoundException",
    "RateLimitException",
    "AuthenticationException",
    "ServiceBusyException",
    "TemplateException",
    "CommandExitException",
)


class _StandIns:
    """The SDK's exception classes for when ``e2b`` is not installed."""

    class SandboxException(Exception):
        status_code: int | None = None

        def __init__(self, *args: object, status_code: int | None = None) -> None:
            super().__init__(*args)
            self.status_code = status_code

    class TimeoutException(SandboxException):
        pass

    class SandboxNotRunningException(TimeoutException):
        pass

    class SandboxUnreachableException(TimeoutException):
        pass

    class InvalidArgumentException(SandboxException):
        pass

    class NotFoundException(SandboxException):
        pass

    class FileNotFoundException(NotFoundException):
        pass

    class SandboxNotFoundException(NotFoundException):
        pass

    class RateLimitException(SandboxException):
        def __init__(self, *args: object) -> None:
            super().__init__(*args, status_code=429)

    class AuthenticationException(Exception):
        pass

    class ServiceBusyException(Exception):
        status_code = 503

    class TemplateException(SandboxException):
        pass

    class CommandExitException(SandboxException):
        """A command exited non-zero; carries its output like the SDK's."""

        def __init__(self, stderr: Any, stdout: Any, exit_code: int, error: str | None) -> None:
            super().__init__()
            self.stderr, self.stdout, self.exit_code, self.error = stderr, stdout, exit_code, error

        def __str__(self) -> str:
            if self.stderr is None:
                return f"Command exited with code {self.exit_code}"
            return f"Command exited with code {self.exit_code} and error:\n{self.stderr}"


def sdk() -> Any:
    """The ``e2b`` module, or ``None`` when it is not installed."""
    try:
        return importlib.import_module("e2b")
    except ImportError:
        return None


@functools.cache
def errors() -> Any:
    """The exception classes, by their SDK names (``errors().RateLimitException``)."""
    module = sdk()
    source: Any = module if module is not None else _StandIns
    return SimpleNamespace(**{name: getattr(source, name) for name in NAMES})


@functools.cache
def _transport_errors() -> tuple[type[BaseException], ...]:
    # The SDK speaks httpx; a dropped or refused connection surfaces as its errors.
    try:
        httpx: Any = importlib.import_module("httpx")
    except ImportError:
        return (OSError, TimeoutError)
    return (OSError, TimeoutError, httpx.TransportError)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


#: How a failed name lookup reads when no ``socket.gaierror`` is in the chain (the
#: SDK's Rust transport reports it only in the message of a ``ConnectionError``).
_DNS_WORDS = ("dns error", "name resolution", "name or service not known", "nodename nor servname")


def is_dns_failure(exc: BaseException) -> bool:
    """Whether ``exc`` comes from a failed host name lookup (offline, wrong domain)."""
    for e in _chain(exc):
        if isinstance(e, socket.gaierror):
            return True
        if isinstance(e, _transport_errors()) and any(w in str(e).lower() for w in _DNS_WORDS):
            return True
    return False


def create_may_succeed_later(exc: BaseException) -> bool:
    """Whether creating a sandbox again may succeed after ``exc``.

    Yes for a rate limit or full quota (429), a busy or failing service (5xx),
    timeouts, a sandbox that vanished before it was ready, and a dropped or refused
    connection. No for a rejected key, a bad argument or template (4xx), and a host
    name that does not resolve: none of them changes by trying again.
    """
    e = errors()
    if isinstance(exc, e.AuthenticationException | e.InvalidArgumentException):
        return False
    if isinstance(exc, e.TemplateException | e.FileNotFoundException):
        return False
    if isinstance(exc, e.RateLimitException | e.ServiceBusyException | e.TimeoutException):
        return True
    if isinstance(exc, e.NotFoundException):
        return True  # the sandbox was gone before the runner was in it
    if isinstance(exc, e.SandboxException):
        status = exc.status_code
        return status is None or status >= 500
    if isinstance(exc, _transport_errors()):
        return not is_dns_failure(exc)
    return False


__all__ = ["NAMES", "create_may_succeed_later", "errors", "is_dns_failure", "sdk"]
