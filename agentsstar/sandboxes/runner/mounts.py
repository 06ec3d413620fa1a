"""The runner's filesystem view: private /tmp and /dev/shm, hidden home
directories, its own /proc, and everything else read-only (set up once)."""

from __future__ import annotations

import errno
import os
import sys
from typing import Any

from .isolation import Isolation
from .syscalls import (
    MS_BIND,
    MS_NOATIME,
    MS_NODEV,
    MS_NODIRATIME,
    MS_NOEXEC,
    MS_NOSUID,
    MS_PRIVATE,
    MS_RDONLY,
    MS_REC,
    MS_RELATIME,
    MS_REMOUNT,
    MS_STRICTATIME,
    mount,
)


def python_paths() -> list[str]:
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
        mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, options)
        for link, target in links.items():
            os.makedirs(os.path.dirname(link), 0o755, exist_ok=True)
            os.symlink(target, link)
        for k, fd in fds:
            os.makedirs(k, 0o755, exist_ok=True)
            mount(f"/proc/self/fd/{fd}", k, None, MS_BIND | MS_REC)
            # Read-only here already: the blanket read-only pass skips writable
            # places such as /tmp, and these must never be writable. The source's
            # own flags are kept (a user namespace may not clear locked ones).
            flags = MS_REMOUNT | MS_BIND | MS_RDONLY
            have = os.statvfs(k).f_flag
            for st, ms in _ST_TO_MS:
                if have & st:
                    flags |= ms
            mount(None, k, None, flags)
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


def setup_mounts(cfg: dict[str, Any], iso: Isolation) -> list[str]:
    """Private /tmp and /dev/shm, hidden home dirs, own /proc, everything else read-only.

    Returns the Python paths re-exposed (read-only) inside the private /tmp, which
    the clean-up after each input must leave alone (a virtualenv under /tmp, as CI
    systems often make)."""
    os.umask(0o022)
    os.chdir("/")
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    keep = python_paths()
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
        mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")
    if iso.pid_ns:
        try:
            mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
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
            mount(None, target, None, flags)
        except OSError as exc:
            if exc.errno != 2:  # ENOENT: covered by a later mount (e.g. under /root)
                iso.warnings.append(f"could not make {target} read-only: {exc}")
    return kept_in_tmp
