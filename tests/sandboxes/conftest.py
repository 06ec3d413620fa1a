"""Fixtures for sandbox tests: a real ``LocalSandbox`` and process inspection helpers."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator

import pytest

from agentsstar.sandboxes import LocalSandbox
from agentsstar.sandboxes._artefact import ARTEFACT_PREFIX


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def sandbox(anyio_backend: str) -> AsyncIterator[LocalSandbox]:
    box = LocalSandbox(max_workers=2)
    try:
        yield box
    finally:
        await box.aclose()


@pytest.fixture
def marker() -> str:
    """A unique ``sleep`` duration: processes running ``sleep MARKER`` are findable."""
    return f"{secrets.randbelow(10**6) + 10**6}.{secrets.randbelow(10**3)}"


def all_processes() -> Iterator[tuple[int, str, int, str, bytes]]:
    """``(pid, state, ppid, comm, cmdline)`` of every process, zombies included."""
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                head, _, rest = f.read().rpartition(")")
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue  # exited meanwhile
        fields = rest.split()
        yield int(name), fields[0], int(fields[1]), head.partition("(")[2], cmdline


def pids_running(*argv: str) -> list[int]:
    """Host pids whose command line is exactly ``argv``."""
    want = ("\0".join(argv) + "\0").encode()
    return [pid for pid, _, _, _, cmd in all_processes() if cmd == want]


def is_runner(cmdline: bytes) -> bool:
    """Whether a ``/proc/<pid>/cmdline`` is a runner's: ``python -I <artefact>.pyz``."""
    args = [os.path.basename(a) for a in cmdline.split(b"\0")]
    return any(a.startswith(ARTEFACT_PREFIX.encode()) and a.endswith(b".pyz") for a in args)


def runner_children() -> list[int]:
    """Live runner processes started by this test process."""
    me = os.getpid()
    return [
        pid
        for pid, state, ppid, _, cmd in all_processes()
        if ppid == me and is_runner(cmd) and state != "Z"
    ]


def procs_named(name: str) -> list[int]:
    """Host pids of live processes whose ``comm`` is ``name``."""
    return [pid for pid, state, _, comm, _ in all_processes() if comm == name and state not in "ZX"]
