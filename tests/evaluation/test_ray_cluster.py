"""``agentsstar eval --ray ADDRESS`` against a Ray head started on its own, as on a cluster.

The head is ``ray start --head`` in its own processes, on 127.0.0.1 only, with token
authentication on (the token in a file of the test's, as a cluster would hand it out);
each eval is a separate driver process given the address and the token. Nothing here
connects anywhere but 127.0.0.1: the head and every driver run with Ray's loopback
setting (``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``), without which Ray would rewrite
127.0.0.1 to the machine's network address.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import agentsstar
from agentsstar.testing import FakeOpenAIServer

from ..cli.drivers import start_driver, wait_for_rows
from ..cli.fake_model import reply
from ..cli.test_eval import EXPECTED, lines
from ..cli.test_run import EXAMPLES

pytest.importorskip("ray")

RAY = Path(sys.executable).with_name("ray")
REPO = Path(agentsstar.__file__).resolve().parents[1]
LOOPBACK = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
NO_MODEL = "http://127.0.0.1:9/v1"  # never reached: the eval is refused before it starts
RAY_SETTINGS = ("RAY_ADDRESS", "RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without any Ray setting of the caller's, plus ``extra``.

    Ray settings do turn up here: a ``ray.init()`` earlier in this process (the local
    runtime of test_ray.py) sets ``RAY_AUTH_MODE=token`` in its environment.
    """
    env = {k: v for k, v in os.environ.items() if k not in RAY_SETTINGS}
    return {**env, **LOOPBACK, **extra}


def cli(*args: str, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    """``agentsstar ARGS`` with exactly ``env`` (tests/cli's helper adds this one's)."""
    return subprocess.run(
        [sys.executable, "-m", "agentsstar", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(parent, []).append(int(entry))
    return tree


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _listening(pids: set[int]) -> list[str]:
    """The addresses TCP sockets of ``pids`` listen on."""
    inodes: set[str] = set()
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            cols = row.split()
            if cols[3] != "0A" or cols[9] not in inodes:  # 0A: LISTEN
                continue
            hexaddr = cols[1].split(":")[0]
            raw = b"".join(
                bytes.fromhex(hexaddr[i : i + 8])[::-1] for i in range(0, len(hexaddr), 8)
            )
            ip = ipaddress.ip_address(raw)
            if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
                ip = ip.ipv4_mapped
            found.append(str(ip))
    return found


@dataclass
class Head:
    """A head started by ``ray start``; its processes are told apart by its temp dir."""

    address: str
    token_file: Path
    temp_dir: Path

    @property
    def driver_env(self) -> dict[str, str]:
        """What a driver on a node of this cluster is given: the token, as its nodes."""
        return clean_env(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN_PATH=str(self.token_file))

    def pids(self) -> set[int]:
        tree = _children()
        # Each process ray start started names its session's log or socket directory.
        marker = f"{self.temp_dir}/session_".encode()
        todo = [
            int(e)
            for e in os.listdir("/proc")
            if e.isdigit() and int(e) != os.getpid() and marker in _cmdline(int(e))
        ]
        found: set[int] = set()
        while todo:
            pid = todo.pop()
            if pid not in found:
                found.add(pid)
                todo.extend(tree.get(pid, []))
        return found

    def worker_pids(self) -> list[int]:
        return sorted(p for p in self.pids() if b"ProblemWorker" in _cmdline(p))

    def wait_idle(self, seconds: float = 60) -> None:
        """Until no worker of an earlier driver is left (Ray stops them asynchronously)."""
        deadline = time.monotonic() + seconds
        while self.worker_pids() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert self.worker_pids() == []

    def stop(self) -> None:
        # Only this head's processes (and their children): never `ray stop`, which
        # would stop every Ray on the machine.
        for _ in range(3):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)


@pytest.fixture(scope="module")
def head() -> Iterator[Head]:
    # Short: Ray's Unix socket paths under it must fit in 107 bytes.
    temp_dir = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))
    token_file = temp_dir / "auth_token"
    token_file.write_text(secrets.token_hex(32))
    token_file.chmod(0o600)
    started = Head(f"127.0.0.1:{free_port()}", token_file, temp_dir)
    env = {
        **started.driver_env,
        # Workers import agentsstar from this checkout, as the drivers do.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    command = [
        str(RAY), "start", "--head", "--node-ip-address", "127.0.0.1",
        "--port", started.address.rsplit(":", 1)[1], "--num-cpus", "2",
        "--include-dashboard", "false", "--disable-usage-stats", "--temp-dir", str(temp_dir),
    ]  # fmt: skip
    try:
        proc = subprocess.run(
            command,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        listening = _listening(started.pids())
        assert listening and all(ipaddress.ip_address(a).is_loopback for a in listening), listening
        yield started
    finally:
        started.stop()
        shutil.rmtree(temp_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def slow_server() -> Iterator[FakeOpenAIServer]:
    # Slow enough that a kill lands while problems are in flight.
    with FakeOpenAIServer(reply=reply, delay=0.8) as srv:
        yield srv


def eval_args(base_url: str, run_dir: Path, *more: str) -> list[str]:
    return [
        "eval", str(EXAMPLES), "--run-dir", str(run_dir),
        "--model", "openai:fake-model", "--base-url", base_url,
        "-n", "2", "--rounds", "1", "-j", "2", *more,
    ]  # fmt: skip


@pytest.mark.timeout(300)
def test_an_eval_on_a_started_head_gives_the_verdicts_of_a_local_eval(
    head: Head, slow_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    local = cli(*eval_args(slow_server.base_url, tmp_path / "local"), env=clean_env(), timeout=180)
    assert local.returncode == 0, local.stderr
    on_ray = cli(
        *eval_args(slow_server.base_url, tmp_path / "ray", "--ray", head.address),
        env=head.driver_env,
        timeout=180,
    )
    assert on_ray.returncode == 0, on_ray.stderr
    assert "Connected to Ray cluster" in on_ray.stderr  # joined, did not start its own
    rows = lines(tmp_path / "ray")
    verdicts = {r["id"]: r["passed"] for r in rows}
    assert verdicts == {r["id"]: r["passed"] for r in lines(tmp_path / "local")} == EXPECTED
    assert all(r["error"] is None for r in rows)
    # Rows say where they ran: two worker processes of the head's.
    assert len({r["pid"] for r in rows}) == 2 and all(r["host"] for r in rows)


@pytest.mark.timeout(300)
def test_auto_takes_the_address_from_ray_address(
    head: Head, slow_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    proc = cli(
        *eval_args(
            slow_server.base_url, tmp_path / "auto", "--ids", "reverse-words", "--ray", "auto"
        ),
        env={**head.driver_env, "RAY_ADDRESS": head.address},
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"Using address {head.address} set in the environment" in proc.stderr
    assert [(r["id"], r["passed"]) for r in lines(tmp_path / "auto")] == [("reverse-words", True)]


@pytest.mark.timeout(300)
def test_a_worker_killed_mid_run_is_survived(
    head: Head, slow_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    head.wait_idle()  # the workers found below are this driver's
    run_dir, log = tmp_path / "ray", tmp_path / "driver.log"
    proc = start_driver(
        eval_args(slow_server.base_url, run_dir, "--ray", head.address), log, head.driver_env
    )
    try:
        wait_for_rows(run_dir, 1, proc, log)
        # Two problems are in flight, one on each worker: either one is lost with it.
        workers = head.worker_pids()
        assert len(workers) == 2, workers
        os.kill(workers[0], signal.SIGKILL)
        time.sleep(1)  # rows of results it returned before it died are saved by now
        before = len(lines(run_dir))
        assert proc.wait(timeout=180) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    out = log.read_text()
    assert "worker lost; retrying elsewhere" in out, out
    rows = lines(run_dir)
    assert len({r["id"] for r in rows}) == len(rows) == len(EXPECTED)
    assert {r["id"]: r["passed"] for r in rows} == EXPECTED
    assert all(r["error"] is None for r in rows), [r["error"] for r in rows]
    assert workers[0] not in {r["pid"] for r in rows[before:]}  # nothing ran on it afterwards


@pytest.mark.timeout(300)
def test_a_driver_killed_mid_run_is_resumed_on_the_same_head(
    head: Head, slow_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    head.wait_idle()
    run_dir, log = tmp_path / "ray", tmp_path / "driver.log"
    proc = start_driver(
        eval_args(slow_server.base_url, run_dir, "--ray", head.address), log, head.driver_env
    )
    try:
        wait_for_rows(run_dir, 1, proc, log)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # kill -9 of the driver (its own session)
        proc.wait(timeout=30)
    finished = lines(run_dir)
    assert 1 <= len(finished) < len(EXPECTED), "the kill should land mid-run"
    resumed = cli(
        "eval", "--resume", str(run_dir), "--ray", head.address, env=head.driver_env, timeout=180
    )
    assert resumed.returncode == 0, resumed.stderr
    final = lines(run_dir)
    assert len({r["id"] for r in final}) == len(final) == len(EXPECTED)  # each exactly once
    assert {r["id"]: r["passed"] for r in final} == EXPECTED
    assert final[: len(finished)] == finished  # what was finished was kept, not redone
    # The killed driver's workers went with its job; the resumed run stopped its own.
    head.wait_idle()


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("auth", "says"),
    [
        ({}, "requires an auth token and this process sends none"),
        (
            {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": "0" * 64},
            "rejected this process's auth token",
        ),
    ],
    ids=["no-token", "wrong-token"],
)
def test_a_driver_without_the_token_is_refused_in_one_line(
    head: Head, tmp_path: Path, auth: dict[str, str], says: str
) -> None:
    run_dir = tmp_path / "refused"
    proc = cli(
        *eval_args(NO_MODEL, run_dir, "--ray", head.address),
        env=clean_env(**auth),
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith(f"error: --ray {head.address}: the Ray cluster at {head.address} {says}")
    assert "RAY_AUTH_MODE=token" in line and "RAY_AUTH_TOKEN_PATH" in line
    assert not run_dir.exists()  # refused before anything was written


@pytest.mark.timeout(60)
def test_an_address_nothing_answers_at_is_refused_in_one_line(tmp_path: Path) -> None:
    address = f"127.0.0.1:{free_port()}"  # nothing listens there any more
    run_dir = tmp_path / "none"
    started = time.monotonic()
    proc = cli(*eval_args(NO_MODEL, run_dir, "--ray", address), env=clean_env(), timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"error: --ray {address}: nothing answers at {address} (Connection refused); "
        "is the head started (`ray start --head`)?"
    ]
    assert not run_dir.exists()
    assert time.monotonic() - started < 30  # not Ray's minutes of retrying


def test_a_loopback_address_ray_rewrote_gets_a_hint() -> None:
    from agentsstar.evaluation.ray_runner import _loopback_hint

    # Ray dials the machine's address for 127.0.0.1 unless told the head is loopback-only.
    hint = _loopback_hint("127.0.0.1:6379", "192.0.2.2")
    assert "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0" in hint and "192.0.2.2" in hint
    assert _loopback_hint("127.0.0.1:6379", "127.0.0.1") == ""
    assert _loopback_hint("10.0.0.5:6379", "10.0.0.5") == ""
