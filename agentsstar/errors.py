"""Every error agentsstar raises on purpose.

The tree separates a caller's mistake from a failure of the infrastructure, because
the two are handled differently: a ``UserError`` is fixed by changing the input and is
shown as one line; an ``InfrastructureError`` is never a verdict on a program and is
counted apart in benchmark runs.

    AgentsstarError
    ├── UserError                     the caller can fix it
    │   ├── ProblemFileError          bad problem file (names file and field)
    │   ├── UnknownNameError          unknown strategy / backend / sandbox / parameter
    │   ├── ConfigError               bad option or config-file value
    │   ├── MissingDependencyError    an optional extra is not installed
    │   ├── MissingCredentialsError   an API key is not set
    │   ├── ModelNotFoundError        a local model file cannot be found or assembled
    │   └── CacheError                the model-call cache file is corrupt or locked
    └── InfrastructureError           run-time failure, not the program's fault
        ├── ModelError                the model backend failed (after retries)
        │   └── TransientModelError   worth retrying (rate limit, 5xx, timeout, drop)
        └── SandboxError              the sandbox itself failed

Errors from libraries below are translated at the boundary with
``raise ModelError(...) from exc`` so the cause stays chained.
"""

from __future__ import annotations


class AgentsstarError(Exception):
    """Base of every error raised on purpose by agentsstar."""


class UserError(AgentsstarError):
    """A mistake the caller can fix: the message says what and where."""


class ProblemFileError(UserError):
    """A problem file is unreadable or does not follow the schema."""


class UnknownNameError(UserError):
    """A strategy, backend, sandbox or parameter name that does not exist."""


class ConfigError(UserError):
    """An option or configuration value that is not acceptable."""


class MissingDependencyError(UserError):
    """An optional dependency is needed; the message names the extra to install."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        super().__init__(
            f"{purpose} needs the '{package}' package; install it with: "
            f"pip install 'agentsstar[{extra}]'"
        )
        self.package = package
        self.extra = extra


class MissingCredentialsError(UserError):
    """An API key or token is required but not set."""


class ModelNotFoundError(UserError):
    """A local model cannot be located, assembled or verified."""


class CacheError(UserError):
    """The model-call cache cannot be used (corrupt, not a cache, locked too long).
    Never a silent miss: a miss would quietly change a comparison's samples."""


class InfrastructureError(AgentsstarError):
    """A run-time failure of agentsstar's machinery, never a verdict on a program."""


class ModelError(InfrastructureError):
    """The model backend failed and retrying did not help (or cannot)."""


class TransientModelError(ModelError):
    """A failure worth retrying: rate limit, server error, timeout, dropped connection.

    ``retry_after`` carries the server's ``Retry-After`` hint in seconds, when given.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SandboxError(InfrastructureError):
    """The sandbox could not run a program (its own failure, not the program's)."""


def leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    """Every non-group exception inside ``group``, depth first."""
    out: list[BaseException] = []
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            out.extend(leaves(exc))
        else:
            out.append(exc)
    return out


def unwrap_group(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The one exception a caller should see from a failed task group.

    Concurrency is an implementation detail: when a sample's model call fails, the
    caller should get that ``ModelError``, not an ``ExceptionGroup`` holding it (and
    the cancellations it caused). Interrupts win, then agentsstar's own errors, then
    timeouts; anything else keeps the group.
    """
    found = leaves(group)
    for kinds in ((KeyboardInterrupt, SystemExit), (AgentsstarError,), (TimeoutError,)):
        for exc in found:
            if isinstance(exc, kinds):
                return exc
    return group
