"""Hostile programs against the real ``LocalSandbox``.

Each test runs a program that tries one thing the sandbox must stop, and checks two
things: the verdict (or the grade, when grading is what the program attacks), and
that the thing did not happen — no file outside the program's directory, no process
left behind, no secret in the output, no connection accepted. Controls check that
honest programs doing similar-looking things are accepted.

Tests whose failure could harm this machine (signalling every process, a fork bomb,
reading other processes' environments) are skipped unless the sandbox reports the
isolation they rely on (``LocalSandbox.isolation``). Behaviours already covered in
``test_local.py`` (an infinite loop, swallowed SIGTERM, a memory hog, a stdout flood,
env secrets via ``os.environ``, a fresh directory per input, a daemonised ``sleep``)
are not repeated here.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
import pytest

import agentsstar
from agentsstar.grading import run_tests
from agentsstar.problem import Problem, TestCase
from agentsstar.records import TestOutcome
from agentsstar.sandboxes import Limits, LocalSandbox, Program, Verdict

from .conftest import pids_running, procs_named

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]

LIMITS = Limits(time_s=1.0, memory_mb=128, output_bytes=10_000)
PROJECT = Path(agentsstar.__file__).resolve().parents[1]


def stdin(code: str) -> Program:
    return Program(code=textwrap.dedent(code), kind="stdin")


# Prepended to programs that list /tmp: when the interpreter itself lives under /tmp
# (a CI virtualenv), the sandbox re-exposes it there read-only, and it is not a
# leftover of any run. ``own(path)`` is False for it and the directories above it.
OWN_FILES = """\
import os as _os, sys as _sys
_KEPT = {_p for _p in (_sys.prefix, *_sys.path) if _p.startswith('/tmp/')}
def own(path):
    path = _os.path.abspath(path)
    return not any(_k == path or _k.startswith(path.rstrip('/') + '/') for _k in _KEPT)
def walk_own(root):
    for dirpath, dirs, files in _os.walk(root):
        dirs[:] = [d for d in dirs if own(_os.path.join(dirpath, d))]
        yield dirpath, dirs, files
"""


def stdin_listing(code: str) -> Program:
    """A stdin program that may use ``own`` and ``walk_own`` (see ``OWN_FILES``)."""
    return Program(code=OWN_FILES + textwrap.dedent(code), kind="stdin")


def function(code: str, entry: str = "f") -> Program:
    return Program(code=textwrap.dedent(code), kind="function", entry_point=entry)


async def run1(box: LocalSandbox, program: Program, limits: Limits = LIMITS) -> Any:
    [r] = await box.run(program, [[]] if program.kind == "function" else [""], limits)
    return r


@pytest.fixture
async def iso(sandbox: LocalSandbox) -> dict[str, Any]:
    """What the sandbox enforces on this machine (one trivial run to find out)."""
    await run1(sandbox, stdin("pass\n"))
    assert sandbox.isolation is not None
    return sandbox.isolation


def require(iso: dict[str, Any], *features: str) -> None:
    """Skip unless every named isolation feature is in place."""
    for feature in features:
        have = iso.get("uid") in ("separate", "userns") if feature == "uid" else iso.get(feature)
        if feature == "nproc":
            have = iso.get("uid") == "separate"
        if not have:
            pytest.skip(f"the sandbox cannot enforce {feature} on this machine")


def name_marker() -> str:
    """A unique process name (``comm``, at most 15 bytes) a candidate can take."""
    return "hx" + secrets.token_hex(6)


# A candidate renames itself (and, inherited, its children) so the test can find it.
SET_COMM = "import ctypes\nctypes.CDLL(None).prctl(15, {name!r}.encode(), 0, 0, 0)\n"


def function_problem(tests: list[tuple[list[Any], Any]], **kw: Any) -> Problem:
    return Problem(
        id="hostile",
        prompt="hostile",
        kind="function",
        entry_point="f",
        public_tests=tuple(TestCase(input=i, output=o) for i, o in tests),
        time_limit_s=1.0,
        memory_limit_mb=128,
        **kw,
    )


ADD_PROBLEM = Problem(
    id="add",
    prompt="add",
    kind="stdin",
    public_tests=(
        TestCase(input="1 2\n", output="3"),
        TestCase(input="40 2\n", output="42"),
        TestCase(input="5 5\n", output="10"),
    ),
    time_limit_s=1.0,
    memory_limit_mb=128,
)


def grades(outcomes: list[TestOutcome]) -> list[str]:
    return [o.grade for o in outcomes]


@pytest.fixture
def outside_file() -> Iterator[Path]:
    """A path in the project directory that no program may create."""
    path = PROJECT / f".hostile-{secrets.token_hex(6)}"
    yield path
    path.unlink(missing_ok=True)


# --- controls: honest programs are accepted --------------------------------------------
async def test_control_stdin_program_is_accepted(sandbox: LocalSandbox) -> None:
    code = "a, b = map(int, input().split())\nprint(a + b)\n"
    outcomes = await run_tests(sandbox, ADD_PROBLEM, code, ADD_PROBLEM.public_tests)
    assert grades(outcomes) == ["accepted"] * 3


async def test_control_function_program_is_accepted(sandbox: LocalSandbox) -> None:
    problem = function_problem([([[2, 7, 11, 15], 9], [0, 1]), ([[3, 2, 4], 6], [1, 2])])
    code = textwrap.dedent(
        """
        def f(nums: List[int], target: int) -> List[int]:
            seen = {}
            for i, x in enumerate(nums):
                if target - x in seen:
                    return [seen[target - x], i]
                seen[x] = i
        """
    )
    outcomes = await run_tests(sandbox, problem, code, problem.public_tests)
    assert grades(outcomes) == ["accepted", "accepted"]


async def test_control_numpy_and_threads_work_under_the_memory_limit(
    sandbox: LocalSandbox,
) -> None:
    # The memory limit must not break numpy/OpenBLAS start-up or ordinary threads.
    code = """
        import numpy as np
        from concurrent.futures import ThreadPoolExecutor
        a = (np.arange(40_000) % 7).reshape(200, 200).astype(np.float64)
        b = np.zeros((4_000_000,))  # 32 MB
        with ThreadPoolExecutor(4) as pool:
            sums = list(pool.map(lambda k: k * k, range(8)))
        print(int((a @ a).trace()), b.size, sum(sums))
    """
    # 256 MB, the default: address space, of which numpy's import takes ~80 MB.
    r = await run1(sandbox, stdin(code), Limits(time_s=5.0, memory_mb=256))
    assert r.verdict is Verdict.OK, r
    a = [[(i * 200 + j) % 7 for j in range(200)] for i in range(200)]
    trace = sum(a[i][k] * a[k][i] for i in range(200) for k in range(200))
    assert r.stdout == f"{trace} 4000000 140\n"


async def test_control_files_in_own_directory_tmp_and_home(sandbox: LocalSandbox) -> None:
    code = """
        import os, tempfile
        paths = ['here.txt', '/tmp/t.txt', os.path.join(os.environ['HOME'], 'h.txt'),
                 os.path.join(tempfile.gettempdir(), 'tt.txt')]
        for p in paths:
            with open(p, 'w') as f:
                f.write(p)
        print(all(open(p).read() == p for p in paths))
    """
    r = await run1(sandbox, stdin(code))
    assert r.verdict is Verdict.OK and r.stdout == "True\n", r


async def test_control_subprocess_and_deep_recursion_are_allowed(sandbox: LocalSandbox) -> None:
    code = """
        import subprocess, sys
        sys.setrecursionlimit(20_000)
        def depth(n):
            return 0 if n == 0 else 1 + depth(n - 1)
        out = subprocess.run([sys.executable, '-c', 'print(6 * 7)'], capture_output=True, text=True)
        print(out.stdout.strip(), depth(10_000))
    """
    r = await run1(sandbox, stdin(code), Limits(time_s=5.0, memory_mb=128))
    assert r.verdict is Verdict.OK and r.stdout == "42 10000\n", r


async def test_control_output_exactly_at_the_cap_is_not_a_limit(sandbox: LocalSandbox) -> None:
    code = f"import sys\nsys.stdout.write('y' * {LIMITS.output_bytes})\n"
    r = await run1(sandbox, stdin(code))
    assert r.verdict is Verdict.OK and len(r.stdout) == LIMITS.output_bytes


# --- filesystem -------------------------------------------------------------------------
async def test_cannot_write_into_the_project(
    sandbox: LocalSandbox, iso: dict[str, Any], outside_file: Path
) -> None:
    require(iso, "mount_ns")
    r = await run1(sandbox, stdin(f"open({str(outside_file)!r}, 'w').write('pwned')\n"))
    assert r.verdict is Verdict.RUNTIME_ERROR
    # Read-only (OSError: EROFS), or not even visible when the project lives under
    # /tmp, which the sandbox replaces with its own.
    assert (r.error or "").startswith(("OSError", "PermissionError", "FileNotFoundError")), r.error
    assert not outside_file.exists()


async def test_cannot_read_or_write_the_users_home(
    sandbox: LocalSandbox, iso: dict[str, Any]
) -> None:
    require(iso, "mount_ns")
    home = Path.home()
    secret_file = home / f".hostile-secret-{secrets.token_hex(6)}"
    planted = home / f".hostile-planted-{secrets.token_hex(6)}"
    secret = "s3cret-" + secrets.token_hex(8)
    secret_file.write_text(secret)
    try:
        code = f"""
            import os
            for p in ({str(planted)!r},):
                try:
                    open(p, 'w').write('pwned')
                except OSError as e:
                    print('write blocked', type(e).__name__)
            print(sorted(os.listdir({str(home)!r})))
            print(open({str(secret_file)!r}).read())
        """
        r = await run1(sandbox, stdin(code))
    finally:
        secret_file.unlink()
    assert r.verdict is Verdict.RUNTIME_ERROR
    assert (r.error or "").startswith(("FileNotFoundError", "PermissionError")), r.error
    assert "write blocked" in r.stdout
    assert secret not in r.stdout + r.stderr and secret_file.name not in r.stdout
    assert not planted.exists()


async def test_writes_to_tmp_and_shm_stay_private(
    sandbox: LocalSandbox, iso: dict[str, Any]
) -> None:
    require(iso, "mount_ns")
    name = f"hostile-{secrets.token_hex(6)}"
    targets = [f"/tmp/{name}", f"/dev/shm/{name}", f"/var/tmp/{name}"]
    code = f"""
        for p in {targets!r}:
            try:
                open(p, 'w').write('x')
                print('wrote', p)
            except OSError as e:
                print('blocked', p)
    """
    r = await run1(sandbox, stdin(code))
    assert r.verdict is Verdict.OK
    # Its own /tmp and /dev/shm are writable, /var/tmp is not; none is the host's.
    assert f"wrote /tmp/{name}" in r.stdout and f"blocked /var/tmp/{name}" in r.stdout
    assert not any(os.path.exists(p) for p in targets)


async def test_nothing_written_survives_into_the_next_input(
    sandbox: LocalSandbox, iso: dict[str, Any]
) -> None:
    require(iso, "mount_ns")  # without it, /tmp is the host's (see docs/sandboxes.md)
    code = """
        import os
        if input() == 'write':
            open('cwd.txt', 'w').write('x')
            open('/tmp/left.txt', 'w').write('x')
            open('/dev/shm/left.txt', 'w').write('x')
            os.makedirs('/tmp/dir/sub', exist_ok=True)
            os.symlink('/etc/passwd', '/tmp/link')
            print('written')
        else:
            names = set()
            for root in ('/tmp', '/dev/shm'):
                for dirpath, dirs, files in walk_own(root):
                    names.update(dirs + files)
            names.discard(os.path.basename(os.getcwd()))
            print(sorted(names), os.listdir('.'))
    """
    results = await sandbox.run(stdin_listing(code), ["write\n", "look\n"], LIMITS)
    assert [r.verdict for r in results] == [Verdict.OK, Verdict.OK]
    assert results[1].stdout == "[] []\n"


async def test_deep_directory_chain_does_not_break_the_harness(sandbox: LocalSandbox) -> None:
    # Found by this suite: shutil.rmtree (recursive before Python 3.13) raised
    # RecursionError on the clean-up of a 3,000-deep chain and took the runner down,
    # so the program's inputs came back as sandbox_error (not counted against it).
    code = """
        import os
        if input() == 'dig':
            for _ in range(3000):
                os.mkdir('d')
                os.chdir('d')
            print('dug')
        else:
            print(len([n for n in os.listdir('..') if own('../' + n)]), os.listdir('.'))
    """
    results = await sandbox.run(stdin_listing(code), ["dig\n", "look\n"], Limits(time_s=5.0))
    assert [r.verdict for r in results] == [Verdict.OK, Verdict.OK], results
    assert results[0].stdout == "dug\n"
    assert results[1].stdout == "1 []\n"  # only its own, empty directory is left


async def test_cannot_see_a_concurrent_runs_files(
    sandbox: LocalSandbox, iso: dict[str, Any]
) -> None:
    require(iso, "mount_ns")
    name = f"hostile-{secrets.token_hex(6)}"
    writer = stdin(
        f"""
        import time
        open('/tmp/{name}', 'w').write('x')
        open('{name}', 'w').write('x')
        time.sleep(0.8)
        """
    )
    reader = stdin_listing(
        """
        import os, time
        time.sleep(0.3)
        seen = []
        for root in ('/tmp', '/dev/shm', '..'):
            for dirpath, dirs, files in walk_own(root):
                seen += files
        print(sorted(seen))
        """
    )
    out: dict[str, Any] = {}

    async def go(key: str, prog: Program) -> None:
        [out[key]] = await sandbox.run(prog, [""], LIMITS)

    async with anyio.create_task_group() as tg:  # two runners, side by side
        tg.start_soon(go, "w", writer)
        tg.start_soon(go, "r", reader)
    assert out["w"].verdict is Verdict.OK and out["r"].verdict is Verdict.OK
    assert name not in out["r"].stdout


async def test_file_size_is_limited(sandbox: LocalSandbox) -> None:
    code = """
        chunk = b'x' * (1 << 20)
        with open('big.bin', 'wb') as f:
            for _ in range(100):
                f.write(chunk)
                f.flush()
    """
    r = await run1(sandbox, stdin(code), Limits(time_s=5.0, memory_mb=128))
    assert r.verdict is Verdict.RUNTIME_ERROR
    assert "File too large" in (r.error or ""), r.error


async def test_open_files_are_limited(sandbox: LocalSandbox) -> None:
    code = """
        import os
        held = []
        try:
            for _ in range(100_000):
                held.append(os.open('/dev/null', os.O_RDONLY))
        finally:
            print(len(held))
    """
    r = await run1(sandbox, stdin(code))
    assert r.verdict is Verdict.RUNTIME_ERROR
    assert "Too many open files" in (r.error or "") and int(r.stdout) < 256


async def test_core_dumps_are_off(sandbox: LocalSandbox) -> None:
    code = """
        import os, resource
        try:
            resource.setrlimit(resource.RLIMIT_CORE, (-1, -1))
            print('raised')
        except (ValueError, OSError):
            print('raise refused', flush=True)
        pid = os.fork()
        if pid == 0:
            os.abort()
        _, status = os.waitpid(pid, 0)
        print(os.WTERMSIG(status) == 6, os.WCOREDUMP(status),
              [n for n in os.listdir('.') if n.startswith('core')], flush=True)
        os.abort()
    """
    r = await run1(sandbox, stdin(code))
    assert r.verdict is Verdict.RUNTIME_ERROR and r.error == "killed by signal SIGABRT"
    assert r.stdout == "raise refused\nTrue False []\n"


# --- processes --------------------------------------------------------------------------
async def test_fork_bomb_is_bounded_and_leaves_nothing(
    sandbox: LocalSandbox, iso: dict[str, Any]
) -> None:
    require(iso, "nproc", "pid_ns")
    name = name_marker()
    code = (
        SET_COMM.format(name=name)
        + """
import os, time
n = 0
try:
    while n < 10_000:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        n += 1
except OSError as e:
    print('stopped', type(e).__name__, n)
"""
    )
    r = await run1(sandbox, stdin(code), Limits(time_s=5.0, memory_mb=128))
    assert r.verdict is Verdict.OK, r
    word, exc, count = r.stdout.split()
    assert word == "stopped" and exc == "BlockingIOError" and int(count) < 64
    assert procs_named(name) == []


async def test_respawning_daemon_is_killed(sandbox: LocalSandbox, iso: dict[str, Any]) -> None:
    # A daemon that keeps forking a successor and exiting has a new pid every moment;
    # only a namespace-wide kill is sure to catch it.
    require(iso, "pid_ns")
    name = name_marker()
    code = (
        SET_COMM.format(name=name)
        + """
import os, signal, time
for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
    signal.signal(s, signal.SIG_IGN)
if os.fork() == 0:
    os.setsid()
    while True:
        if os.fork():
            os._exit(0)
        time.sleep(0.001)
print('daemon started')
"""
    )
    results = await sandbox.run(stdin(code), ["", ""], LIMITS)
    assert [r.verdict for r in results] == [Verdict.OK, Verdict.OK]
    assert procs_named(name) == []


async def test_a_lingering_daemon_cannot_touch_the_next_input(sandbox: LocalSandbox) -> None:
    name = name_marker()
    code = (
        SET_COMM.format(name=name)
        + """
import glob, os, time
if input() == 'plant':
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            for _ in range(300):
                for d in glob.glob('/tmp/*/') + glob.glob('/tmp/agentsstar-run-*/*/'):
                    try:
                        open(os.path.join(d, 'planted.txt'), 'w').write('x')
                    except OSError:
                        pass
                time.sleep(0.01)
        os._exit(0)
    print('planted')
else:
    time.sleep(0.3)
    print(os.listdir('.'))
"""
    )
    results = await sandbox.run(stdin(code), ["plant\n", "look\n"], LIMITS)
    assert [r.stdout for r in results] == ["planted\n", "[]\n"]
    assert procs_named(name) == []


async def test_signals_to_the_runner_and_everyone_change_nothing(
    sandbox: LocalSandbox, iso: dict[str, Any]
) -> None:
    # kill(-1) would reach every process this uid may signal: only with a PID
    # namespace (and a uid of its own) is it safe to try.
    require(iso, "pid_ns", "uid")
    code = """
        import os, signal
        for target in (os.getppid(), 1, -1):
            for sig in (signal.SIGSTOP, signal.SIGTERM, signal.SIGKILL):
                try:
                    os.kill(target, sig)
                except OSError:
                    pass
        print('still here', input())
    """
    inputs = [f"{i}\n" for i in range(4)]
    results = await sandbox.run(stdin(code), inputs, LIMITS)
    assert [r.verdict for r in results] == [Verdict.OK] * 4
    assert [r.stdout for r in results] == [f"still here {i}\n" for i in range(4)]
    [again] = await sandbox.run(stdin("print('next job')\n"), [""], LIMITS)
    assert again.stdout == "next job\n"


async def test_secrets_in_other_processes_are_out_of_reach(
    iso: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    require(iso, "pid_ns")
    secret = "sk-hostile-" + secrets.token_hex(8)
    monkeypatch.setenv("AGENTSSTAR_TEST_SECRET", secret)
    code = """
        import os
        seen = []
        for pid in os.listdir('/proc'):
            for part in ('environ', 'cmdline'):
                try:
                    seen.append(open(f'/proc/{pid}/{part}', 'rb').read())
                except OSError:
                    pass
        for fd in range(64):
            try:
                seen.append(open(f'/proc/1/fd/{fd}', 'rb').read(4096))
            except OSError:
                pass
        blob = b'\\n'.join(seen).decode('utf-8', 'replace')
        print(blob)
    """
    async with LocalSandbox(max_workers=1) as box:  # started with the secret set
        r = await run1(box, stdin(code), Limits(time_s=2.0, output_bytes=1 << 20))
    assert r.verdict is Verdict.OK
    assert secret not in r.stdout and secret not in r.stderr


# --- the harness cannot be fooled -------------------------------------------------------
async def test_fake_result_lines_on_stdout_are_just_output(sandbox: LocalSandbox) -> None:
    fake = (
        '{"op": "result", "index": 1, "verdict": "ok", "stdout": "42\\\\n", '
        '"stderr": "", "exit_code": 0, "seconds": 0.0, "value": null, "error": null}'
    )
    code = f"""
        import sys
        print({fake!r})
        print('{{"op": "done"}}')
        print('{{"exit": 0, "value": "42"}}', file=sys.stderr)
        print(0)
    """
    outcomes = await run_tests(
        sandbox, ADD_PROBLEM, textwrap.dedent(code), ADD_PROBLEM.public_tests
    )
    assert grades(outcomes) == ["wrong_answer"] * 3


async def test_writing_fake_results_to_every_fd_changes_nothing(sandbox: LocalSandbox) -> None:
    code = """
        import os
        line = b'{"op": "result", "index": 0, "verdict": "ok", "stdout": "3"}\\n{"op": "done"}\\n'
        for fd in range(3, 1024):
            try:
                os.write(fd, line)
            except OSError:
                pass
        print(-1)
    """
    outcomes = await run_tests(
        sandbox, ADD_PROBLEM, textwrap.dedent(code), ADD_PROBLEM.public_tests
    )
    assert grades(outcomes) == ["wrong_answer"] * 3


async def test_forged_setup_failure_is_the_programs_own_error(sandbox: LocalSandbox) -> None:
    # Found by this suite: the child's set-up errors shared fd 3 with the value, so
    # a program could write {"setup_error": ...} there and turn its failure into a
    # sandbox_error, which is never counted against a program.
    code = """
        import os
        def f(x):
            os.write(3, b'{"setup_error": "not my fault"}\\n')
            os._exit(1)
    """
    problem = function_problem([([1], 1), ([2], 2)])
    outcomes = await run_tests(sandbox, problem, textwrap.dedent(code), problem.public_tests)
    assert grades(outcomes) == ["runtime_error", "runtime_error"]
    assert all("not my fault" not in (o.error or "") for o in outcomes)


async def test_forged_value_before_raising_is_not_accepted(sandbox: LocalSandbox) -> None:
    code = """
        import os
        def f(x):
            os.write(3, b'{"exit": 0, "value": "[1, 2, 3]"}\\n')
            raise ValueError('gave up')
    """
    problem = function_problem([([1], [1, 2, 3])])
    [outcome] = await run_tests(sandbox, problem, textwrap.dedent(code), problem.public_tests)
    assert outcome.grade == "runtime_error" and (outcome.error or "").startswith("ValueError")


async def test_malformed_private_message_does_not_break_grading(sandbox: LocalSandbox) -> None:
    # Found by this suite: non-string fields written to fd 3 reached ExecResult and
    # crashed grading (TestOutcome.error must be a string).
    code = """
        import os
        def f(x):
            os.write(3, b'{"error": {"nested": [1]}, "value": 7, "memory": "yes"}\\n')
            os._exit(3)
    """
    problem = function_problem([([1], 1)])
    [outcome] = await run_tests(sandbox, problem, textwrap.dedent(code), problem.public_tests)
    assert outcome.grade == "runtime_error" and outcome.error == "exit code 3"


async def test_monkeypatched_json_and_builtins_cannot_fake_a_value(
    sandbox: LocalSandbox,
) -> None:
    code = """
        import builtins, json, json.encoder, _json
        def f(x):
            fake = lambda *a, **k: '[1, 2, 3]'
            json.dumps = fake
            json.JSONEncoder.encode = lambda self, o: '[1, 2, 3]'
            json.encoder.c_make_encoder = None
            _json.make_encoder = lambda *a, **k: (lambda o, i: ['[1, 2, 3]'])
            _json.encode_basestring_ascii = fake
            builtins.repr = builtins.str = fake
            builtins.isinstance = lambda *a: True
            builtins.type = lambda *a: list
            return [0]
    """
    problem = function_problem([([1], [1, 2, 3])])
    [outcome] = await run_tests(sandbox, problem, textwrap.dedent(code), problem.public_tests)
    assert outcome.grade == "wrong_answer" and outcome.actual == "[0]"


async def test_objects_with_lying_dunder_methods_are_wrong_answers(
    sandbox: LocalSandbox,
) -> None:
    # No comparison runs in the child: the value travels as the JSON that json.dumps
    # would write (real contents of int/float/str subclasses; a list subclass's own
    # iteration) and the harness compares that text. An __iter__ that yields the
    # right answer needs the answer, so it is no way around the tests.
    code = """
        class L(list):
            __eq__ = lambda self, other: True
            __ne__ = lambda self, other: False
            __repr__ = __str__ = lambda self: '[1, 2, 3]'
        class I(int):
            __eq__ = lambda self, other: True
            __repr__ = __str__ = __format__ = lambda self, *a: '3'
        class F(float):
            __eq__ = lambda self, other: True
            __repr__ = __str__ = lambda self: '3.0'
        class S(str):
            __eq__ = lambda self, other: True
            __str__ = __repr__ = lambda self: 'right'
        def f(k):
            return [L(), I(0), F(0.5), S('wrong')][k]
    """
    problem = function_problem([([0], [1, 2, 3]), ([1], 3), ([2], 3.0), ([3], "right")])
    outcomes = await run_tests(sandbox, problem, textwrap.dedent(code), problem.public_tests)
    assert grades(outcomes) == ["wrong_answer"] * 4
    assert [o.actual for o in outcomes] == ["[]", "0", "0.5", '"wrong"']


async def test_replacing_stdout_with_the_value_channel_fakes_nothing(
    sandbox: LocalSandbox,
) -> None:
    code = """
        import os, sys
        def f(x):
            os.dup2(3, 1)
            print('{"exit": 0, "value": "[1, 2, 3]"}', flush=True)
            return [0]
    """
    problem = function_problem([([1], [1, 2, 3])])
    [outcome] = await run_tests(sandbox, problem, textwrap.dedent(code), problem.public_tests)
    assert outcome.grade == "wrong_answer" and outcome.actual == "[0]"


async def test_closing_stdout_and_stderr_does_not_stall_or_break_the_batch(
    sandbox: LocalSandbox,
) -> None:
    code = """
        import os, sys
        n = input()
        if n == '0':
            os.close(1)
            os.close(2)
            sys.stdout = open(os.devnull, 'w')
        elif n == '1':
            print('half', flush=True)
            os.close(1)
            os.open('/dev/null', os.O_WRONLY)  # takes fd 1
            print('into the void')
        else:
            print('normal')
    """
    results = await sandbox.run(stdin(code), ["0\n", "1\n", "2\n"], LIMITS)
    assert [r.verdict for r in results] == [Verdict.OK] * 3
    assert [r.stdout for r in results] == ["", "half\n", "normal\n"]


async def test_os_exit_is_not_a_crash_of_the_harness(sandbox: LocalSandbox) -> None:
    code = """
        import os, sys
        a, b = map(int, input().split())
        if a == 1:
            print(a + b)   # buffered, then lost: exactly what CPython does
            os._exit(0)
        if a == 40:
            print(a + b, flush=True)
            os._exit(0)
        print(a + b)
        os._exit(7)
    """
    outcomes = await run_tests(
        sandbox, ADD_PROBLEM, textwrap.dedent(code), ADD_PROBLEM.public_tests
    )
    assert grades(outcomes) == ["wrong_answer", "accepted", "runtime_error"]
    assert outcomes[2].error == "exit code 7"


async def test_runtime_errors_name_the_exception_whatever_it_does(sandbox: LocalSandbox) -> None:
    programs = {
        "raise ValueError('\\ud800 lone surrogate')\n": "ValueError: \\ud800 lone surrogate",
        "class E(Exception):\n    def __str__(self):\n        raise RuntimeError\nraise E()\n": (
            "E"
        ),
        "class MemoryError(Exception):\n    pass\nraise MemoryError('fake')\n": (
            "MemoryError: fake"
        ),
    }
    for code, error in programs.items():
        r = await run1(sandbox, stdin(code))
        assert r.verdict is Verdict.RUNTIME_ERROR and r.error == error, (code, r)


# --- time -------------------------------------------------------------------------------
async def test_busy_threads_and_busy_grandchildren_time_out(
    sandbox: LocalSandbox, marker: str
) -> None:
    name = name_marker()
    threads = """
        import threading
        def spin():
            while True:
                pass
        for _ in range(4):
            threading.Thread(target=spin, daemon=True).start()
        spin()
    """
    grandchild = SET_COMM.format(name=name) + "import os\nif os.fork() == 0:\n    while True:\n"
    grandchild += "        pass\nos.wait()\n"
    for code in (textwrap.dedent(threads), grandchild):
        r = await run1(sandbox, stdin(code), Limits(time_s=0.5, memory_mb=128))
        assert r.verdict is Verdict.TIME_LIMIT, r
    assert procs_named(name) == []


async def test_a_stalled_first_attempt_is_retried_once(sandbox: LocalSandbox) -> None:
    """A wall-clock timeout without the CPU to show for it (here: the process is
    stopped from outside, as a loaded machine would starve it) is re-run once; only
    a second timeout stands."""
    name = name_marker()
    # The handler is in place before the process takes the name the test looks for.
    code = (
        textwrap.dedent(
            """
        import signal, time
        go = []
        signal.signal(signal.SIGUSR1, lambda *a: go.append(1))
        """
        )
        + SET_COMM.format(name=name)
        + textwrap.dedent(
            """
        while not go:
            time.sleep(0.005)
        print('finished')
        """
        )
    )

    async def starve(times: int) -> None:
        """SIGSTOP the first ``times`` attempts; let the next one go."""
        seen: set[int] = set()
        while True:
            for pid in await anyio.to_thread.run_sync(procs_named, name):
                if pid in seen:
                    continue
                seen.add(pid)
                os.kill(pid, signal.SIGSTOP if len(seen) <= times else signal.SIGUSR1)
                if len(seen) > times:
                    return
            await anyio.sleep(0.005)

    async def run_it(result: list[Any], scope: anyio.CancelScope) -> None:
        result.append(await run1(sandbox, stdin(code), Limits(time_s=0.5)))
        scope.cancel()  # the starver may still be waiting for an attempt to come

    for stalls, verdict in ((1, Verdict.OK), (2, Verdict.TIME_LIMIT)):
        result: list[Any] = []
        async with anyio.create_task_group() as tg:
            tg.start_soon(starve, stalls)
            tg.start_soon(run_it, result, tg.cancel_scope)
        [r] = result
        assert r.verdict is verdict, (stalls, r)
        assert r.stdout == ("finished\n" if verdict is Verdict.OK else "")
    assert procs_named(name) == []


# --- memory -----------------------------------------------------------------------------
async def test_memory_limit_in_functions_and_numpy(sandbox: LocalSandbox) -> None:
    code = """
        import numpy as np
        def f(how):
            if how == 'list':
                return len([0] * (10 ** 9))
            return int(np.ones((20_000, 20_000)).sum())
    """
    problem = function_problem([(["list"], 0), (["numpy"], 0)])
    outcomes = await run_tests(sandbox, problem, textwrap.dedent(code), problem.public_tests)
    assert grades(outcomes) == ["memory_limit", "memory_limit"]


async def test_threads_beyond_the_memory_limit_are_a_memory_limit(
    sandbox: LocalSandbox,
) -> None:
    # Found by this suite: a thread whose stack no longer fits under the limit made
    # "RuntimeError: can't start new thread", reported as a runtime_error.
    code = """
        import threading
        stop = threading.Event()
        for _ in range(1000):
            threading.Thread(target=stop.wait, daemon=True).start()
    """
    r = await run1(sandbox, stdin(code), Limits(time_s=5.0, memory_mb=64))
    assert r.verdict is Verdict.MEMORY_LIMIT and r.error == "RuntimeError: can't start new thread"


# --- output -----------------------------------------------------------------------------
async def test_huge_writes_are_capped_and_say_which_stream(sandbox: LocalSandbox) -> None:
    stdout_once = "import os\nos.write(1, b'x' * 50_000_000)\n"
    stderr_flood = "import sys\nwhile True:\n    sys.stderr.write('e' * 65536)\n"
    r = await run1(sandbox, stdin(stdout_once))
    assert r.verdict is Verdict.OUTPUT_LIMIT and r.error == "stdout exceeded the output cap"
    assert len(r.stdout) == LIMITS.output_bytes
    r = await run1(sandbox, stdin(stderr_flood), Limits(time_s=5.0, output_bytes=10_000))
    assert r.verdict is Verdict.OUTPUT_LIMIT and r.error == "stderr exceeded the output cap"
    assert len(r.stderr) <= 2048


async def test_huge_return_value_is_an_output_limit(sandbox: LocalSandbox) -> None:
    r = await run1(sandbox, function("def f():\n    return 'z' * 10**6\n"))
    assert r.verdict is Verdict.OUTPUT_LIMIT and r.error == "return value exceeded the output cap"
    assert r.value is None


async def test_grandchild_flooding_after_the_child_exits_is_capped(
    sandbox: LocalSandbox,
) -> None:
    name = name_marker()
    code = SET_COMM.format(name=name) + textwrap.dedent(
        """
        import os
        if os.fork() == 0:
            os.setsid()
            while True:
                os.write(1, b'g' * 65536)
        print('parent done', flush=True)
        """
    )
    r = await run1(sandbox, stdin(code))
    assert r.verdict in (Verdict.OK, Verdict.OUTPUT_LIMIT)
    assert len(r.stdout) <= LIMITS.output_bytes
    assert procs_named(name) == []


# --- network ----------------------------------------------------------------------------
def _host_address() -> str | None:
    """This machine's address on its default route, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet is sent
            addr: str = s.getsockname()[0]
        except OSError:
            return None
    return None if addr.startswith("127.") else addr


async def test_no_tcp_connection_reaches_the_host(
    sandbox: LocalSandbox, iso: dict[str, Any]
) -> None:
    require(iso, "net_ns")
    accepted: list[str] = []
    listener = await anyio.create_tcp_listener(local_host="0.0.0.0", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    targets = ["127.0.0.1"] + [a for a in [_host_address()] if a]

    async def handle(stream: anyio.abc.SocketStream) -> None:
        accepted.append("connection")
        await stream.aclose()

    code = f"""
        import socket
        for host in {targets!r}:
            try:
                socket.create_connection((host, {port}), timeout=0.3).close()
                print('connected', host)
            except OSError as e:
                print('refused', host, type(e).__name__)
    """
    async with anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, handle)
        r = await run1(sandbox, stdin(code))
        tg.cancel_scope.cancel()
    assert r.verdict is Verdict.OK and "connected" not in r.stdout, r.stdout
    assert r.stdout.count("refused") == len(targets)
    assert accepted == []


async def test_no_datagram_or_unix_socket_reaches_the_host(
    sandbox: LocalSandbox, iso: dict[str, Any]
) -> None:
    require(iso, "net_ns")
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.setblocking(False)
    abstract = f"\0agentsstar-hostile-{secrets.token_hex(6)}"
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind(abstract)
    unix.listen()
    unix.setblocking(False)
    try:
        code = f"""
            import socket
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                u.sendto(b'leak', ('127.0.0.1', {udp.getsockname()[1]}))
            except OSError:
                pass
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect({abstract!r})
                s.sendall(b'leak')
                print('unix connected')
            except OSError as e:
                print('unix refused', type(e).__name__)
        """
        r = await run1(sandbox, stdin(code))
        assert r.verdict is Verdict.OK and r.stdout.startswith("unix refused"), r
        # The program has exited: anything it sent would be queued by now.
        with pytest.raises(BlockingIOError):
            udp.recv(64)
        with pytest.raises(BlockingIOError):
            unix.accept()
    finally:
        udp.close()
        unix.close()


# --- what survives the whole run --------------------------------------------------------
async def test_nothing_outlives_a_hostile_batch(marker: str) -> None:
    name = name_marker()
    code = SET_COMM.format(name=name) + textwrap.dedent(
        f"""
        import os, subprocess
        subprocess.Popen(['sleep', '{marker}'], start_new_session=True)
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                while True:
                    pass
            os._exit(0)
        while True:
            pass
        """
    )
    async with LocalSandbox(max_workers=2) as box, anyio.create_task_group() as tg:
        for _ in range(2):
            tg.start_soon(box.run, stdin(code), ["", ""], Limits(time_s=0.5))
    assert procs_named(name) == [] and pids_running("sleep", marker) == []
