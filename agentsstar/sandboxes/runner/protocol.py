"""The runner's wire protocol, and how text from children is checked on the way.

Wire protocol (UTF-8 JSON, one object per line)
-----------------------------------------------
The harness writes to the runner's stdin; the runner answers on its stdout. Its
stderr carries diagnostics only (tracebacks of the runner's own bugs).

1. harness: ``{"op": "init", "isolate": bool, "hide": [dir, ...],
   "tmpfs_mb": int, "preload": [module, ...]}``
   runner:  ``{"op": "hello", "pid": int, "isolation": {"pid_ns": bool,
   "net_ns": bool, "mount_ns": bool, "ipc_ns": bool, "uid": "separate" |
   "userns" | "same"}, "warnings": [str, ...], "workroot": str | null}``.
   ``workroot`` is a host directory the harness should delete after the runner
   exits (``null`` when the runner works in its own private tmpfs).
2. Any number of jobs, strictly one at a time:
   harness: ``{"op": "run", "code": str, "kind": "stdin" | "function",
   "entry_point": str | null, "inputs": [...], "limits": {"time_s": float,
   "memory_mb": int, "output_bytes": int}}``
   runner:  per input, in order, ``{"op": "result", "index": int, "verdict": str,
   "stdout": str, "stderr": str, "exit_code": int | null, "seconds": float,
   "cpu_seconds": float, "value": str | null, "error": str | null,
   "attempts": int}``, then ``{"op": "done"}``. A malformed job gets
   ``{"op": "error", "message": str}`` instead.
3. EOF on stdin: the runner cleans up and exits 0.

Child to runner (private channels): the child's fd 3 is the write end of a pipe.
Just before exiting, the harness-side code in the child writes one JSON object
``{"exit": int, "error": str | null, "memory": bool, "value": str | null}``.
Printing cannot reach it (stdout and stderr are other pipes). The candidate *could*
write to fd 3 deliberately, but it can only claim what it could return anyway (or
mislabel its own failure); whether a value is right is decided by the harness.
Failures of the child's set-up travel on a second pipe, ``{"setup_error": str}``,
which is closed before any candidate code runs, so a program cannot pass its own
failure off as a ``sandbox_error``. Text fields from either channel are checked
(strings only, lone surrogates escaped, length-capped) before they are forwarded.

Verdicts: ok, runtime_error, time_limit, memory_limit, output_limit, sandbox_error
(what each means exactly: ``verdicts.py``).
"""

from __future__ import annotations

import json
import traceback
from typing import Any

STDERR_TAIL = 2048  # characters of a child's stderr kept (its tail)


def encode_line(obj: dict[str, Any]) -> bytes:
    """One protocol line for the harness."""
    # backslashreplace: a lone surrogate (from candidate text) must not kill us.
    line = json.dumps(obj, ensure_ascii=False) + "\n"
    return line.encode("utf-8", "backslashreplace")


def check_job(job: dict[str, Any]) -> tuple[str, list[Any], dict[str, Any]]:
    """A ``run`` message's kind, inputs and limits; a malformed one is refused (the
    caller answers it with an ``error`` line).

    Raises:
        KeyError: a required field is missing.
        ValueError: a field has a value the runner cannot serve.
    """
    kind, inputs, limits = job["kind"], job["inputs"], job["limits"]
    if kind not in ("stdin", "function"):
        raise ValueError(f"bad kind {kind!r}")
    if kind == "function" and not job.get("entry_point"):
        raise ValueError("function kind needs an entry_point")
    return kind, inputs, limits


def compile_error_result(exc: BaseException) -> dict[str, Any]:
    """The result of every input of a job whose code does not compile."""
    tb = "".join(traceback.format_exception_only(type(exc), exc))
    return {
        "verdict": "runtime_error",
        "stdout": "",
        "stderr": tb[-STDERR_TAIL:],
        "exit_code": 1,
        "seconds": 0.0,
        "cpu_seconds": 0.0,
        "value": None,
        "error": f"{type(exc).__name__}: {exc}",
        "attempts": 0,
    }


def runner_error_result(exc: OSError) -> dict[str, Any]:
    """The result of an input the runner itself failed to run (never the program's)."""
    return {
        "verdict": "sandbox_error",
        "stdout": "",
        "stderr": "",
        "exit_code": None,
        "seconds": 0.0,
        "cpu_seconds": 0.0,
        "value": None,
        "error": f"runner: {exc}",
    }


def checked_text(value: object, limit: int | None = 4096) -> str | None:
    """A string from the child, safe to forward: lone surrogates (which UTF-8 cannot
    carry) escaped, capped in length; anything that is not a string is dropped."""
    if not isinstance(value, str):
        return None
    return value.encode("utf-8", "backslashreplace").decode("utf-8")[:limit]


def parse_msg(raw: bytes) -> dict[str, Any]:
    """A child's message: the last complete JSON object line; ``{}`` if none."""
    # The last complete line wins; anything unparsable is ignored.
    for line in reversed(raw.splitlines()):
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if isinstance(msg, dict):
            return msg
    return {}
