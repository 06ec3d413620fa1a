"""One fake E2B sandbox: ``FakeAsyncSandbox`` with its ``files`` and ``commands``.

A fake sandbox is a private temporary directory standing for the sandbox's
filesystem (``/tmp/x`` in the sandbox is ``<root>/tmp/x``). Commands run for real,
as envd runs them: ``/bin/bash -l -c cmd`` (a login shell: the profile sets
``PATH``, and the template's ``~/.bash_profile`` puts ``python3``, this machine's
interpreter, first), as the sandbox user ``user=`` names, with output handed to
``on_stdout``/``on_stderr`` in arbitrary chunks (never aligned to lines).
"""

from __future__ import annotations

import codecs
import contextlib
import inspect
import os
import posixpath
import random
import secrets
import shlex
import shutil
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import anyio
from anyio.abc import ByteReceiveStream, Process

from agentsstar.sandboxes.base import ClosesOnExit
from agentsstar.testing.fake_e2b import _sdk
from agentsstar.testing.fake_e2b._sdk import (
    API_PARAMS,
    FILE_TYPE,
    AuthenticationException,
    CommandResult,
    FileNotFoundException,
    SandboxException,
    SandboxNotFoundException,
    SandboxNotRunningException,
    TimeoutException,
    WriteInfo,
)

if TYPE_CHECKING:
    from agentsstar.testing.fake_e2b import FakeE2B

#: The template's users: uid and home. envd's default user is ``user``.
USERS: dict[str, tuple[int, str]] = {"root": (0, "/root"), "user": (1000, "/home/user")}
DEFAULT_USER = "user"

OutputHandler = Callable[[str], Awaitable[None] | None]


def check_opts(method: str, opts: dict[str, Any]) -> None:
    unknown = sorted(set(opts) - API_PARAMS)
    if unknown:
        raise TypeError(f"{method}() got an unexpected keyword argument {unknown[0]!r}")


def _killpg(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


@dataclass
class Death:
    """A pending fault: the sandbox dies after ``after_lines`` lines of stdout."""

    after_lines: int


class FakeAsyncSandbox(ClosesOnExit):
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

    def prepare(self) -> None:
        """Lay out the template: interpreter, homes with their login profile, /tmp."""
        bin_dir = os.path.join(self._root, ".fake-e2b-bin")
        os.makedirs(bin_dir)
        os.symlink(self._cloud.python, os.path.join(bin_dir, "python3"))
        os.symlink(self._cloud.python, os.path.join(bin_dir, "python"))
        os.chmod(self._root, 0o755)  # mkdtemp's 0700 would lock out the other user
        os.makedirs(self.host_path("/tmp"), mode=0o777)
        os.chmod(self.host_path("/tmp"), 0o1777)
        for name, (uid, home) in USERS.items():
            host_home = self.host_path(home)
            os.makedirs(host_home)
            with open(os.path.join(host_home, ".bash_profile"), "w") as f:
                f.write(f'export PATH={shlex.quote(bin_dir)}:"$PATH"\n')
            if name != "root" and os.geteuid() == 0:
                os.chown(host_home, uid, uid)

    def host_path(self, path: str, user: str = DEFAULT_USER) -> str:
        """Where the sandbox path ``path`` (relative: to ``user``'s home) is on this machine."""
        full = posixpath.normpath(posixpath.join(USERS[user][1], path))
        return os.path.join(self._root, full.lstrip("/"))

    def check_user(self, user: str | None) -> str:
        """The user an envd request runs as; envd refuses a user the template lacks."""
        name = DEFAULT_USER if user is None else user
        if name not in USERS:
            raise AuthenticationException(f"401: invalid user: '{name}'")
        return name

    def env(self, user: str, envs: dict[str, str] | None) -> dict[str, str]:
        home = USERS[user][1]
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": self.host_path(home, user),
            "USER": user,
            "LOGNAME": user,
            "LANG": "C.UTF-8",
        }
        env.update(self.envs)
        env.update(envs or {})
        return env

    def alive(self) -> bool:
        if not self._ended and time.monotonic() >= self._expires_at:
            # The lifetime ran out: the service ends the sandbox and its processes.
            self._ended = True
            self._cloud.died += 1
            for proc in list(self._procs):
                _killpg(proc.pid)
        return not self._ended

    def gone(self) -> Exception:
        return SandboxNotRunningException(
            f"The sandbox {self._id} was not found: The sandbox was killed or reached its timeout."
        )

    def check_running(self) -> None:
        if not self.alive():
            raise self.gone()

    async def end(self) -> None:
        self._ended = True
        for proc in list(self._procs):
            _killpg(proc.pid)
        await anyio.to_thread.run_sync(lambda: shutil.rmtree(self._root, True))

    async def is_running(self, request_timeout: float | None = None) -> bool:
        """Whether the sandbox is still running."""
        return self.alive()

    async def set_timeout(self, timeout: int, **opts: Any) -> None:  # noqa: ASYNC109
        """Make the sandbox end ``timeout`` seconds from now.

        Raises:
            SandboxNotFoundException: the sandbox is not running any more.
        """
        check_opts("set_timeout", opts)
        if not self.alive():
            raise SandboxNotFoundException(f"Sandbox {self._id} not found")
        self.timeout = timeout
        self._expires_at = time.monotonic() + timeout

    async def kill(self, **opts: Any) -> bool:
        """Kill the sandbox; ``False`` if it was not running (as the SDK answers)."""
        check_opts("kill", opts)
        if not self.alive():
            return False
        await self.end()
        self._cloud.killed += 1
        return True

    async def aclose(self) -> None:
        """What leaving ``async with`` does, as in the SDK: kill the sandbox."""
        await self.kill()


class _EnvdClient:
    """What ``sandbox.files`` and ``sandbox.commands`` share: both send requests to the
    sandbox's envd, which first needs the sandbox running and the user known."""

    def __init__(self, sandbox: FakeAsyncSandbox) -> None:
        self._sandbox = sandbox

    def _user(self, user: str | None) -> str:
        """The user a request runs as, once the sandbox is found running.

        Raises:
            SandboxNotRunningException: the sandbox is gone.
            AuthenticationException: envd refused ``user``.
        """
        self._sandbox.check_running()
        return self._sandbox.check_user(user)


class FakeFilesystem(_EnvdClient):
    """``sandbox.files``: reads and writes inside the sandbox's directory."""

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
        """Write a file (parents created) owned by ``user``; returns the SDK's ``WriteInfo``.

        Raises:
            SandboxNotRunningException: the sandbox is gone.
            AuthenticationException: envd refused ``user`` (the template has no such user).
        """
        name = self._user(user)
        if not isinstance(data, str | bytes):
            raise NotImplementedError("FakeFilesystem.write: only str and bytes are faked")
        host = anyio.Path(self._sandbox.host_path(path, name))
        await host.parent.mkdir(parents=True, exist_ok=True)
        await host.write_bytes(data.encode() if isinstance(data, str) else data)
        uid = USERS[name][0]
        if uid != 0 and os.geteuid() == 0:
            await anyio.to_thread.run_sync(os.chown, str(host), uid, uid)
        full = posixpath.normpath(posixpath.join(USERS[name][1], path))
        return WriteInfo(posixpath.basename(full), FILE_TYPE, full)

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
        name = self._user(user)
        host = anyio.Path(self._sandbox.host_path(path, name))
        try:
            data = await host.read_bytes()
        except FileNotFoundError:
            raise FileNotFoundException(f"path '{path}' does not exist") from None
        return data.decode() if format == "text" else data


class FakeCommands(_EnvdClient):
    """``sandbox.commands``: runs ``bash -l -c cmd`` for real in a local subprocess."""

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
            AuthenticationException: envd refused ``user``.
            SandboxException: ``cwd`` does not exist.
            NotImplementedError: ``background`` or ``stdin`` (not faked).
        """
        sandbox = self._sandbox
        name = self._user(user)
        if background or stdin:
            raise NotImplementedError("FakeCommands.run: background/stdin are not faked")
        workdir = sandbox.host_path(cwd or USERS[name][1], name)
        if not await anyio.Path(workdir).is_dir():
            raise SandboxException(f"cwd '{cwd}' does not exist")
        cloud = sandbox._cloud
        cloud.commands.append((sandbox.sandbox_id, name, cmd))
        death = cloud._take_death()
        uid = USERS[name][0]
        # As root the fake can really be another user; otherwise everyone is you.
        as_user: dict[str, Any] = (
            {"user": uid, "group": uid, "extra_groups": []}
            if os.geteuid() == 0 and uid != 0
            else {}
        )
        proc = await anyio.open_process(
            ["/bin/bash", "-l", "-c", cmd],
            cwd=workdir,
            env=sandbox.env(name, envs),
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            **as_user,
        )
        sandbox._procs.add(proc)
        out: list[str] = []
        err: list[str] = []
        died = False
        rng = random.Random(cloud.seed)

        async def pump_stdout(stream: ByteReceiveStream) -> None:
            nonlocal died
            lines = 0
            async for chunk in _chunks(stream, cloud.chunk_bytes, rng):
                if death is not None:
                    cut = _after_newlines(chunk, death.after_lines - lines)
                    lines += chunk[:cut].count("\n")
                    chunk = chunk[:cut]
                out.append(chunk)
                await _call(on_stdout, chunk)
                if death is not None and lines >= death.after_lines:
                    died = True
                    await sandbox.end()
                    cloud.died += 1
                    return

        async def pump_stderr(stream: ByteReceiveStream) -> None:
            async for chunk in _chunks(stream, cloud.chunk_bytes, rng):
                err.append(chunk)
                await _call(on_stderr, chunk)

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
        if died or not sandbox.alive():
            raise sandbox.gone()
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
            raise _sdk.command_exit(stdout, stderr, code, error)
        return CommandResult(stderr=stderr, stdout=stdout, exit_code=0, error=None)


def _after_newlines(text: str, n: int) -> int:
    """The length of ``text`` up to and including its ``n``-th newline (all if fewer)."""
    pos = 0
    for _ in range(max(n, 0)):
        found = text.find("\n", pos)
        if found < 0:
            return len(text)
        pos = found + 1
    return pos if n > 0 else len(text)


async def _chunks(
    stream: ByteReceiveStream, max_bytes: int | None, rng: random.Random
) -> AsyncIterator[str]:
    """Output as envd streams it: byte chunks of any size (here also cut at random
    points, when ``max_bytes`` is set), decoded incrementally as the SDK does, so a
    character split between chunks arrives whole; empty pieces are not handed out."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    async for data in stream:
        while data:
            size = len(data) if max_bytes is None else rng.randint(1, max_bytes)
            piece, data = data[:size], data[size:]
            text = decoder.decode(piece)
            if text:
                yield text
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail


async def _call(handler: OutputHandler | None, text: str) -> None:
    if handler is None:
        return
    result = handler(text)
    if inspect.isawaitable(result):
        await result
