"""Finding what a child left behind (processes, files) so it can be cleared."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator


def exited(pid: int) -> bool:
    """Whether ``pid`` is dead or a zombie, from /proc (for kernels without pidfd)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] in ("Z", "X")
    except OSError:
        return True


def processes() -> Iterator[tuple[int, str, int, int]]:
    """(pid, state, parent pid, process group) of every process in /proc (those that
    vanish while it is read are left out). The harness reads it too."""
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                # After the ")" that ends the command name: state, ppid, pgrp, ...
                fields = f.read().rpartition(b")")[2].split()
        except OSError:
            continue
        if len(fields) > 2:
            yield int(name), fields[0].decode(), int(fields[1]), int(fields[2])


def children(parent: int) -> list[int]:
    """Direct children of ``parent``, from /proc (no /proc/*/children needed)."""
    return [pid for pid, _, ppid, _ in processes() if ppid == parent]


def remove_tree(top: str) -> None:
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
