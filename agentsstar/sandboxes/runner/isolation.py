"""Namespaces: what the runner isolates itself in, once, before serving any job."""

from __future__ import annotations

import os
import signal

from .syscalls import (
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWUSER,
    PR_SET_PDEATHSIG,
    prctl,
    unshare,
)


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


def enter_namespaces(iso: Isolation) -> None:
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
            unshare(flags)
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
                unshare(flag)
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
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    iso.pid_ns = os.getpid() == 1
    if done & CLONE_NEWUSER:
        iso.uid_mode = "userns"


def can_switch_uid(uid: int) -> bool:
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
