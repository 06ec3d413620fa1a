"""``LocalSandbox``: run untrusted programs in forked children of pooled runners.

Each runner is a separate interpreter executing the runner zipapp (a fork server,
the ``runner`` package packed by ``_artefact``; ``runner/protocol.py`` documents the
wire protocol, ``runner/verdicts.py`` the verdicts). It sets up Linux namespaces
once, then forks one child per input, so a candidates × inputs matrix pays a fork per
input rather than an interpreter start-up. Runners are pooled and reused across
``run`` calls; at most ``max_workers`` (default: the CPU count) exist at once, which
bounds how many programs execute concurrently.

Lifecycle: construct, ``await run(...)`` any number of times (concurrently), then
``await aclose()`` (or use ``async with``). No candidate process outlives the input
it ran on; no runner outlives ``aclose``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any

import anyio
import structlog
from anyio.abc import Process
from anyio.streams.buffered import BufferedByteReceiveStream
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from agentsstar.errors import SandboxError
from agentsstar.sandboxes._artefact import runner_artefact
from agentsstar.sandboxes._pool import PooledSandbox
from agentsstar.sandboxes._protocol import ENV_ALLOW, FIXED_ENV, job_message, to_result, validate
from agentsstar.sandboxes.base import ExecResult, Limits, Program, Verdict
from agentsstar.sandboxes.runner.cleanup import processes, remove_tree

log = structlog.get_logger(__name__)

RUNNER_START_RETRY = AsyncRetrying(
    stop=stop_after_attempt(2),
    retry=retry_if_exception_type(SandboxError),
    reraise=True,
)
"""Starting a runner: one immediate retry (start-up can fail transiently on a loaded
box), then the last ``SandboxError`` is raised. ``.copy()`` it per use."""


class _Runner:
    """One runner process and its side of the wire protocol."""

    def __init__(self, proc: Process, hello: dict[str, Any]) -> None:
        self.proc = proc
        self.hello = hello
        assert proc.stdout is not None
        self.reader = BufferedByteReceiveStream(proc.stdout)
        self.broken = False

    @classmethod
    async def start(
        cls, command: list[str], env: dict[str, str], init: dict[str, Any], timeout_s: float
    ) -> _Runner:
        proc = await anyio.open_process(
            command,
            env=env,
            cwd="/",
            start_new_session=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        runner = cls(proc, {})
        try:
            with anyio.fail_after(timeout_s):
                await runner._send(init)
                hello = await runner._receive(1 << 20)
        except BaseException as exc:
            await runner.kill()
            if isinstance(exc, Exception):
                raise SandboxError(f"runner did not start: {exc!r}") from exc
            raise
        if hello.get("op") != "hello":
            await runner.kill()
            raise SandboxError(f"runner sent {hello!r} instead of hello")
        runner.hello = hello
        return runner

    async def _send(self, obj: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        await self.proc.stdin.send(json.dumps(obj).encode() + b"\n")

    async def _receive(self, max_bytes: int) -> dict[str, Any]:
        line = await self.reader.receive_until(b"\n", max_bytes)
        obj = json.loads(line)
        if not isinstance(obj, dict):
            raise ValueError(f"not a JSON object: {line[:200]!r}")
        return obj

    async def execute(
        self, program: Program, inputs: Sequence[Any], limits: Limits
    ) -> list[ExecResult]:
        """Run one job; on any protocol failure mark the runner broken and report
        ``SANDBOX_ERROR`` for the inputs without a result (never the program's fault)."""
        results: list[ExecResult] = []
        # Bound each wait: a time-limit retry, clean-up, and a loaded machine.
        per_input_s = 2 * limits.time_s + 15.0
        # stdout and a returned value, each capped, JSON-escaped (<= 6 bytes per byte).
        max_line = 12 * limits.output_bytes + (1 << 20)
        job = job_message(program, inputs, limits)
        reason = "runner failed"
        try:
            with anyio.fail_after(per_input_s):
                await self._send(job)
            while len(results) < len(inputs):
                with anyio.fail_after(per_input_s):
                    msg = await self._receive(max_line)
                if msg.get("op") != "result" or msg.get("index") != len(results):
                    raise ValueError(f"unexpected message {str(msg)[:200]}")
                results.append(to_result(msg))
            with anyio.fail_after(per_input_s):
                done = await self._receive(1 << 16)
            if done.get("op") != "done":
                raise ValueError(f"expected done, got {str(done)[:200]}")
        except TimeoutError:
            self.broken, reason = True, "runner stopped answering"
        except (
            anyio.EndOfStream,
            anyio.BrokenResourceError,
            anyio.ClosedResourceError,
            anyio.IncompleteRead,
            anyio.DelimiterNotFound,
            ValueError,
            OSError,
        ) as exc:
            self.broken, reason = True, f"runner failed: {exc!r}"
        except BaseException:
            self.broken = True  # cancelled mid-job: the runner's state is unknown
            raise
        if self.broken:
            log.warning(
                "sandbox.runner_failed", reason=reason, done=len(results), total=len(inputs)
            )
            results += [
                ExecResult(Verdict.SANDBOX_ERROR, error=reason)
                for _ in range(len(inputs) - len(results))
            ]
        return results

    async def kill(self) -> None:
        """SIGKILL the runner's process group (its namespace dies with it), reap it,
        and wait until the namespace is gone."""
        with anyio.move_on_after(5, shield=True):
            if self.proc.returncode is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
            await self.proc.wait()
            # We reap only the relay process. Its child, the runner (pid 1 of the PID
            # namespace, same process group), dies at the same moment, but the kernel
            # first kills and reaps everything in the namespace: while it is still
            # alive, candidates may be too. Wait for it, so that "killed" means gone.
            await anyio.to_thread.run_sync(_wait_group_gone, self.proc.pid)
            await self._cleanup()

    async def close(self) -> None:
        """Ask the runner to exit (EOF on its stdin); kill it if it does not."""
        with anyio.move_on_after(5, shield=True):
            if self.proc.stdin is not None:
                with contextlib.suppress(anyio.BrokenResourceError, OSError):
                    await self.proc.stdin.aclose()
            with anyio.move_on_after(2):
                await self.proc.wait()
        await self.kill()

    async def _cleanup(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                await stream.aclose()
        workroot = self.hello.get("workroot")
        if isinstance(workroot, str) and workroot:
            await anyio.to_thread.run_sync(_remove_dir, workroot)


class LocalSandbox(PooledSandbox[_Runner]):
    """Runs programs on this machine, isolated as far as the kernel allows.

    Args:
        max_workers: runner processes (= programs executing) at once; default the
            CPU count.
        python: interpreter for the runners, and so for candidates; default
            ``sys.executable`` (candidates see the same installed packages).
        isolate: set up namespaces (no network, read-only filesystem except a private
            tmpfs, own PID namespace). Off only for debugging.
        require_isolation: raise ``SandboxError`` instead of warning when a namespace
            or the private uid is unavailable.
        env_allow: extra environment variable names to pass through to candidates.
        hide: directories to cover with an empty tmpfs (home directories by default),
            keeping the Python installation visible.
        tmpfs_mb: size of each runner's private /tmp.
        preload: modules each runner imports before forking (speed only).
        startup_timeout_s: how long a runner may take to start.

    See ``docs/sandboxes.md`` for exactly what is and is not enforced.
    """

    def __init__(
        self,
        max_workers: int | None = None,
        *,
        python: str | None = None,
        isolate: bool = True,
        require_isolation: bool = False,
        env_allow: Iterable[str] = (),
        hide: Iterable[str] | None = None,
        tmpfs_mb: int = 256,
        preload: Iterable[str] | None = None,
        startup_timeout_s: float = 60.0,
    ) -> None:
        super().__init__(
            isolation_event="sandbox.isolation_incomplete",
            isolation_hint="see docs/sandboxes.md; use E2B for stronger isolation",
            require_isolation=require_isolation,
        )
        self.max_workers = max_workers or os.cpu_count() or 1
        self._limiter = anyio.CapacityLimiter(self.max_workers)
        self._python = python or sys.executable
        allow = (*ENV_ALLOW, *env_allow)
        self._env = {k: os.environ[k] for k in allow if k in os.environ}
        self._env.update(FIXED_ENV)
        if hide is None:
            hide = ["/root", "/home", os.path.expanduser("~")]
        self._init: dict[str, Any] = {
            "op": "init",
            "isolate": isolate,
            "hide": list(hide),
            "tmpfs_mb": tmpfs_mb,
        }
        if preload is not None:
            self._init["preload"] = list(preload)
        self._startup_timeout_s = startup_timeout_s

    async def run(
        self, program: Program, inputs: Sequence[Any], limits: Limits
    ) -> list[ExecResult]:
        """Run ``program`` once per input; one result per input, in order.

        Raises:
            SandboxError: the sandbox is closed, or no runner can be started.
            ValueError: the program or inputs do not match ``program.kind``.
        """
        validate(program, inputs, limits)
        if self._closed:
            raise SandboxError("the sandbox is closed")
        if not inputs:
            return []
        async with self._limiter:
            runner = self._idle.pop() if self._idle else await self._start_runner()
            keep = False
            try:
                results = await runner.execute(program, inputs, limits)
                keep = not runner.broken and not self._closed
            finally:
                if keep:
                    self._idle.append(runner)
                else:
                    self._all.discard(runner)
                    await runner.kill()
        return results

    async def _start_runner(self) -> _Runner:
        async for attempt in RUNNER_START_RETRY.copy():
            with attempt:
                try:
                    # Looked up per start: it is written again if it went meanwhile.
                    artefact = await anyio.to_thread.run_sync(runner_artefact)
                except OSError as exc:
                    raise SandboxError(f"runner did not start: cannot write it: {exc}") from exc
                # -I: no user site, no PYTHON* variables, no script directory on the path.
                command = [self._python, "-I", str(artefact)]
                runner = await _Runner.start(
                    command, self._env, self._init, self._startup_timeout_s
                )
        self._all.add(runner)
        self._note_isolation(runner.hello)
        return runner

    async def _stop(self, runner: _Runner) -> None:
        await runner.close()


def _wait_group_gone(pgid: int, timeout_s: float = 4.0) -> None:
    """Block (in a worker thread) until process group ``pgid`` has no live member."""
    give_up = time.monotonic() + timeout_s
    while _live_group_members(pgid) and time.monotonic() < give_up:
        time.sleep(0.005)


def _live_group_members(pgid: int) -> list[int]:
    """Pids of live (not zombie) processes in process group ``pgid``, from /proc."""
    return [pid for pid, state, _, group in processes() if group == pgid and state not in "ZX"]


def _remove_dir(path: str) -> None:
    """Delete a runner's host work directory (only used without a mount namespace).

    The runner empties it itself; this is for a runner killed mid-input, with the
    runner's own walk (no recursion: a candidate's 10,000-deep directory chain
    cannot make it fail)."""
    remove_tree(path)
