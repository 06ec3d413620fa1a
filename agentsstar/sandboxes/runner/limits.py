"""What bounds a child: rlimits, dropped privileges, and telling a thread that
could not start for want of memory from one refused by the process limit."""

from __future__ import annotations

import contextlib
import math
import os
import resource
import threading
from typing import Any

from .isolation import Isolation
from .syscalls import (
    CLONE_NEWIPC,
    CLONE_NEWUSER,
    PR_SET_DUMPABLE,
    PR_SET_NO_NEW_PRIVS,
    prctl,
    unshare,
)


def vm_size() -> int:
    """This process's address-space size in bytes (a child's, right after fork)."""
    with open("/proc/self/status") as f:
        return next(int(ln.split()[1]) for ln in f if ln.startswith("VmSize:")) * 1024


def apply_limits(lim: dict[str, Any], vm: int, uid_mode: str) -> None:
    """Resource limits for one input, set in the child before candidate code runs.

    ``vm`` is the address space the child already maps (see ``vm_size``).
    """
    cpu = math.ceil(lim["time_s"]) + 1  # wall clock is primary; CPU catches threads
    setr = resource.setrlimit
    setr(resource.RLIMIT_CORE, (0, 0))
    setr(resource.RLIMIT_CPU, (cpu, cpu + 1))
    setr(resource.RLIMIT_NOFILE, (256, 256))
    setr(resource.RLIMIT_FSIZE, (64 << 20, 64 << 20))
    if uid_mode == "separate":
        # Counted per uid; the uid is private to this runner, so this bounds fork bombs.
        setr(resource.RLIMIT_NPROC, (64, 64))
    # Address space = what the interpreter already maps + the allowance. Threads of
    # numpy/OpenBLAS stay within it because the env pins them to one thread and
    # MALLOC_ARENA_MAX keeps glibc from reserving 64 MiB per thread.
    limit = vm + int(lim["memory_mb"]) * (1 << 20)
    setr(resource.RLIMIT_AS, (limit, limit))


def drop_privileges(iso: Isolation, uid: int) -> None:
    """Give up what the runner may do that a candidate must not (after the limits)."""
    if iso.ipc_ns:
        with contextlib.suppress(OSError):
            unshare(CLONE_NEWIPC)  # fresh SysV IPC per input: nothing survives it
    if iso.uid_mode == "separate":
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    elif iso.uid_mode == "userns":
        unshare(CLONE_NEWUSER)  # lose our capabilities over the runner's namespaces
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    prctl(PR_SET_DUMPABLE, 1)  # so /proc/self belongs to the candidate's own uid


NO_THREAD = "RuntimeError: can't start new thread"
thread_oom: list[bool] = []  # non-empty once a thread start failed for want of memory


def watch_thread_starts() -> None:
    """Note whether a failed thread start was the memory limit, when it happens.

    ``pthread_create`` fails alike for a stack mmap refused by RLIMIT_AS and for
    RLIMIT_NPROC, and Python says "can't start new thread" for both; only at the
    moment of failure can the address space tell them apart (stacks are freed later).
    """
    for name in ("_start_new_thread", "_start_joinable_thread"):
        original = getattr(threading, name, None)
        if original is None:
            continue

        def start(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            try:
                return _original(*args, **kwargs)
            except RuntimeError:
                if _no_room_for_stack():
                    thread_oom.append(True)
                raise

        setattr(threading, name, start)


def _no_room_for_stack() -> bool:
    """Whether a new thread's stack would not fit under the address-space limit.

    ``pthread_create`` reports a failed stack mmap (RLIMIT_AS) and a process limit
    (RLIMIT_NPROC) alike, and Python says "can't start new thread" for both; only the
    first is the memory limit.
    """
    try:
        stack = threading.stack_size() or resource.getrlimit(resource.RLIMIT_STACK)[0]
        if stack <= 0 or stack == resource.RLIM_INFINITY:
            stack = 8 << 20
        limit = resource.getrlimit(resource.RLIMIT_AS)[0]
        with open("/proc/self/status", "rb") as f:
            vm = next(int(ln.split()[1]) for ln in f if ln.startswith(b"VmSize:")) * 1024
        return limit != resource.RLIM_INFINITY and vm + stack > limit
    except BaseException:
        return False
