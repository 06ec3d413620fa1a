"""The forked child: its set-up, then the candidate's run and what it reports.

Runs in the child only, after ``fork``; the runner builds everything it can before
(the encoder, the std streams), so each input pays for as little as possible.
"""

from __future__ import annotations

import atexit
import builtins
import fcntl
import gc
import io
import json
import os
import signal
import sys
import threading
import traceback
import types
from collections.abc import Callable
from typing import Any

from .isolation import Isolation
from .limits import NO_THREAD, apply_limits, drop_privileges, thread_oom, watch_thread_starts
from .syscalls import PR_SET_PDEATHSIG, prctl, write_all

SETUP_FAILED = 121  # exit code of a child whose sandbox set-up failed


def _capture_encoder() -> Callable[[object], str]:
    """Build the JSON serialiser before any candidate code runs.

    References are captured here so that monkey-patching ``json``, ``_json`` or
    builtins in the candidate cannot change how its value is serialised. The C
    encoder reads the real contents of int/float/str/list/tuple subclasses, so a
    lying ``__eq__``/``__repr__``/``__iter__`` does not change the text.
    """
    try:
        from _json import encode_basestring_ascii as enc_str
        from _json import make_encoder
    except ImportError:  # not CPython: fall back to the pure-Python encoder, captured
        encoder = json.JSONEncoder(allow_nan=True)
        return encoder.encode
    join, type_, hasattr_ = "".join, type, hasattr

    def default(o: Any) -> Any:
        # numpy scalars and arrays are common in solutions; their plain value travels.
        if getattr(type_(o), "__module__", "") == "numpy" and hasattr_(o, "tolist"):
            return o.tolist()
        raise TypeError(f"Object of type {type_(o).__name__} is not JSON serializable")

    def dumps(value: object) -> str:
        enc = make_encoder({}, default, enc_str, None, ": ", ", ", False, False, True)
        # No str() around it: a builtin looked up now could be the candidate's.
        return join(enc(value, 0))

    return dumps


_dumps = _capture_encoder()  # for the value and for the message to the runner


class ChildSpec:
    """Everything a child needs, filled in by the runner before the fork."""

    arg: Any
    code: Any
    entry: str | None
    err_w: int
    iso: Isolation
    kind: str
    limits: dict[str, Any]
    out_w: int
    res_w: int
    runner_pid: int
    setup_w: int
    stdin_fd: int
    streams: tuple[io.TextIOWrapper, io.TextIOWrapper, io.TextIOWrapper]
    uid: int
    vm: int
    workdir: str


def std_streams() -> tuple[io.TextIOWrapper, io.TextIOWrapper, io.TextIOWrapper]:
    """Fresh text streams on fds 0-2, built once in the runner and used only by the
    children (each gets its own copy, with empty buffers, at fork)."""
    return (
        io.TextIOWrapper(
            io.BufferedReader(io.FileIO(0, "r", closefd=False)),
            encoding="utf-8",
            errors="surrogateescape",
        ),
        io.TextIOWrapper(
            io.BufferedWriter(io.FileIO(1, "w", closefd=False)),
            encoding="utf-8",
            errors="surrogateescape",
        ),
        io.TextIOWrapper(
            io.BufferedWriter(io.FileIO(2, "w", closefd=False)),
            encoding="utf-8",
            errors="backslashreplace",
            line_buffering=True,
        ),
    )


def child_main(spec: ChildSpec) -> None:
    """Set up the forked child and run the candidate. Never returns."""
    # Everything inherited from the runner goes to the permanent GC generation: a
    # collection in the child then never walks (and so never copies on write) the
    # runner's pages (about 12% less CPU per input for a trivial program here).
    gc.freeze()
    res_fd = 3
    report_fd = spec.setup_w
    try:
        # Keep the set-up channel clear of fds 0-3, which are about to be replaced.
        report_fd = fcntl.fcntl(spec.setup_w, fcntl.F_DUPFD, res_fd + 1)
        os.setsid()
        for sig in (signal.SIGINT,):
            signal.signal(sig, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        apply_limits(spec.limits, spec.vm, spec.iso.uid_mode)
        os.chdir(spec.workdir)
        drop_privileges(spec.iso, spec.uid)
        # Die with the runner (after the uid change, which would clear it). With a PID
        # namespace this is redundant; without one it stops an orphaned child.
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != spec.runner_pid:
            raise OSError("the runner is gone")
        os.dup2(spec.stdin_fd, 0)
        os.dup2(spec.out_w, 1)
        os.dup2(spec.err_w, 2)
        os.dup2(spec.res_w, res_fd)
        os.environ.update(HOME=spec.workdir, TMPDIR=spec.workdir, PWD=spec.workdir)
        sys.stdin, sys.stdout, sys.stderr = spec.streams
        sys.__stdin__, sys.__stdout__, sys.__stderr__ = spec.streams  # type: ignore[misc]
        sys.argv = ["solution.py"]
        watch_thread_starts()
        # Last: every other fd goes, the set-up channel included (candidate code
        # must not be able to report a "set-up" failure).
        os.closerange(res_fd + 1, 1 << 16)
    except BaseException as exc:
        try:
            write_all(report_fd, _dumps({"setup_error": f"{type(exc).__name__}: {exc}"}).encode())
        finally:
            os._exit(SETUP_FAILED)
    _run_candidate(spec, res_fd)


def _run_candidate(spec: ChildSpec, res_fd: int) -> None:
    # Everything used after candidate code starts is bound to locals first.
    write, exit_, dumps = write_all, os._exit, _dumps
    type_, str_, isinstance_ = type, str, isinstance
    ballast: bytearray | None = bytearray(1 << 18)  # freed on MemoryError so we can still report it
    msg: dict[str, Any] = {"exit": 0, "error": None, "memory": False, "value": None}
    # stdin programs run as a script; function programs as an imported module, so a
    # ``if __name__ == "__main__":`` block (often reading stdin) stays quiet.
    module = types.ModuleType("__main__" if spec.kind == "stdin" else "solution")
    module.__file__ = os.path.join(spec.workdir, "solution.py")
    # The builtins module, as in any ``__main__``: this module's own ``__builtins__``
    # is the module's dict, since it is imported rather than run as the script.
    module.__builtins__ = builtins  # type: ignore[attr-defined]
    sys.modules["__main__"] = sys.modules[module.__name__] = module
    try:
        exec(spec.code, module.__dict__)
        if spec.kind == "function":
            fn = _resolve(module, spec.entry)  # type: ignore[arg-type]  # set for functions
            value = fn(*spec.arg)
            try:
                msg["value"] = dumps(value)
            except (TypeError, ValueError, RecursionError) as exc:
                msg["exit"] = 1
                msg["error"] = (
                    f"return value is not JSON-serialisable: {type_(exc).__name__}: {exc}"
                )
    except SystemExit as exc:
        code = exc.code
        if code is None:
            msg["exit"] = 0
        elif isinstance_(code, int):
            msg["exit"] = code & 0xFF  # type: ignore[operator]  # isinstance_ is an alias
        else:
            _safe_print_stderr(code)
            msg["exit"] = 1
        if spec.kind == "function" and msg["value"] is None:
            msg["error"] = f"SystemExit({code!r}) before returning a value"
    except MemoryError as exc:
        ballast = None
        msg.update(exit=1, error="MemoryError", memory=True)
        _safe_traceback(exc)
    except BaseException as exc:
        ballast = None
        msg["exit"] = 1
        try:
            msg["error"] = f"{type_(exc).__name__}: {str_(exc)[:500]}"
        except BaseException:
            msg["error"] = type_(exc).__name__
        if type_(exc) is RuntimeError and msg["error"] == NO_THREAD and thread_oom:
            msg["memory"] = True  # a thread's stack did not fit under RLIMIT_AS
        _safe_traceback(exc)
    del ballast
    msg["exit"] = _finalise(msg["exit"])
    # Plain try/except, not contextlib: the candidate may have patched modules.
    try:  # noqa: SIM105
        write(res_fd, dumps(msg).encode())
    except BaseException:  # the candidate closed fd 3: its loss
        pass
    exit_(msg["exit"])


def _resolve(module: types.ModuleType, entry: str) -> Any:
    name, _, method = entry.partition(".")
    try:
        target = module.__dict__[name]
    except KeyError:
        raise NameError(f"entry point {name!r} is not defined") from None
    if method:
        return getattr(target(), method)
    return target


def _safe_print_stderr(obj: object) -> None:
    try:  # noqa: SIM105 - runs after candidate code; contextlib may be patched
        print(obj, file=sys.stderr)
    except BaseException:
        pass


def _safe_traceback(exc: BaseException) -> None:
    """Print the traceback as Python would, minus the runner's own frame."""
    try:
        tb = exc.__traceback__
        traceback.print_exception(type(exc), exc, tb.tb_next if tb is not None else None)
    except BaseException:
        pass


def _finalise(code: int) -> int:
    """Mimic interpreter shutdown: join threads, run atexit, flush std streams."""
    for step in (getattr(threading, "_shutdown", None), atexit._run_exitfuncs):
        try:
            if step is not None:
                step()
        except BaseException:
            pass
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None and not stream.closed:
                stream.flush()
        except BaseException:
            if code == 0:
                code = 120  # what CPython does when flushing stdout fails at exit
    return code
