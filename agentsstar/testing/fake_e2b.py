"""``FakeE2B``: an in-process stand-in for the E2B service and its ``AsyncSandbox``.

``FakeE2B().create`` has the signature of ``e2b.AsyncSandbox.create`` and returns a
``FakeAsyncSandbox`` with the parts of the SDK's sandbox object that programs drive:
``sandbox_id``, ``files.write`` / ``files.read``, ``commands.run`` (foreground),
``set_timeout``, ``is_running`` and ``kill``. Results are the SDK's own types
(``CommandResult``, ``WriteInfo``) and failures the SDK's own exception classes
(``RateLimitException``, ``SandboxNotRunningException``, ``TimeoutException``,
``CommandExitException`` ...), imported from ``e2b`` when it is installed; without it,
look-alike classes with the same names, fields and hierarchy stand in.

Commands run **for real**: each fake sandbox is a private temporary directory that
stands for the sandbox's filesystem (``/tmp/x`` in the sandbox is ``<root>/tmp/x``),
and ``commands.run`` executes ``bash -c cmd`` in a local subprocess with ``cwd``
mapped into that directory and ``python3`` resolving to this interpreter. So the
agentsstar runner really runs under the fake::

    cloud = FakeE2B(quota=4, rate_limit_creates=1)
    sandbox = E2BSandbox(create=cloud.create, max_sandboxes=4)
    ...
    assert cloud.created == 1 and cloud.max_live <= 4

Faults (all optional, all counted): ``rate_limit_creates`` (the first N ``create``
calls raise ``RateLimitException``), ``quota`` (the account's concurrent-sandbox limit:
a create beyond it raises ``RateLimitException`` like the real service),
``start_delay_s`` (slow start; a delay reaching the request timeout raises the SDK's
``TimeoutException``), ``die_mid_batch`` (the next N commands lose their sandbox after
``die_after_lines`` stdout lines: the sandbox is gone and ``commands.run`` raises
``SandboxNotRunningException``), ``expire`` (E2B ended a sandbox, e.g. its lifetime
ran out). Sandbox lifetimes (``timeout``, ``set_timeout``) are honoured.

What the fake cannot show: the network between you and E2B, the real service's
latency and error messages word for word, the template's contents (commands see this
machine's files outside the sandbox directory and run as your user, whatever ``user``
says), and background commands or stdin streaming (not faked: ``NotImplementedError``).
"""

from __future__ import annotations

import codecs
import contextlib
import importlib
import inspect
import os
import posixpath
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar

import anyio
from anyio.abc import ByteReceiveStream, Process

from agentsstar.sandboxes.base import ClosesOnExit


def _load_sdk() -> Any:
    try:
        return importlib.import_module("e2b")
    except ImportError:
        return None


_sdk = _load_sdk()


class _LookAlikes:
    """The SDK's result and exception types, for when ``e2b`` is not installed.

    Same class names, fields and hierarchy as ``e2b.exceptions`` and
    ``e2b.sandbox.commands.command_handle``; code that classifies errors by class
    name treats them exactly like the real ones.
    """

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

    @dataclass
    class CommandResult:
        stderr: Any
        stdout: Any
        exit_code: int
        error: str | None

    @dataclass
    class CommandExitException(SandboxException, CommandResult):
        def __str__(self) -> str:
            if self.stderr is None:
                return f"Command exited with code {self.exit_code}"
            return f"Command exited with code {self.exit_code} and error:\n{self.stderr}"

    @dataclass
    class WriteInfo:
        name: str
        type: Any
        path: str


def _pick(name: str) -> Any:
    return getattr(_sdk, name) if _sdk is not None else getattr(_LookAlikes, name)


SandboxException: type[Exception] = _pick("SandboxException")
TimeoutException: type[Exception] = _pick("TimeoutException")
SandboxNotRunningException: type[Exception] = _pick("SandboxNotRunningException")
SandboxUnreachableException: type[Exception] = _pick("SandboxUnreachableException")
InvalidArgumentException: type[Exception] = _pick("InvalidArgumentException")
NotFoundException: type[Exception] = _pick("NotFoundException")
FileNotFoundException: type[Exception] = _pick("FileNotFoundException")
SandboxNotFoundException: type[Exception] = _pick("SandboxNotFoundException")
RateLimitException: type[Exception] = _pick("RateLimitException")
AuthenticationException: type[Exception] = _pick("AuthenticationException")
ServiceBusyException: type[Exception] = _pick("ServiceBusyException")
CommandExitException: type[Exception] = _pick("CommandExitException")
CommandResult: Any = _pick("CommandResult")
WriteInfo: Any = _pick("WriteInfo")
_FILE_TYPE: Any = _sdk.FileType.FILE if _sdk is not None else "file"

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
        "domain",
        "api_url",
        "debug",
        "proxy",
        "sandbox_url",
        "http_version",
    )
)

#: The SDK's defaults: sandbox lifetime, request timeout, home of the default user.
DEFAULT_SANDBOX_TIMEOUT = 300
DEFAULT_REQUEST_TIMEOUT = 60.0
DEFAULT_CWD = "/home/user"

OutputHandler = Callable[[str], Awaitable[None] | None]


def _check_opts(method: str, opts: dict[str, Any]) -> None:
    unknown = sorted(set(opts) - API_PARAMS)
    if unknown:
        raise TypeError(f"{method}() got an unexpected keyword argument {unknown[0]!r}")


def _killpg(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


@dataclass
class _Death:
    """A pending fault: the sandbox dies after ``after_lines`` lines of stdout."""

    after_lines: int


class FakeE2B(ClosesOnExit):
    """The fake E2B service: creates ``FakeAsyncSandbox`` objects, counts, injects faults.

    Args:
        quota: concurrent sandboxes the account may have (``None``: unlimited); a create
            beyond it raises ``RateLimitException``, as the real service does.
        rate_limit_creates: the next N ``create`` calls raise ``RateLimitException``.
        start_delay_s: seconds each ``create`` takes; a sequence gives the delay of the
            first, second, ... call (later calls: 0). A delay reaching the call's
            ``request_timeout`` (default 60 s) raises ``TimeoutException`` instead.
        die_mid_batch: the next N ``commands.run`` calls lose their sandbox after
            ``die_after_lines`` lines of stdout (``SandboxNotRunningException``).
        die_after_lines: see ``die_mid_batch``.
        python: the interpreter ``python3`` resolves to inside fake sandboxes.
        require_api_key: raise ``AuthenticationException`` when no ``api_key`` is
            passed and ``E2B_API_KEY`` is unset (the SDK's behaviour).

    Counters: ``create_calls``, ``created``, ``rate_limited``, ``killed`` (by ``kill``),
    ``died`` (injected deaths and expiries), ``live``, ``max_live``; every sandbox
    ever created is in ``sandboxes``. Call ``aclose`` (or use ``async with``) to kill
    what is left and remove the temporary directories.
    """

    def __init__(
        self,
        *,
        quota: int | None = None,
        rate_limit_creates: int = 0,
        start_delay_s: float | Sequence[float] = 0.0,
        die_mid_batch: int = 0,
        die_after_lines: int = 2,
        python: str = sys.executable,
        require_api_key: bool = False,
    ) -> None:
        self.quota = quota
        self.rate_limit_creates = rate_limit_creates
        self.start_delay_s = start_delay_s
        self.die_mid_batch = die_mid_batch
        self.die_after_lines = die_after_lines
        self.python = python
        self.require_api_key = require_api_key
        self.create_calls = 0
        self.created = 0
        self.rate_limited = 0
        self.killed = 0
        self.died = 0
        self.max_live = 0
        self.sandboxes: list[FakeAsyncSandbox] = []

    @property
    def live(self) -> int:
        """Sandboxes running now (what the account's quota counts)."""
        return sum(1 for s in self.sandboxes if s._alive())

    async def create(
        self,
        template: str | None = None,
        timeout: int | None = None,  # noqa: ASYNC109 - the SDK's parameter
        metadata: dict[str, str] | None = None,
        envs: dict[str, str] | None = None,
        secure: bool | None = None,
        allow_internet_access: bool | None = None,
        mcp: Any = None,
        network: Any = None,
        iam: Any = None,
        lifecycle: Any = None,
        volume_mounts: Any = None,
        logger: Any = None,
        idempotency_key: str | None = None,
        **opts: Any,
    ) -> FakeAsyncSandbox:
        """Create a sandbox, like ``AsyncSandbox.create`` (same parameters).

        Raises:
            RateLimitException: an injected rate limit, or the quota is full.
            TimeoutException: the start delay reached the request timeout.
            AuthenticationException: ``require_api_key`` and no key anywhere.
        """
        _check_opts("create", opts)
        index = self.create_calls
        self.create_calls += 1
        if self.require_api_key and not (opts.get("api_key") or os.environ.get("E2B_API_KEY")):
            raise AuthenticationException(
                "API key is required, please visit the API Keys tab at "
                "https://e2b.dev/dashboard?tab=keys to get your API key."
            )
        if self.rate_limit_creates > 0:
            self.rate_limit_creates -= 1
            self.rate_limited += 1
            raise RateLimitException("429: Rate limit exceeded, please try again later.")
        if self.quota is not None and self.live >= self.quota:
            self.rate_limited += 1
            raise RateLimitException(
                "429: Rate limit exceeded, please try again later. - You have reached "
                f"the maximum number of concurrent E2B sandboxes ({self.quota})"
            )
        delay = self._delay(index)
        request_timeout = opts.get("request_timeout") or DEFAULT_REQUEST_TIMEOUT
        if delay > 0:
            if delay >= request_timeout:
                await anyio.sleep(request_timeout)
                raise TimeoutException(
                    "Request timed out — the 'request_timeout' option can be used to "
                    "increase this timeout"
                )
            await anyio.sleep(delay)
        root = await anyio.to_thread.run_sync(lambda: tempfile.mkdtemp(prefix="fake-e2b-"))
        sandbox = FakeAsyncSandbox(
            self,
            root=root,
            template=template or "base",
            timeout=DEFAULT_SANDBOX_TIMEOUT if timeout is None else timeout,
            metadata=dict(metadata or {}),
            envs=dict(envs or {}),
        )
        await anyio.to_thread.run_sync(sandbox._prepare)
        self.sandboxes.append(sandbox)
        self.created += 1
        self.max_live = max(self.max_live, self.live)
        return sandbox

    def _delay(self, index: int) -> float:
        if isinstance(self.start_delay_s, int | float):
            return float(self.start_delay_s)
        return float(self.start_delay_s[index]) if index < len(self.start_delay_s) else 0.0

    def _take_death(self) -> _Death | None:
        if self.die_mid_batch <= 0:
            return None
        self.die_mid_batch -= 1
        return _Death(self.die_after_lines)

    async def expire(self, sandbox: FakeAsyncSandbox | None = None) -> None:
        """End ``sandbox`` (default: every live one) as E2B does when a lifetime runs out."""
        for s in [sandbox] if sandbox is not None else list(self.sandboxes):
            if s._alive():
                await s._end()
                self.died += 1

    async def aclose(self) -> None:
        """Kill every sandbox still running and remove all temporary directories."""
        for s in self.sandboxes:
            if s._alive():
                await s._end()
            await anyio.to_thread.run_sync(shutil.rmtree, s._root, True)


class FakeAsyncSandbox:
    """One fake sandbox: a temporary directory plus the processes started in it."""

    default_template: ClassVar[str] = "base"

    def __init__(
        self,
        cloud: FakeE2B,
        *,
        root: str,
        template: str,
        timeout: int,
        metadata: dict[str, str],
        envs: dict[str, str],
    ) -> None:
        self._cloud = cloud
        self._root = root
        self._id = f"fake{secrets.token_hex(8)}"
        self.template = template
        self.metadata = metadata
        self.envs = envs
        self.timeout = timeout
        """The lifetime last given (``create`` or ``set_timeout``), in seconds."""
        self._expires_at = time.monotonic() + timeout
        self._ended = False
        self._procs: set[Process] = set()
        self._files = FakeFilesystem(self)
        self._commands = FakeCommands(self)

    @property
    def sandbox_id(self) -> str:
        return self._id

    @property
    def files(self) -> FakeFilesystem:
        return self._files

    @property
    def commands(self) -> FakeCommands:
        return self._commands

    @property
    def running(self) -> int:
        """Commands running in this sandbox now."""
        return len(self._procs)

    def _prepare(self) -> None:
        bin_dir = os.path.join(self._root, ".fake-e2b-bin")
        os.makedirs(bin_dir)
        os.symlink(self._cloud.python, os.path.join(bin_dir, "python3"))
        os.symlink(self._cloud.python, os.path.join(bin_dir, "python"))
        os.makedirs(self.host_path(DEFAULT_CWD))

    def host_path(self, path: str) -> str:
        """Where the sandbox path ``path`` lives on this machine."""
        full = posixpath.normpath(posixpath.join(DEFAULT_CWD, path))
        return os.path.join(self._root, full.lstrip("/"))

    def _env(self, envs: dict[str, str] | None) -> dict[str, str]:
        env = {
            "PATH": f"{self._root}/.fake-e2b-bin:/usr/local/bin:/usr/bin:/bin",
            "HOME": self.host_path(DEFAULT_CWD),
            "LANG": "C.UTF-8",
        }
        env.update(self.envs)
        env.update(envs or {})
        return env

    def _alive(self) -> bool:
        if not self._ended and time.monotonic() >= self._expires_at:
            # The lifetime ran out: the service ends the sandbox and its processes.
            self._ended = True
            self._cloud.died += 1
            for proc in list(self._procs):
                _killpg(proc.pid)
        return not self._ended

    def _gone(self) -> Exception:
        return SandboxNotRunningException(
            f"The sandbox {self._id} was not found: The sandbox was killed or reached its timeout."
        )

    def _check_running(self) -> None:
        if not self._alive():
            raise self._gone()

    async def _end(self) -> None:
        self._ended = True
        for proc in list(self._procs):
            _killpg(proc.pid)
        await anyio.to_thread.run_sync(lambda: shutil.rmtree(self._root, True))

    async def is_running(self, request_timeout: float | None = None) -> bool:
        """Whether the sandbox is still running."""
        return self._alive()

    async def set_timeout(self, timeout: int, **opts: Any) -> None:  # noqa: ASYNC109
        """Make the sandbox end ``timeout`` seconds from now.

        Raises:
            SandboxNotFoundException: the sandbox is not running any more.
        """
        _check_opts("set_timeout", opts)
        if not self._alive():
            raise SandboxNotFoundException(f"Sandbox {self._id} not found")
        self.timeout = timeout
        self._expires_at = time.monotonic() + timeout

    async def kill(self, **opts: Any) -> bool:
        """Kill the sandbox; ``False`` if it was not running (as the SDK answers)."""
        _check_opts("kill", opts)
        if not self._alive():
            return False
        await self._end()
        self._cloud.killed += 1
        return True

    async def __aenter__(self) -> FakeAsyncSandbox:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.kill()


class FakeFilesystem:
    """``sandbox.files``: reads and writes inside the sandbox's directory."""

    def __init__(self, sandbox: FakeAsyncSandbox) -> None:
        self._sandbox = sandbox

    async def write(
        self,
        path: str,
        data: str | bytes,
        user: str | None = None,
        request_timeout: float | None = None,
        gzip: bool = False,
        use_octet_stream: bool | None = None,
        metadata: dict[str, str] | None = None,
    ) -> Any:
        """Write a file (parents created), returning the SDK's ``WriteInfo``.

        Raises:
            SandboxNotRunningException: the sandbox is gone.
        """
        self._sandbox._check_running()
        if not isinstance(data, str | bytes):
            raise NotImplementedError("FakeFilesystem.write: only str and bytes are faked")
        host = anyio.Path(self._sandbox.host_path(path))
        await host.parent.mkdir(parents=True, exist_ok=True)
        await host.write_bytes(data.encode() if isinstance(data, str) else data)
        full = posixpath.normpath(posixpath.join(DEFAULT_CWD, path))
        return WriteInfo(posixpath.basename(full), _FILE_TYPE, full)

    async def read(
        self,
        path: str,
        format: str = "text",
        user: str | None = None,
        request_timeout: float | None = None,
    ) -> str | bytes:
        """Read a file as ``text`` or ``bytes``.

        Raises:
            FileNotFoundException: no such file.
            SandboxNotRunningException: the sandbox is gone.
        """
        self._sandbox._check_running()
        host = anyio.Path(self._sandbox.host_path(path))
        try:
            data = await host.read_bytes()
        except FileNotFoundError:
            raise FileNotFoundException(f"path '{path}' does not exist") from None
        return data.decode() if format == "text" else data


class FakeCommands:
    """``sandbox.commands``: runs ``bash -c cmd`` for real in a local subprocess."""

    def __init__(self, sandbox: FakeAsyncSandbox) -> None:
        self._sandbox = sandbox

    async def run(
        self,
        cmd: str,
        background: bool | None = None,
        envs: dict[str, str] | None = None,
        user: str | None = None,
        cwd: str | None = None,
        on_stdout: OutputHandler | None = None,
        on_stderr: OutputHandler | None = None,
        stdin: bool | None = None,
        timeout: float | None = 60,  # noqa: ASYNC109 - the SDK's parameter
        request_timeout: float | None = None,
        *,
        retain_output: bool = True,
    ) -> Any:
        """Run ``cmd`` to completion; returns the SDK's ``CommandResult``.

        Raises:
            CommandExitException: the command exited non-zero (carries its output).
            TimeoutException: it ran longer than ``timeout`` seconds (0: no limit).
            SandboxNotRunningException: the sandbox is gone, or died during the command.
            SandboxException: ``cwd`` does not exist.
            NotImplementedError: ``background`` or ``stdin`` (not faked).
        """
        sandbox = self._sandbox
        sandbox._check_running()
        if background or stdin:
            raise NotImplementedError("FakeCommands.run: background/stdin are not faked")
        workdir = sandbox.host_path(cwd or DEFAULT_CWD)
        if not await anyio.Path(workdir).is_dir():
            raise SandboxException(f"cwd '{cwd}' does not exist")
        death = sandbox._cloud._take_death()
        proc = await anyio.open_process(
            ["bash", "-c", cmd],
            cwd=workdir,
            env=sandbox._env(envs),
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        sandbox._procs.add(proc)
        out: list[str] = []
        err: list[str] = []
        died = False

        async def pump_stdout(stream: ByteReceiveStream) -> None:
            nonlocal died
            lines = 0
            async for line in _lines(stream):
                out.append(line)
                await _call(on_stdout, line)
                lines += 1
                if death is not None and lines >= death.after_lines and not died:
                    died = True
                    await sandbox._end()
                    sandbox._cloud.died += 1
                    return

        async def pump_stderr(stream: ByteReceiveStream) -> None:
            async for line in _lines(stream):
                err.append(line)
                await _call(on_stderr, line)

        timed_out = False
        try:
            with anyio.move_on_after(timeout or float("inf")) as scope:
                async with anyio.create_task_group() as tg:
                    assert proc.stdout is not None and proc.stderr is not None
                    tg.start_soon(pump_stdout, proc.stdout)
                    tg.start_soon(pump_stderr, proc.stderr)
                await proc.wait()
            timed_out = scope.cancelled_caught
        finally:
            with anyio.move_on_after(5, shield=True):
                if proc.returncode is None:
                    _killpg(proc.pid)
                await proc.wait()
                await proc.aclose()
            sandbox._procs.discard(proc)
        if died or not sandbox._alive():
            raise sandbox._gone()
        if timed_out:
            raise TimeoutException(
                "context deadline exceeded: This error is likely due to exceeding "
                "'timeout' — the total time a long running request (like process or "
                "directory watch) can be active."
            )
        stdout = "".join(out) if retain_output else None
        stderr = "".join(err) if retain_output else None
        code = proc.returncode
        assert code is not None
        error = None
        if code < 0:  # envd (Go) reports a signal death as exit -1 and "signal: killed"
            error = f"signal: {signal.Signals(-code).name.removeprefix('SIG').lower()}"
            code = -1
        if code != 0:
            raise _command_exit(stdout, stderr, code, error)
        return CommandResult(stderr=stderr, stdout=stdout, exit_code=0, error=None)


def _command_exit(stdout: str | None, stderr: str | None, code: int, error: str | None) -> Any:
    exc_type: Any = CommandExitException
    return exc_type(stdout=stdout, stderr=stderr, exit_code=code, error=error)


async def _lines(stream: ByteReceiveStream) -> AsyncIterator[str]:
    """Decoded output in whole lines (the last one possibly without a newline)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending = ""
    async for chunk in stream:
        pending += decoder.decode(chunk)
        while (cut := pending.find("\n")) >= 0:
            yield pending[: cut + 1]
            pending = pending[cut + 1 :]
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


async def _call(handler: OutputHandler | None, text: str) -> None:
    if handler is None:
        return
    result = handler(text)
    if inspect.isawaitable(result):
        await result


__all__ = [
    "API_PARAMS",
    "AuthenticationException",
    "CommandExitException",
    "CommandResult",
    "FakeAsyncSandbox",
    "FakeCommands",
    "FakeE2B",
    "FakeFilesystem",
    "FileNotFoundException",
    "NotFoundException",
    "RateLimitException",
    "SandboxException",
    "SandboxNotFoundException",
    "SandboxNotRunningException",
    "SandboxUnreachableException",
    "ServiceBusyException",
    "TimeoutException",
    "WriteInfo",
]
