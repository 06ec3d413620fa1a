"""The harness's side of the runner's wire protocol, shared by both sandboxes.

``LocalSandbox`` starts the runner (the ``runner`` package, packed into one zipapp by
``_artefact``) as a local process; ``E2BSandbox`` uploads the same archive into cloud
sandboxes. Both speak the JSON-lines protocol documented in ``runner/protocol.py``
and need the same few pieces: the environment the runner gets, how a job's
arguments are checked before anything is sent, and how a ``result`` line becomes an
``ExecResult``. They live here so neither sandbox imports the other.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from agentsstar.sandboxes.base import ExecResult, Limits, Program, Verdict

#: Environment variables passed through to runners (and so to candidates). An
#: allow-list: API keys, tokens and everything else in the harness's env stay out.
ENV_ALLOW = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ")

#: Set for every runner: numeric libraries stay single-threaded (each thread would
#: need address space under the memory limit, and CPUs are shared with other
#: candidates); glibc keeps at most two malloc arenas for the same reason.
FIXED_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "MALLOC_ARENA_MAX": "2",
    "PYTHONDONTWRITEBYTECODE": "1",
}

#: Namespaces the runner reports in ``hello``; a missing one is warned about once.
ISOLATION_FEATURES = ("pid_ns", "net_ns", "mount_ns", "ipc_ns")


def job_message(program: Program, inputs: Sequence[Any], limits: Limits) -> dict[str, Any]:
    """The ``run`` message for one program on its inputs."""
    return {
        "op": "run",
        "code": program.code,
        "kind": program.kind,
        "entry_point": program.entry_point,
        "inputs": list(inputs),
        "limits": {
            "time_s": limits.time_s,
            "memory_mb": limits.memory_mb,
            "output_bytes": limits.output_bytes,
        },
    }


def to_result(msg: dict[str, Any]) -> ExecResult:
    """A runner's ``result`` line as an ``ExecResult``; an unknown verdict is the
    harness's problem (``SANDBOX_ERROR``), never the program's.

    Every field is type-checked: the runner forwards text that the candidate's
    process produced, and a malformed field must not reach grading or records.
    """
    try:
        verdict = Verdict(msg["verdict"])
    except (KeyError, ValueError, TypeError):
        return ExecResult(Verdict.SANDBOX_ERROR, error=f"bad verdict in {str(msg)[:200]}")
    exit_code = msg.get("exit_code")
    seconds = msg.get("seconds")
    return ExecResult(
        verdict=verdict,
        stdout=_text(msg.get("stdout")) or "",
        stderr=_text(msg.get("stderr")) or "",
        exit_code=exit_code if type(exit_code) is int else None,
        seconds=float(seconds) if isinstance(seconds, int | float) else 0.0,
        value=_text(msg.get("value")),
        error=_text(msg.get("error")),
    )


def _text(value: object) -> str | None:
    """A string that UTF-8 can carry (lone surrogates escaped), or ``None``."""
    if not isinstance(value, str):
        return None
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def validate(program: Program, inputs: Sequence[Any], limits: Limits) -> None:
    """Reject a job the runner would refuse, before anything is sent.

    Raises:
        ValueError: the inputs do not match ``program.kind``, or a limit is not positive.
    """
    if program.kind == "function":
        if not program.entry_point:
            raise ValueError("a function program needs an entry_point")
        bad = [i for i, x in enumerate(inputs) if not isinstance(x, list | tuple)]
        if bad:
            raise ValueError(f"function inputs must be lists of arguments (index {bad[0]})")
    elif program.kind == "stdin":
        bad = [i for i, x in enumerate(inputs) if not isinstance(x, str)]
        if bad:
            raise ValueError(f"stdin inputs must be strings (index {bad[0]})")
    else:
        raise ValueError(f"unknown program kind {program.kind!r}")
    if (
        not (limits.time_s > 0 and math.isfinite(limits.time_s))
        or limits.memory_mb <= 0
        or limits.output_bytes <= 0
    ):
        raise ValueError(f"limits must be positive: {limits}")
