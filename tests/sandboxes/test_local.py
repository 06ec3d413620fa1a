"""LocalSandbox against real subprocesses: the behaviours the pipeline relies on."""

from __future__ import annotations

import json
import os
import re
import signal

import anyio
import pytest
import structlog.testing

from agentsstar.errors import SandboxError
from agentsstar.sandboxes import Limits, LocalSandbox, Program, Sandbox, Verdict

from .conftest import pids_running, runner_children

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]

FAST = Limits(time_s=1.0, memory_mb=64, output_bytes=10_000)


def stdin(code: str) -> Program:
    return Program(code=code, kind="stdin")


def function(code: str, entry: str) -> Program:
    return Program(code=code, kind="function", entry_point=entry)


async def test_is_a_sandbox(sandbox: LocalSandbox) -> None:
    assert isinstance(sandbox, Sandbox)


async def test_stdin_program_reads_input_and_prints(sandbox: LocalSandbox) -> None:
    prog = stdin("a, b = map(int, input().split())\nprint(a + b)\n")
    results = await sandbox.run(prog, ["1 2\n", "40 2\n", "-1 1\n"], FAST)
    assert [r.verdict for r in results] == [Verdict.OK] * 3
    assert [r.stdout for r in results] == ["3\n", "42\n", "0\n"]
    assert all(r.exit_code == 0 for r in results)


async def test_sys_exit_zero_after_output_is_ok(sandbox: LocalSandbox) -> None:
    prog = stdin("import sys\nprint('done')\nsys.exit(0)\n")
    [r] = await sandbox.run(prog, [""], FAST)
    assert r.verdict is Verdict.OK and r.stdout == "done\n" and r.exit_code == 0


async def test_nonzero_exit_is_runtime_error(sandbox: LocalSandbox) -> None:
    [r] = await sandbox.run(stdin("print('x')\nraise SystemExit(3)\n"), [""], FAST)
    assert r.verdict is Verdict.RUNTIME_ERROR and r.exit_code == 3 and r.stdout == "x\n"


async def test_exception_reports_type_and_traceback(sandbox: LocalSandbox) -> None:
    [r] = await sandbox.run(stdin("x = 1\nprint(x / 0)\n"), [""], FAST)
    assert r.verdict is Verdict.RUNTIME_ERROR
    assert r.error is not None and r.error.startswith("ZeroDivisionError")
    assert "solution.py" in r.stderr and "ZeroDivisionError" in r.stderr
    # The harness's frames are not shown: every frame is the program's.
    assert re.findall(r'File "([^"]*)"', r.stderr) == ["solution.py"]
    assert ".pyz" not in r.stderr and "agentsstar_runner" not in r.stderr


async def test_syntax_error(sandbox: LocalSandbox) -> None:
    results = await sandbox.run(stdin("def f(:\n"), ["", ""], FAST)
    assert [r.verdict for r in results] == [Verdict.RUNTIME_ERROR] * 2
    assert all((r.error or "").startswith("SyntaxError") for r in results)


async def test_infinite_loop_times_out(sandbox: LocalSandbox) -> None:
    [r] = await sandbox.run(stdin("while True:\n    pass\n"), [""], FAST)
    assert r.verdict is Verdict.TIME_LIMIT


async def test_swallowing_exceptions_and_ignoring_sigterm_still_times_out(
    sandbox: LocalSandbox,
) -> None:
    code = (
        "import signal, time\n"
        "for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU):\n"
        "    signal.signal(s, signal.SIG_IGN)\n"
        "while True:\n"
        "    try:\n"
        "        time.sleep(0.01)\n"
        "    except BaseException:\n"
        "        pass\n"
    )
    [r] = await sandbox.run(stdin(code), [""], Limits(time_s=0.5, memory_mb=64))
    assert r.verdict is Verdict.TIME_LIMIT


async def test_memory_hog_hits_memory_limit(sandbox: LocalSandbox) -> None:
    one_shot = stdin("x = bytearray(10**9)\n")
    growing = stdin("x = []\nwhile True:\n    x.append(' ' * 10**6)\n")
    for prog in (one_shot, growing):
        [r] = await sandbox.run(prog, [""], FAST)
        assert r.verdict is Verdict.MEMORY_LIMIT, r


async def test_memory_within_limit_is_fine(sandbox: LocalSandbox) -> None:
    [r] = await sandbox.run(stdin("x = bytearray(40 * 2**20)\nprint(len(x))\n"), [""], FAST)
    assert r.verdict is Verdict.OK and r.stdout == f"{40 * 2**20}\n"


async def test_output_flood_is_capped(sandbox: LocalSandbox) -> None:
    [r] = await sandbox.run(stdin("while True:\n    print('x' * 999)\n"), [""], FAST)
    assert r.verdict is Verdict.OUTPUT_LIMIT
    assert len(r.stdout) == FAST.output_bytes


async def test_stderr_is_a_tail(sandbox: LocalSandbox) -> None:
    code = "import sys\nfor i in range(2000):\n    print(i, file=sys.stderr)\nprint('ok')\n"
    [r] = await sandbox.run(stdin(code), [""], FAST)
    assert r.verdict is Verdict.OK and r.stderr.endswith("1999\n") and len(r.stderr) <= 2048


async def test_large_stdin_is_read_fully(sandbox: LocalSandbox) -> None:
    data = "".join(f"{i}\n" for i in range(200_000))
    code = "import sys\nprint(sum(int(x) for x in sys.stdin.read().split()))\n"
    [r] = await sandbox.run(stdin(code), [data], FAST)
    assert r.verdict is Verdict.OK and r.stdout == f"{sum(range(200_000))}\n"


async def test_function_program_returns_json(sandbox: LocalSandbox) -> None:
    code = "def f(a, b):\n    print('debug output is fine')\n    return (a + b, [a, b])\n"
    results = await sandbox.run(function(code, "f"), [[1, 2], ["x", "y"]], FAST)
    assert [r.verdict for r in results] == [Verdict.OK, Verdict.OK]
    assert [json.loads(r.value or "") for r in results] == [[3, [1, 2]], ["xy", ["x", "y"]]]
    assert results[0].stdout == "debug output is fine\n"


async def test_class_method_entry_point(sandbox: LocalSandbox) -> None:
    code = (
        "class Solution:\n"
        "    def __init__(self):\n"
        "        self.k = 10\n"
        "    def twoSum(self, nums, target):\n"
        "        return [i * self.k for i in nums if i < target]\n"
    )
    [r] = await sandbox.run(function(code, "Solution.twoSum"), [[[1, 5, 2], 3]], FAST)
    assert r.verdict is Verdict.OK and json.loads(r.value or "") == [10, 20]


async def test_missing_entry_point_is_runtime_error(sandbox: LocalSandbox) -> None:
    [r] = await sandbox.run(function("def g(): pass\n", "f"), [[]], FAST)
    assert r.verdict is Verdict.RUNTIME_ERROR and "NameError" in (r.error or "")


async def test_unserialisable_return_is_runtime_error(sandbox: LocalSandbox) -> None:
    [r] = await sandbox.run(function("def f():\n    return {1, 2}\n", "f"), [[]], FAST)
    assert r.verdict is Verdict.RUNTIME_ERROR and "JSON-serialisable" in (r.error or "")


async def test_lying_eq_object_travels_as_its_real_json(sandbox: LocalSandbox) -> None:
    code = (
        "class Liar(list):\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "    __ne__ = lambda self, other: False\n"
        "    def __repr__(self):\n"
        "        return '[1, 2, 3]'\n"
        "    __str__ = __repr__\n"
        "class LiarInt(int):\n"
        "    __eq__ = lambda self, other: True\n"
        "    __repr__ = lambda self: '42'\n"
        "def f():\n"
        "    print('[1, 2, 3]')\n"
        "    return [Liar(), LiarInt(0)]\n"
    )
    [r] = await sandbox.run(function(code, "f"), [[]], FAST)
    # Serialised in the child as json.dumps would: the real contents, whatever
    # __eq__/__repr__ claim. The harness compares this text, so it cannot pass.
    assert r.verdict is Verdict.OK
    assert r.value == "[[], 0]"


async def test_function_exiting_before_return_is_runtime_error(sandbox: LocalSandbox) -> None:
    for body in ("import sys; sys.exit(0)", "import os; os._exit(0)"):
        [r] = await sandbox.run(function(f"def f():\n    {body}\n", "f"), [[]], FAST)
        assert r.verdict is Verdict.RUNTIME_ERROR and r.value is None, body


async def test_secrets_in_env_are_not_visible(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-test-" + os.urandom(8).hex()
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    monkeypatch.setenv("HF_TOKEN", secret)
    code = "import os\nprint(sorted(os.environ.items()))\n"
    async with LocalSandbox(max_workers=1) as box:
        [r] = await box.run(stdin(code), [""], FAST)
    assert r.verdict is Verdict.OK and "PATH" in r.stdout
    assert secret not in r.stdout and "OPENAI_API_KEY" not in r.stdout


async def test_fresh_working_directory_per_input(sandbox: LocalSandbox) -> None:
    code = "import os\nprint(sorted(os.listdir('.')))\nopen('left.txt', 'w').write('x')\n"
    results = await sandbox.run(stdin(code), ["", ""], FAST)
    assert [r.stdout for r in results] == ["[]\n", "[]\n"]


async def test_no_process_outlives_the_run(sandbox: LocalSandbox, marker: str) -> None:
    code = (
        "import os, subprocess\n"
        f"subprocess.Popen(['sleep', '{marker}'])\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        os.execvp('sleep', ['sleep', '{marker}'])\n"
        "    os._exit(0)\n"
        "print('spawned')\n"
    )
    results = await sandbox.run(stdin(code), ["", ""], FAST)
    assert [r.verdict for r in results] == [Verdict.OK, Verdict.OK]
    assert pids_running("sleep", marker) == []


async def test_no_runner_outlives_aclose(marker: str) -> None:
    box = LocalSandbox(max_workers=2)
    async with anyio.create_task_group() as tg:
        for _ in range(3):
            tg.start_soon(box.run, stdin("print(1)\n"), ["", ""], FAST)
    assert runner_children()
    await box.aclose()
    assert runner_children() == []
    with pytest.raises(SandboxError):
        await box.run(stdin("print(1)\n"), [""], FAST)


async def test_cancelled_run_leaves_nothing_behind(marker: str) -> None:
    code = f"import subprocess\nsubprocess.Popen(['sleep', '{marker}'])\nwhile True:\n    pass\n"
    box = LocalSandbox(max_workers=1)
    with anyio.move_on_after(1.0) as scope:
        await box.run(stdin(code), ["", ""], Limits(time_s=30))
    assert scope.cancelled_caught
    assert runner_children() == []
    assert pids_running("sleep", marker) == []
    # The sandbox still works after a cancelled run.
    [r] = await box.run(stdin("print(7)\n"), [""], FAST)
    assert r.stdout == "7\n"
    await box.aclose()


async def test_dead_runner_is_sandbox_error_not_a_verdict(sandbox: LocalSandbox) -> None:
    async def kill_runner_soon() -> None:
        await anyio.sleep(1.0)
        for runner in list(sandbox._all):
            os.killpg(runner.proc.pid, signal.SIGKILL)

    async with anyio.create_task_group() as tg:
        tg.start_soon(kill_runner_soon)
        results = await sandbox.run(stdin("import time\ntime.sleep(0.3)\n"), [""] * 20, FAST)
    # Inputs finished before the kill keep their verdict; every later one (the one
    # running included) is the sandbox's failure, never the program's.
    done = sum(r.verdict is Verdict.OK for r in results)
    assert done < len(results)
    assert [r.verdict for r in results] == [Verdict.OK] * done + [Verdict.SANDBOX_ERROR] * (
        len(results) - done
    )
    assert all(r.error and r.error.startswith("runner failed") for r in results[done:])
    # A new runner replaces the dead one.
    [r] = await sandbox.run(stdin("print(1)\n"), [""], FAST)
    assert r.verdict is Verdict.OK


async def test_concurrent_runs_keep_order(sandbox: LocalSandbox) -> None:
    prog = stdin("print(int(input()) * 2)\n")
    out: dict[int, list[str]] = {}

    async def one(k: int) -> None:
        res = await sandbox.run(prog, [f"{k * 10 + i}\n" for i in range(5)], FAST)
        out[k] = [r.stdout for r in res]

    async with anyio.create_task_group() as tg:
        for k in range(6):
            tg.start_soon(one, k)
    assert out == {k: [f"{(k * 10 + i) * 2}\n" for i in range(5)] for k in range(6)}


async def test_bad_arguments_are_value_errors(sandbox: LocalSandbox) -> None:
    with pytest.raises(ValueError):
        await sandbox.run(Program(code="", kind="function"), [[]], FAST)
    with pytest.raises(ValueError):
        await sandbox.run(stdin(""), [[1]], FAST)
    assert await sandbox.run(stdin(""), [], FAST) == []


async def test_missing_isolation_is_warned_once_or_refused() -> None:
    # isolate=False stands for a kernel that grants no namespaces.
    box = LocalSandbox(max_workers=2, isolate=False)
    try:
        with structlog.testing.capture_logs() as logs:
            async with anyio.create_task_group() as tg:
                for _ in range(3):  # two runners start
                    tg.start_soon(box.run, stdin("print(1)\n"), ["", ""], FAST)
    finally:
        await box.aclose()
    warnings = [e for e in logs if e["event"] == "sandbox.isolation_incomplete"]
    assert len(warnings) == 1
    assert {"pid_ns", "net_ns", "mount_ns", "ipc_ns"} <= set(warnings[0]["missing"])
    assert box.isolation is not None and not box.isolation["net_ns"]

    strict = LocalSandbox(max_workers=1, isolate=False, require_isolation=True)
    try:
        with pytest.raises(SandboxError, match="isolation unavailable: pid_ns"):
            await strict.run(stdin("print(1)\n"), [""], FAST)
    finally:
        await strict.aclose()


async def test_virtualenv_under_tmp_stays_usable_and_read_only(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # CI systems often put the virtualenv under /tmp, which the sandbox replaces with
    # a private tmpfs: the interpreter's own paths must come back, read-only, and
    # survive the wipe after every input.
    import subprocess
    import sys

    venv = tmp_path_factory.mktemp("venv-under-tmp")
    assert str(venv).startswith("/tmp/")
    venv.chmod(0o755)  # pytest makes it 0700; a virtualenv is world-readable
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (venv / site / "only_in_this_venv.py").write_text("ANSWER = 42\n")
    code = (
        "import only_in_this_venv, sys\n"
        "print(only_in_this_venv.ANSWER)\n"
        "try:\n"
        "    open(only_in_this_venv.__file__, 'a').write('# tampered\\n')\n"
        "    print('wrote')\n"
        "except OSError as exc:\n"
        "    print(type(exc).__name__)\n"
    )
    async with LocalSandbox(max_workers=1, python=str(python)) as box:
        results = await box.run(stdin(code), ["", "", ""], FAST)
    if box.isolation is None or not box.isolation.get("mount_ns"):
        pytest.skip("no mount namespace here: /tmp is not replaced")
    assert [r.verdict for r in results] == [Verdict.OK] * 3, results
    assert all(r.stdout.splitlines()[0] == "42" for r in results)
    assert all("wrote" not in r.stdout for r in results)
    assert (venv / site / "only_in_this_venv.py").read_text() == "ANSWER = 42\n"


async def test_virtualenv_reached_through_a_symlink_stays_usable(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # A project's .venv is often a symlink to a virtualenv elsewhere (here under
    # /tmp, which the sandbox replaces): candidates must still import what the
    # venv holds, and sys.executable must exist for programs that re-run Python.
    import shutil
    import subprocess
    import sys
    import tempfile

    venv = tmp_path_factory.mktemp("venv-behind-symlink")
    venv.chmod(0o755)
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)],
        check=True,
    )
    site = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (venv / site / "only_in_this_venv.py").write_text("ANSWER = 42\n")
    # /var/tmp is neither /tmp nor a hidden home directory: the link itself stays
    # visible, only its target is covered.
    project = tempfile.mkdtemp(prefix="agentsstar-project-", dir="/var/tmp")
    try:
        os.chmod(project, 0o755)
        link = os.path.join(project, ".venv")
        os.symlink(venv, link)
        code = (
            "import os, sys, only_in_this_venv\n"
            "print(only_in_this_venv.ANSWER)\n"
            "print(os.path.exists(sys.executable))\n"
        )
        async with LocalSandbox(max_workers=1, python=os.path.join(link, "bin", "python")) as box:
            results = await box.run(stdin(code), ["", ""], FAST)
    finally:
        shutil.rmtree(project)
    if box.isolation is None or not box.isolation.get("mount_ns"):
        pytest.skip("no mount namespace here: /tmp is not replaced")
    assert [(r.verdict, r.stdout) for r in results] == [(Verdict.OK, "42\nTrue\n")] * 2, results


async def test_runner_start_is_retried_once_then_reported(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # A runner that fails to start once (a loaded box) is replaced; one that never
    # starts gives a SandboxError after exactly two attempts.
    import sys

    work = tmp_path_factory.mktemp("flaky-python")
    work.chmod(0o755)
    starts = work / "starts"

    def wrapper(name: str, fail_times: int) -> str:
        path = work / name
        path.write_text(
            "#!/bin/sh\n"
            f"echo x >> {starts}\n"
            f'[ "$(wc -l < {starts})" -le {fail_times} ] && exit 3\n'
            f'exec {sys.executable} "$@"\n'
        )
        path.chmod(0o755)
        return str(path)

    async with LocalSandbox(max_workers=1, python=wrapper("flaky", 1)) as box:
        [r] = await box.run(stdin("print(5)\n"), [""], FAST)
    assert r.stdout == "5\n"
    assert len(starts.read_text().splitlines()) == 2

    starts.unlink()
    async with LocalSandbox(max_workers=1, python=wrapper("broken", 99)) as box:
        with pytest.raises(SandboxError):
            await box.run(stdin("print(5)\n"), [""], FAST)
    assert len(starts.read_text().splitlines()) == 2
