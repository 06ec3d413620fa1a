"""The runner's entry point: isolation set-up once, then serving jobs until EOF.

The artefact's ``__main__`` imports every module of this package and then calls
``main``; see the package docstring for why nothing may be imported later.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sys

from .cleanup import remove_tree
from .isolation import Isolation, can_switch_uid, enter_namespaces
from .mounts import setup_mounts
from .server import Runner
from .syscalls import PR_SET_CHILD_SUBREAPER, PR_SET_DUMPABLE, prctl

# Imported once in the runner so children do not pay for them on every input.
DEFAULT_PRELOAD = [
    "array", "bisect", "collections", "copy", "dataclasses", "datetime", "decimal",
    "fractions", "functools", "heapq", "itertools", "math", "operator", "random", "re",
    "statistics", "string", "typing",
]  # fmt: skip


def _forget_own_modules() -> None:
    """Leave candidates no way to import the runner's modules by name.

    Started as a zipapp, the artefact is on ``sys.path`` (even under ``-I``, which
    keeps a plain script's directory off it) and this package's modules are in
    ``sys.modules``. Children are forked from this process, so either would let a
    candidate's ``import`` reach the runner's code (the live modules, at that).
    Every module is already imported, so the runner needs neither any more.
    """
    package = __name__.rpartition(".")[0]
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        del sys.modules[name]
    # This file is <artefact>/<package>/main.py inside the archive.
    archive = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p) != archive]
    for entry in [
        e for e in sys.path_importer_cache if e == archive or e.startswith(archive + "/")
    ]:
        del sys.path_importer_cache[entry]


def main() -> None:
    """Serve the harness on stdin/stdout until EOF (see ``protocol.py``)."""
    _forget_own_modules()
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
        enter_namespaces(iso)
    if not iso.pid_ns:
        try:
            prctl(PR_SET_CHILD_SUBREAPER, 1)  # orphans come back to us to be killed
        except OSError as exc:
            iso.warnings.append(f"not a child subreaper: {exc}")
    host_workroot = None
    kept: list[str] = []
    if iso.mount_ns:
        try:
            kept = setup_mounts(cfg, iso)
            workroot = "/tmp"
        except OSError as exc:
            iso.mount_ns = False
            iso.warnings.append(f"filesystem isolation failed: {exc}")
    if not iso.mount_ns:
        import tempfile

        workroot = host_workroot = tempfile.mkdtemp(prefix="agentsstar-run-")
        os.chmod(workroot, 0o711)
    with contextlib.suppress(OSError):
        prctl(PR_SET_DUMPABLE, 0)  # candidates may not ptrace us or open /proc/<us>/fd
    for name in cfg.get("preload", DEFAULT_PRELOAD):
        try:
            __import__(name)
        except Exception:
            iso.warnings.append(f"could not preload {name}")
    if iso.uid_mode == "same" and os.geteuid() == 0:
        iso.uid_mode = "separate"
    runner = Runner(proto_in, proto_out, iso, workroot, kept)
    if iso.uid_mode == "separate" and not can_switch_uid(runner.uid):
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
            remove_tree(host_workroot)
