"""agentsstar runner: a fork server that executes untrusted Python under limits.

Standalone and stdlib-only on purpose: the local sandbox starts it as a separate
interpreter (``python -I _runner.py``) and the E2B backend uploads this very file
into cloud sandboxes, so it must never import agentsstar. It is trusted code; the
programs it runs are not. One runner serves many jobs, one at a time: it compiles a
job's code once and forks one child per input (about a millisecond) instead of
paying an interpreter start-up per input.

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

Verdicts: ok, runtime_error, time_limit, memory_limit, output_limit, sandbox_error.
``memory_limit`` means the child died of an uncaught ``MemoryError`` (raised by
Python or C extensions when an allocation fails under RLIMIT_AS), of "can't start
new thread" when the thread's stack did not fit under RLIMIT_AS, or of a signal
while its stderr reports an allocation failure. ``time_limit`` means the
runner killed it at the wall-clock limit (confirmed by one re-run when it had
not used its full CPU share, i.e. load may have been the cause) or RLIMIT_CPU
killed it.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import errno
import fcntl
import gc
import io
import json
import linecache
import math
import os
import resource
import select
import signal
import sys
import threading
import time
import traceback
import types
from collections.abc import Callable
from typing import Any

# --- Linux constants (stable kernel ABI) ------------------------------------------
CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND = 32, 1024, 2048, 4096
MS_REC, MS_PRIVATE, MS_RELATIME, MS_STRICTATIME = 16384, 1 << 18, 1 << 21, 1 << 24
PR_SET_PDEATHSIG, PR_SET_DUMPABLE = 1, 4
PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 36, 38

STDERR_TAIL = 2048
SETUP_FAILED = 121  # exit code of a child whose sandbox set-up failed
# Imported once in the runner so children do not pay for them on every input.
DEFAULT_PRELOAD = [
    "array", "bisect", "collections", "copy", "dataclasses", "datetime", "decimal",
    "fractions", "functools", "heapq", "itertools", "math", "operator", "random", "re",
    "statistics", "string", "typing",
]  # fmt: skip

_libc = ctypes.CDLL(None, use_errno=True)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _prctl(option: int, arg: int) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0), "prctl")


def _unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def _mount(
    src: str | None, target: str, fstype: str | None, flags: int, data: str | None = None
) -> None:
    def enc(s: str | None) -> bytes | None:
        return None if s is None else s.encode()

    ret = _libc.mount(enc(src), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data))
    _check(ret, f"mount {target}")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


# --- isolation set-up (once per runner) --------------------------------------------
class Isolation:
    """What the runner managed to set up; reported to the harness in ``hello``."""

    def __init__(self) -> None:
        self.pid_ns = self.net_ns = self.mount_ns = self.ipc_ns = False
        self.uid_mode = "same"  # "separate": root drops to a private uid; "userns": nested user ns
        self.uid = os.getuid()
        self.warnings: list[str] = []

    def as_dict(self) -> dict[str, object]:
        return {
            "pid_ns": self.pid_ns,
            "net_ns": self.net_ns,
            "mount_ns": self.mount_ns,
            "ipc_ns": self.ipc_ns,
            "uid": self.uid_mode,
        }


def _enter_namespaces(iso: Isolation) -> None:
    """Unshare user/mount/net/ipc/pid namespaces, then become pid 1 of the new one.

    The calling process moves into the new mount, network and IPC namespaces
    itself; the PID namespace applies to children only, so we fork and the child
    (pid 1 there) carries on as the server while this process waits and relays
    its exit status. As pid 1 the server adopts every orphan and can kill the whole
    namespace with ``kill(-1)``; candidates cannot signal it.
    """
    root = os.geteuid() == 0
    # Read before unsharing: inside a new, still unmapped user namespace getuid()
    # answers the overflow uid (65534), which we may not map.
    uid, gid = os.getuid(), os.getgid()
    base = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWPID
    attempts = [base] if root else []
    attempts.append(base | CLONE_NEWUSER)
    done = 0
    for flags in attempts:
        try:
            _unshare(flags)
            done = flags
            break
        except OSError as exc:
            last = exc
    if not done:
        iso.warnings.append(f"pid/user namespaces unavailable ({last})")
        # Take whatever single namespaces the kernel still grants us.
        for flag, attr in (
            (CLONE_NEWNET, "net_ns"),
            (CLONE_NEWIPC, "ipc_ns"),
            (CLONE_NEWNS, "mount_ns"),
        ):
            try:
                _unshare(flag)
                setattr(iso, attr, True)
            except OSError as exc:
                iso.warnings.append(f"no {attr.replace('_', ' ')}: {exc}")
        return
    if done & CLONE_NEWUSER:
        try:
            with open("/proc/self/setgroups", "w") as f:
                f.write("deny")
            with open("/proc/self/uid_map", "w") as f:
                f.write(f"0 {uid} 1")
            with open("/proc/self/gid_map", "w") as f:
                f.write(f"0 {gid} 1")
        except OSError as exc:
            iso.warnings.append(f"user namespace mapping failed: {exc}")
    iso.net_ns = iso.ipc_ns = iso.mount_ns = True
    child = os.fork()
    if child:
        # Relay: this process stays outside the new pid namespace and only waits.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _, status = os.waitpid(child, 0)
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF if os.WIFEXITED(status) else 1)
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    iso.pid_ns = os.getpid() == 1
    if done & CLONE_NEWUSER:
        iso.uid_mode = "userns"


def _can_switch_uid(uid: int) -> bool:
    """Probe, in a throw-away child, whether we may drop to ``uid``."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def _python_paths() -> list[str]:
    """Directories the interpreter must keep reading after home dirs are hidden."""
    paths = {
        sys.prefix,
        sys.exec_prefix,
        sys.base_prefix,
        sys.base_exec_prefix,
        os.path.dirname(sys.executable),
        os.path.dirname(os.path.realpath(sys.executable)),
    }
    paths.update(p for p in sys.path if p)
    out = set()
    for p in paths:
        p = os.path.normpath(os.path.abspath(p))
        if os.path.isdir(p):
            # Both spellings: the one the interpreter uses (which may pass through a
            # symlink, e.g. a project's .venv) and the real directory behind it,
            # which may live under /tmp or a hidden home and must come back too.
            out.add(p)
            out.add(os.path.realpath(p))
    # Keep only the outermost of nested paths.
    return sorted(p for p in out if not any(p != q and p.startswith(q + "/") for q in out))


_ST_TO_MS = (
    (os.ST_NOSUID, MS_NOSUID),
    (os.ST_NODEV, MS_NODEV),
    (os.ST_NOEXEC, MS_NOEXEC),
    (os.ST_NOATIME, MS_NOATIME),
    (os.ST_NODIRATIME, MS_NODIRATIME),
    (os.ST_RELATIME, MS_RELATIME),
)


def _cover(path: str, keep: list[str], options: str) -> list[str]:
    """Mount a fresh tmpfs over ``path``, re-exposing read-only the ``keep`` paths
    under it (the Python installation, a virtualenv). Returns those re-exposed."""
    inner = [k for k in keep if k.startswith(path.rstrip("/") + "/")]
    links = {}
    binds = []
    for k in inner:
        link = _first_link(path, k)
        if link is None:
            binds.append(k)
        else:
            # Recreate the link as it is; its target is kept (and re-exposed) on its own.
            links[link] = os.readlink(link)
    fds = [(k, os.open(k, os.O_PATH | os.O_DIRECTORY)) for k in binds]
    try:
        _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, options)
        for link, target in links.items():
            os.makedirs(os.path.dirname(link), 0o755, exist_ok=True)
            os.symlink(target, link)
        for k, fd in fds:
            os.makedirs(k, 0o755, exist_ok=True)
            _mount(f"/proc/self/fd/{fd}", k, None, MS_BIND | MS_REC)
            # Read-only here already: the blanket read-only pass skips writable
            # places such as /tmp, and these must never be writable. The source's
            # own flags are kept (a user namespace may not clear locked ones).
            flags = MS_REMOUNT | MS_BIND | MS_RDONLY
            have = os.statvfs(k).f_flag
            for st, ms in _ST_TO_MS:
                if have & st:
                    flags |= ms
            _mount(None, k, None, flags)
    finally:
        for _, fd in fds:
            os.close(fd)
    return inner


def _first_link(top: str, path: str) -> str | None:
    """The first component of ``path`` below ``top`` that is a symlink, if any."""
    parts = os.path.relpath(path, top).split("/")
    for i in range(1, len(parts) + 1):
        here = os.path.join(top, *parts[:i])
        if os.path.islink(here):
            return here
    return None


def _hide_dir(hidden: str, keep: list[str], iso: Isolation) -> None:
    """Cover ``hidden`` (e.g. /root) with an empty tmpfs, re-exposing ``keep`` paths."""
    if not os.path.isdir(hidden):
        return
    if any(k == hidden or hidden.startswith(k + "/") for k in keep):
        iso.warnings.append(f"{hidden} not hidden: the Python installation lives there")
        return
    _cover(hidden, keep, "size=1m,mode=0755")


_MOUNT_FLAGS = {
    "nosuid": MS_NOSUID,
    "nodev": MS_NODEV,
    "noexec": MS_NOEXEC,
    "noatime": MS_NOATIME,
    "nodiratime": MS_NODIRATIME,
    "relatime": MS_RELATIME,
    "strictatime": MS_STRICTATIME,
}


def _unescape(path: str) -> str:
    return path.encode().decode("unicode_escape") if "\\" in path else path


def _setup_mounts(cfg: dict[str, Any], iso: Isolation) -> list[str]:
    """Private /tmp and /dev/shm, hidden home dirs, own /proc, everything else read-only.

    Returns the Python paths re-exposed (read-only) inside the private /tmp, which
    the clean-up after each input must leave alone (a virtualenv under /tmp, as CI
    systems often make)."""
    os.umask(0o022)
    os.chdir("/")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    keep = _python_paths()
    for hidden in dict.fromkeys(os.path.realpath(h) for h in cfg.get("hide", [])):
        try:
            _hide_dir(hidden, keep, iso)
        except OSError as exc:
            iso.warnings.append(f"could not hide {hidden}: {exc}")
    tmpfs_mb = int(cfg.get("tmpfs_mb", 256))
    # 1777 like any /tmp: programs may create files there; it is this runner's own
    # and emptied after every input.
    if any(k == "/tmp" or "/tmp".startswith(k + "/") for k in keep):
        raise OSError(errno.EBUSY, "the Python installation is /tmp itself; no private /tmp")
    kept_in_tmp = _cover("/tmp", keep, f"size={tmpfs_mb}m,mode=1777")
    if os.path.isdir("/dev/shm"):
        _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")
    if iso.pid_ns:
        try:
            _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        except OSError as exc:
            iso.warnings.append(f"could not mount a private /proc: {exc}")
    writable = ("/tmp", "/dev/shm", "/proc")
    with open("/proc/self/mountinfo") as f:
        lines = f.read().splitlines()
    for line in lines:
        fields = line.split()
        target, opts = _unescape(fields[4]), fields[5].split(",")
        if any(target == w or target.startswith(w + "/") for w in writable):
            continue
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY
        for o in opts:
            flags |= _MOUNT_FLAGS.get(o, 0)
        try:
            _mount(None, target, None, flags)
        except OSError as exc:
            if exc.errno != 2:  # ENOENT: covered by a later mount (e.g. under /root)
                iso.warnings.append(f"could not make {target} read-only: {exc}")
    return kept_in_tmp


# --- the child: runs the candidate ---------------------------------------------------
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


class _ChildSpec:
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


def _vm_size() -> int:
    """This process's address-space size in bytes (a child's, right after fork)."""
    with open("/proc/self/status") as f:
        return next(int(ln.split()[1]) for ln in f if ln.startswith("VmSize:")) * 1024


def _std_streams() -> tuple[io.TextIOWrapper, io.TextIOWrapper, io.TextIOWrapper]:
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


def _apply_limits(spec: _ChildSpec) -> None:
    lim = spec.limits
    cpu = math.ceil(lim["time_s"]) + 1  # wall clock is primary; CPU catches threads
    setr = resource.setrlimit
    setr(resource.RLIMIT_CORE, (0, 0))
    setr(resource.RLIMIT_CPU, (cpu, cpu + 1))
    setr(resource.RLIMIT_NOFILE, (256, 256))
    setr(resource.RLIMIT_FSIZE, (64 << 20, 64 << 20))
    if spec.iso.uid_mode == "separate":
        # Counted per uid; the uid is private to this runner, so this bounds fork bombs.
        setr(resource.RLIMIT_NPROC, (64, 64))
    # Address space = what the interpreter already maps + the allowance. Threads of
    # numpy/OpenBLAS stay within it because the env pins them to one thread and
    # MALLOC_ARENA_MAX keeps glibc from reserving 64 MiB per thread.
    limit = spec.vm + int(lim["memory_mb"]) * (1 << 20)
    setr(resource.RLIMIT_AS, (limit, limit))


def _drop_privileges(spec: _ChildSpec) -> None:
    if spec.iso.ipc_ns:
        with contextlib.suppress(OSError):
            _unshare(CLONE_NEWIPC)  # fresh SysV IPC per input: nothing survives it
    if spec.iso.uid_mode == "separate":
        os.setgroups([])
        os.setresgid(spec.uid, spec.uid, spec.uid)
        os.setresuid(spec.uid, spec.uid, spec.uid)
    elif spec.iso.uid_mode == "userns":
        _unshare(CLONE_NEWUSER)  # lose our capabilities over the runner's namespaces
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    _prctl(PR_SET_DUMPABLE, 1)  # so /proc/self belongs to the candidate's own uid


def _child_main(spec: _ChildSpec) -> None:
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
        _apply_limits(spec)
        os.chdir(spec.workdir)
        _drop_privileges(spec)
        # Die with the runner (after the uid change, which would clear it). With a PID
        # namespace this is redundant; without one it stops an orphaned child.
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
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
        _watch_thread_starts()
        # Last: every other fd goes, the set-up channel included (candidate code
        # must not be able to report a "set-up" failure).
        os.closerange(res_fd + 1, 1 << 16)
    except BaseException as exc:
        try:
            _write_all(report_fd, _dumps({"setup_error": f"{type(exc).__name__}: {exc}"}).encode())
        finally:
            os._exit(SETUP_FAILED)
    _run_candidate(spec, res_fd)


def _run_candidate(spec: _ChildSpec, res_fd: int) -> None:
    # Everything used after candidate code starts is bound to locals first.
    write, exit_, dumps = _write_all, os._exit, _dumps
    type_, str_, isinstance_ = type, str, isinstance
    ballast: bytearray | None = bytearray(1 << 18)  # freed on MemoryError so we can still report it
    msg: dict[str, Any] = {"exit": 0, "error": None, "memory": False, "value": None}
    # stdin programs run as a script; function programs as an imported module, so a
    # ``if __name__ == "__main__":`` block (often reading stdin) stays quiet.
    module = types.ModuleType("__main__" if spec.kind == "stdin" else "solution")
    module.__file__ = os.path.join(spec.workdir, "solution.py")
    module.__builtins__ = __builtins__  # type: ignore[attr-defined]
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
        if type_(exc) is RuntimeError and msg["error"] == _NO_THREAD and _thread_oom:
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


_NO_THREAD = "RuntimeError: can't start new thread"
_thread_oom: list[bool] = []  # non-empty once a thread start failed for want of memory


def _watch_thread_starts() -> None:
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
                    _thread_oom.append(True)
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


# --- the runner: fork, watch, kill, classify ------------------------------------------
class Runner:
    """Serves jobs from the harness; one child per input."""

    def __init__(
        self,
        proto_in: io.BufferedReader[io.FileIO],
        proto_out: int,
        iso: Isolation,
        workroot: str,
        kept: list[str] | None = None,
    ) -> None:
        self.proto_in, self.proto_out, self.iso, self.workroot = proto_in, proto_out, iso, workroot
        # Top-level entries of the private /tmp that hold a re-exposed Python
        # installation: the wipe after each input leaves them alone.
        self.keep_names = {
            os.path.relpath(k, workroot).split("/")[0] for k in kept or () if k.startswith("/tmp/")
        }
        self.counter = 0
        self.vm = _vm_size()
        self.streams = _std_streams()
        self.uid = iso.uid
        if iso.uid_mode == "separate":
            # A uid nobody else uses: RLIMIT_NPROC then counts only this runner's
            # processes, and candidates cannot signal or ptrace anything of ours.
            self.uid = 0x60000000 + int.from_bytes(os.urandom(3), "little")

    def send(self, obj: dict[str, Any]) -> None:
        # backslashreplace: a lone surrogate (from candidate text) must not kill us.
        line = json.dumps(obj, ensure_ascii=False) + "\n"
        _write_all(self.proto_out, line.encode("utf-8", "backslashreplace"))

    def serve(self) -> None:
        while True:
            line = self.proto_in.readline()
            if not line:
                return
            try:
                job = json.loads(line)
                if job.get("op") != "run":
                    raise ValueError(f"unknown op {job.get('op')!r}")
                self.run_job(job)
            except (ValueError, KeyError, TypeError) as exc:
                self.send({"op": "error", "message": f"{type(exc).__name__}: {exc}"})

    def run_job(self, job: dict[str, Any]) -> None:
        kind, inputs, limits = job["kind"], job["inputs"], job["limits"]
        if kind not in ("stdin", "function"):
            raise ValueError(f"bad kind {kind!r}")
        if kind == "function" and not job.get("entry_point"):
            raise ValueError("function kind needs an entry_point")
        try:
            code = compile(job["code"], "solution.py", "exec", dont_inherit=True)
            compile_error = None
        except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError) as exc:
            code = None
            compile_error = exc
        self.vm = _vm_size()
        lines = job["code"].splitlines(keepends=True)
        linecache.cache["solution.py"] = (len(job["code"]), None, lines, "solution.py")
        for index, arg in enumerate(inputs):
            if compile_error is not None:
                tb = "".join(traceback.format_exception_only(type(compile_error), compile_error))
                result = {
                    "verdict": "runtime_error",
                    "stdout": "",
                    "stderr": tb[-STDERR_TAIL:],
                    "exit_code": 1,
                    "seconds": 0.0,
                    "cpu_seconds": 0.0,
                    "value": None,
                    "error": f"{type(compile_error).__name__}: {compile_error}",
                    "attempts": 0,
                }
            else:
                result = self.run_input(code, kind, job.get("entry_point"), arg, limits)
            result.update(op="result", index=index)
            self.send(result)
        self.send({"op": "done"})

    def run_input(
        self, code: Any, kind: str, entry: str | None, arg: Any, limits: dict[str, Any]
    ) -> dict[str, Any]:
        attempts = 0
        while True:
            attempts += 1
            try:
                result = self.execute(code, kind, entry, arg, limits)
            except OSError as exc:
                result = {
                    "verdict": "sandbox_error",
                    "stdout": "",
                    "stderr": "",
                    "exit_code": None,
                    "seconds": 0.0,
                    "cpu_seconds": 0.0,
                    "value": None,
                    "error": f"runner: {exc}",
                }
            # A wall-clock timeout without a full CPU share may be the machine's load,
            # not the program: confirm it once before the verdict stands.
            retry = (
                result["verdict"] == "time_limit"
                and result.pop("wall", False)
                and result["cpu_seconds"] < 0.95 * float(limits["time_s"])
            )
            result.pop("wall", None)
            if not retry or attempts >= 2:
                result["attempts"] = attempts
                return result

    def _new_workdir(self) -> str:
        self.counter += 1
        path = os.path.join(self.workroot, f"run-{self.counter}")
        os.mkdir(path, 0o700)
        if self.iso.uid_mode == "separate":
            os.chown(path, self.uid, self.uid)
        return path

    def execute(
        self, code: Any, kind: str, entry: str | None, arg: Any, limits: dict[str, Any]
    ) -> dict[str, Any]:
        time_s = float(limits["time_s"])
        out_cap = int(limits["output_bytes"])
        err_cap = max(out_cap, 8 << 20)
        spec = _ChildSpec()
        spec.code, spec.kind, spec.entry, spec.limits, spec.iso = (
            code,
            kind,
            entry,
            limits,
            self.iso,
        )
        spec.arg = arg if kind == "function" else None
        spec.uid = self.uid
        spec.runner_pid = os.getpid()
        spec.vm = self.vm
        spec.streams = self.streams
        spec.workdir = self._new_workdir()
        if kind == "stdin":
            spec.stdin_fd = os.memfd_create("stdin")
            _write_all(spec.stdin_fd, str(arg).encode("utf-8", "surrogateescape"))
            os.lseek(spec.stdin_fd, 0, os.SEEK_SET)
        else:
            spec.stdin_fd = os.open(os.devnull, os.O_RDONLY)
        out_r, spec.out_w = os.pipe()
        err_r, spec.err_w = os.pipe()
        res_r, spec.res_w = os.pipe()
        setup_r, spec.setup_w = os.pipe()
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            try:
                _child_main(spec)
            finally:
                os._exit(SETUP_FAILED)
        for fd in (spec.out_w, spec.err_w, spec.res_w, spec.setup_w, spec.stdin_fd):
            os.close(fd)
        caps = {out_r: out_cap, err_r: err_cap, res_r: out_cap + 65536}
        try:
            return self._watch(pid, start, kind, time_s, caps, out_r, err_r, res_r, setup_r)
        finally:
            for fd in (out_r, err_r, res_r, setup_r):
                os.close(fd)
            self._wipe(spec.workdir)

    def _watch(
        self,
        pid: int,
        start: float,
        kind: str,
        time_s: float,
        caps: dict[int, int],
        out_r: int,
        err_r: int,
        res_r: int,
        setup_r: int,
    ) -> dict[str, Any]:
        bufs = {out_r: bytearray(), err_r: bytearray(), res_r: bytearray()}
        totals = {out_r: 0, err_r: 0, res_r: 0}
        poller = select.poll()
        for fd in bufs:
            poller.register(fd, select.POLLIN)
        try:
            pidfd = os.pidfd_open(pid)
            poller.register(pidfd, select.POLLIN)
        except (AttributeError, OSError):
            pidfd = None
        deadline = start + time_s
        killed = None  # "timeout" | "output"
        exited_at = None
        open_fds = set(bufs)

        def read(fd: int) -> None:
            nonlocal killed
            data = os.read(fd, 1 << 16)
            if not data:
                poller.unregister(fd)
                open_fds.discard(fd)
                return
            totals[fd] += len(data)
            buf = bufs[fd]
            if fd == err_r:
                buf += data
                del buf[:-STDERR_TAIL]
            elif len(buf) < caps[fd]:
                buf += data[: caps[fd] - len(buf)]
            if totals[fd] > caps[fd]:
                killed = killed or "output"

        while killed is None and exited_at is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                killed = "timeout"
                break
            wait_ms = remaining * 1000 if pidfd is not None else min(remaining, 0.005) * 1000
            for fd, _ in poller.poll(wait_ms):
                if fd == pidfd:
                    exited_at = time.monotonic()
                elif fd in open_fds:
                    read(fd)
            if pidfd is None and exited_at is None and _exited(pid):
                exited_at = time.monotonic()
        if killed is not None:
            self._kill_tree(pid)
        _, status, usage = os.wait4(pid, 0)
        end = exited_at or time.monotonic()
        self._kill_tree(pid)
        self._reap_all()
        if pidfd is not None:
            os.close(pidfd)
        # Every writer is dead now; drain what is left in the pipes.
        drain_until = time.monotonic() + 1.0
        while open_fds and killed != "output" and time.monotonic() < drain_until:
            for fd, _ in poller.poll(100):
                if fd in open_fds:
                    read(fd)
        # Only the child's set-up code held the set-up pipe, and it is dead: EOF is near.
        os.set_blocking(setup_r, False)
        try:
            setup = _parse_msg(os.read(setup_r, 1 << 16))
        except OSError:
            setup = {}
        over = [
            name
            for name, fd in (("return value", res_r), ("stdout", out_r), ("stderr", err_r))
            if totals[fd] > caps[fd]
        ]
        return _classify(
            kind=kind,
            status=status,
            killed=killed,
            over=over,
            cpu=usage.ru_utime + usage.ru_stime,
            seconds=end - start,
            time_s=time_s,
            stdout=bytes(bufs[out_r]),
            stderr=bytes(bufs[err_r]),
            msg=_parse_msg(bytes(bufs[res_r])),
            setup_error=_text(setup.get("setup_error")),
        )

    def _kill_tree(self, pid: int | None) -> None:
        """SIGKILL the child and every descendant, wherever they went."""
        if self.iso.pid_ns and os.getpid() == 1:
            # As pid 1 of our own namespace, kill(-1) reaches every other process in
            # it and nothing outside it. (Guarded twice: outside a namespace of our
            # own, kill(-1) would hit everything this uid may signal.)
            with contextlib.suppress(ProcessLookupError):
                os.kill(-1, signal.SIGKILL)
            return
        if pid:  # the child made itself a session (and group) leader
            for send in (os.killpg, os.kill):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    send(pid, signal.SIGKILL)
        # As a child subreaper we adopt orphaned descendants (daemons included).
        me = os.getpid()
        for child in _children(me):
            try:
                if os.getpgid(child) == child:  # a group leader: take its group along
                    os.killpg(child, signal.SIGKILL)
                os.kill(child, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def _reap_all(self) -> None:
        """Reap every child (adopted orphans included), killing stragglers, for <= 2 s."""
        give_up = time.monotonic() + 2.0
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid:
                continue
            if time.monotonic() > give_up:
                return
            self._kill_tree(None)
            time.sleep(0.001)

    def _wipe(self, workdir: str) -> None:
        _remove_tree(workdir)
        if self.iso.mount_ns:
            # /tmp and /dev/shm are this runner's own tmpfs: empty them entirely.
            for root in (self.workroot, "/dev/shm"):
                try:
                    names = os.listdir(root)
                except OSError:
                    continue
                for name in names:
                    if root == self.workroot and name in self.keep_names:
                        continue
                    _remove_tree(os.path.join(root, name))


def _remove_tree(top: str) -> None:
    """Delete ``top`` and everything under it, never raising.

    Unlike ``shutil.rmtree`` (recursive up to Python 3.12), this walks with one open
    directory at a time and no recursion, so a candidate's 10,000-deep directory
    chain cannot crash the runner with a ``RecursionError`` or exceed PATH_MAX.
    Called only once every candidate process is dead, so nothing moves meanwhile;
    symlinks are removed, never followed.
    """
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    try:
        fd = os.open(top, flags)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(top)
        return
    names: list[str] = []  # path from top to the directory ``fd`` is open on
    stuck: set[tuple[int, int]] = set()  # directories we could not empty
    try:
        while True:
            sub = None
            with contextlib.suppress(OSError), os.scandir(fd) as entries:
                for entry in entries:
                    try:
                        if not entry.is_dir(follow_symlinks=False):
                            os.unlink(entry.name, dir_fd=fd)
                        elif (entry.inode(), os.fstat(fd).st_dev) not in stuck:
                            sub = entry.name
                            break
                    except OSError:
                        pass
            if sub is not None:
                try:
                    child = os.open(sub, flags, dir_fd=fd)
                except OSError:
                    with contextlib.suppress(OSError):
                        os.rmdir(sub, dir_fd=fd)
                    continue
                os.close(fd)
                fd = child
                names.append(sub)
                continue
            if not names:
                break
            here = os.fstat(fd)
            parent = os.open("..", flags, dir_fd=fd)
            os.close(fd)
            fd = parent
            name = names.pop()
            try:
                os.rmdir(name, dir_fd=fd)
            except OSError:
                stuck.add((here.st_ino, here.st_dev))
    except OSError:
        pass
    finally:
        os.close(fd)
    with contextlib.suppress(OSError):
        os.rmdir(top)


def _text(value: object, limit: int | None = 4096) -> str | None:
    """A string from the child, safe to forward: lone surrogates (which UTF-8 cannot
    carry) escaped, capped in length; anything that is not a string is dropped."""
    if not isinstance(value, str):
        return None
    return value.encode("utf-8", "backslashreplace").decode("utf-8")[:limit]


def _classify(
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
    """Turn what was observed into a verdict (see the module docstring)."""
    err_text = stderr.decode("utf-8", "replace")
    msg_error = _text(msg.get("error"))
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
    elif msg.get("memory") is True or (sig and _looks_like_oom(err_text)):
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
            result.update(verdict="ok", value=_text(value, None))
        else:
            result.update(
                verdict="runtime_error",
                error=msg_error or "exited without returning a value",
            )
    else:
        result.update(verdict="ok")
    return result


def _exited(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] in ("Z", "X")
    except OSError:
        return True


def _children(parent: int) -> list[int]:
    """Direct children of ``parent``, from /proc (no /proc/*/children needed)."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            out.append(int(name))
    return out


def _parse_msg(raw: bytes) -> dict[str, Any]:
    # The last complete line wins; anything unparsable is ignored.
    for line in reversed(raw.splitlines()):
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if isinstance(msg, dict):
            return msg
    return {}


_OOM_MARKERS = (
    "MemoryError",
    "Cannot allocate memory",
    "bad_alloc",
    "out of memory",
    "failed to allocate",
    "Unable to allocate",
)


def _looks_like_oom(stderr: str) -> bool:
    return any(m in stderr for m in _OOM_MARKERS)


def main() -> None:
    # Keep the protocol fds private and point 0/1 at /dev/null, so nothing a child
    # inherits by accident can reach the harness.
    proto_in = io.BufferedReader(io.FileIO(os.dup(0), "r"))
    proto_out = os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    line = proto_in.readline()
    cfg = json.loads(line) if line else {}
    iso = Isolation()
    if cfg.get("isolate", True):
        _enter_namespaces(iso)
    if not iso.pid_ns:
        try:
            _prctl(PR_SET_CHILD_SUBREAPER, 1)  # orphans come back to us to be killed
        except OSError as exc:
            iso.warnings.append(f"not a child subreaper: {exc}")
    host_workroot = None
    kept: list[str] = []
    if iso.mount_ns:
        try:
            kept = _setup_mounts(cfg, iso)
            workroot = "/tmp"
        except OSError as exc:
            iso.mount_ns = False
            iso.warnings.append(f"filesystem isolation failed: {exc}")
    if not iso.mount_ns:
        import tempfile

        workroot = host_workroot = tempfile.mkdtemp(prefix="agentsstar-run-")
        os.chmod(workroot, 0o711)
    with contextlib.suppress(OSError):
        _prctl(PR_SET_DUMPABLE, 0)  # candidates may not ptrace us or open /proc/<us>/fd
    for name in cfg.get("preload", DEFAULT_PRELOAD):
        try:
            __import__(name)
        except Exception:
            iso.warnings.append(f"could not preload {name}")
    if iso.uid_mode == "same" and os.geteuid() == 0:
        iso.uid_mode = "separate"
    runner = Runner(proto_in, proto_out, iso, workroot, kept)
    if iso.uid_mode == "separate" and not _can_switch_uid(runner.uid):
        iso.uid_mode, runner.uid = "same", os.getuid()
        iso.warnings.append("cannot switch to a private uid: candidates run as the harness's uid")
    elif iso.uid_mode == "same":
        iso.warnings.append("candidates run as the harness's uid")
    runner.send(
        {
            "op": "hello",
            "pid": os.getpid(),
            "isolation": iso.as_dict(),
            "warnings": iso.warnings,
            "workroot": host_workroot,
        }
    )
    try:
        runner.serve()
    except BrokenPipeError:
        pass
    finally:
        if host_workroot:
            _remove_tree(host_workroot)


if __name__ == "__main__":
    main()
