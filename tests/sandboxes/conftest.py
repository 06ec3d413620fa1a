"""Fixtures for sandbox tests: a real ``LocalSandbox`` and process inspection helpers."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator

import pytest

from agentsstar.sandboxes import LocalSandbox


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


def pids_running(*argv: str) -> list[int]:
    """Host pids whose command line is exactly ``argv``."""
    want = ("\0".join(argv) + "\0").encode()
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    if f.read() == want:
                        found.append(int(name))
            except OSError:
                pass
    return found


def runner_children() -> list[int]:
    """Live runner processes started by this test process."""
    me = str(os.getpid())
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if fields[1] == me and b"_runner.py" in cmd and fields[0] != "Z":
            found.append(int(name))
    return found
