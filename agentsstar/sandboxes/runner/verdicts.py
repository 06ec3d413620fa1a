"""Verdicts: how what the runner observed of a child becomes one.

ok, runtime_error, time_limit, memory_limit, output_limit, sandbox_error.
``memory_limit`` means the child died of an uncaught ``MemoryError`` (raised by
Python or C extensions when an allocation fails under RLIMIT_AS), of "can't start
new thread" when the thread's stack did not fit under RLIMIT_AS, or of a signal
while its stderr reports an allocation failure. ``time_limit`` means the
runner killed it at the wall-clock limit (confirmed by one re-run when it had
not used its full CPU share, i.e. load may have been the cause) or RLIMIT_CPU
killed it.
"""

from __future__ import annotations

import math
import os
import signal
from typing import Any

from .protocol import checked_text

_OOM_MARKERS = (
    "MemoryError",
    "Cannot allocate memory",
    "bad_alloc",
    "out of memory",
    "failed to allocate",
    "Unable to allocate",
)


def looks_like_oom(stderr: str) -> bool:
    return any(m in stderr for m in _OOM_MARKERS)


def classify(
    *,
    kind: str,
    status: int,
    killed: str | None,
    over: list[str],
    cpu: float,
    seconds: float,
    time_s: float,
    stdout: bytes,
    stderr: bytes,
    msg: dict[str, Any],
    setup_error: str | None,
) -> dict[str, Any]:
    """Turn what was observed of one child into its result (see the module docstring)."""
    err_text = stderr.decode("utf-8", "replace")
    msg_error = checked_text(msg.get("error"))
    code = os.waitstatus_to_exitcode(status)
    result = {
        "stdout": stdout.decode("utf-8", "replace"),
        "stderr": err_text,
        "exit_code": code,
        "seconds": round(seconds, 6),
        "cpu_seconds": round(cpu, 6),
        "value": None,
        "error": None,
    }
    sig = -code if code < 0 else 0
    cpu_limit = math.ceil(time_s) + 1
    if killed == "timeout":
        result.update(
            verdict="time_limit",
            exit_code=None,
            wall=True,
            error=f"wall-clock limit of {time_s:g}s exceeded",
        )
    elif over:
        result.update(
            verdict="output_limit",
            exit_code=None if killed else code,
            error=f"{over[0]} exceeded the output cap",
        )
    elif sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu >= cpu_limit - 0.05):
        result.update(verdict="time_limit", error=f"CPU time limit of {cpu_limit}s exceeded")
    elif setup_error:
        result.update(verdict="sandbox_error", error=f"child set-up: {setup_error}")
    elif msg.get("memory") is True or (sig and looks_like_oom(err_text)):
        result.update(verdict="memory_limit", error=msg_error or "MemoryError")
    elif code != 0:
        if msg_error:
            error = msg_error
        elif sig:
            error = f"killed by signal {signal.Signals(sig).name}"
        else:
            error = f"exit code {code}"
        result.update(verdict="runtime_error", error=error)
    elif kind == "function":
        value = msg.get("value")
        if isinstance(value, str):
            # Our encoder writes ASCII; only a forged message could need the escaping.
            result.update(verdict="ok", value=checked_text(value, None))
        else:
            result.update(
                verdict="runtime_error",
                error=msg_error or "exited without returning a value",
            )
    else:
        result.update(verdict="ok")
    return result
