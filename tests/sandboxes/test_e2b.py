"""E2BSandbox against the in-process fake of the SDK (``FakeE2B``), whose commands run
the real runner in local subprocesses: verdicts, pooling, retries, replacement."""

from __future__ import annotations

import inspect
import sys
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from agentsstar.errors import MissingCredentialsError, MissingDependencyError, SandboxError
from agentsstar.grading import run_tests
from agentsstar.problem import Problem, TestCase
from agentsstar.retries import RetryPolicy
from agentsstar.sandboxes import Limits, LocalSandbox, Program, Sandbox, Verdict
from agentsstar.sandboxes.e2b import E2BSandbox
from agentsstar.testing import fake_e2b
from agentsstar.testing.fake_e2b import FakeE2B

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]

FAST = Limits(time_s=1.0, memory_mb=64, output_bytes=10_000)
QUICK_RETRY = RetryPolicy(attempts=4, max_seconds=30.0, initial_wait=0.01, max_wait=0.05)
ADD = Program(code="a, b = map(int, input().split())\nprint(a + b)\n", kind="stdin")
ADD_INPUTS = [f"{i} {i}\n" for i in range(5)]
ADD_OUTPUTS = [f"{2 * i}\n" for i in range(5)]


@pytest.fixture
async def cloud(anyio_backend: str) -> AsyncIterator[FakeE2B]:
    async with FakeE2B() as c:
        yield c


def e2b(cloud: FakeE2B, **kwargs: Any) -> E2BSandbox:
    kwargs.setdefault("create_retry", QUICK_RETRY)
    return E2BSandbox(create=cloud.create, **kwargs)


async def wait_until(condition: Any) -> None:
    with anyio.fail_after(30):
        while not condition():
            await anyio.sleep(0.01)


async def test_is_a_sandbox(cloud: FakeE2B) -> None:
    async with e2b(cloud) as box:
        assert isinstance(box, Sandbox)


async def test_package_exports_e2b_sandbox_without_loading_it() -> None:
    # A fresh interpreter: importing the package must not load the E2B backend (or the
    # SDK); asking for the name loads it.
    code = (
        "import sys, agentsstar.sandboxes as s\n"
        "print('agentsstar.sandboxes.e2b' in sys.modules, 'e2b' in sys.modules)\n"
        "print(s.E2BSandbox.__module__)\n"
    )
    proc = await anyio.run_process([sys.executable, "-c", code])
    assert proc.stdout.decode().split() == ["False", "False", "agentsstar.sandboxes.e2b"]


# --- same verdicts and grades as the local sandbox -----------------------------------
STDIN_PROBLEM = Problem(
    id="add",
    prompt="add two numbers",
    kind="stdin",
    public_tests=(TestCase(input="1 2\n", output="3"), TestCase(input="5 5\n", output="10")),
    time_limit_s=0.5,
)
STDIN_CANDIDATES = {
    "right": "a, b = map(int, input().split())\nprint(a + b)\n",
    "wrong": "a, b = map(int, input().split())\nprint(a + b + 1)\n",
    "raises": "a, b = map(int, input().split())\nprint(a // (b - b))\n",
    "loops": "while True:\n    pass\n",
    "exit3": "print(3)\nraise SystemExit(3)\n",
}
FUNCTION_PROBLEM = Problem(
    id="double",
    prompt="double a list",
    kind="function",
    entry_point="Solution.double",
    public_tests=(TestCase(input=[[1, 2]], output=[2, 4]), TestCase(input=[[]], output=[])),
    time_limit_s=0.5,
)
FUNCTION_CANDIDATES = {
    "right": "class Solution:\n    def double(self, xs: List[int]) -> List[int]:\n        return [2 * x for x in xs]\n",
    "wrong": "class Solution:\n    def double(self, xs):\n        return xs\n",
    "raises": "class Solution:\n    def double(self, xs):\n        return xs[5]\n",
    "loops": "class Solution:\n    def double(self, xs):\n        while True:\n            pass\n",
    "unserialisable": "class Solution:\n    def double(self, xs):\n        return object()\n",
}


@pytest.mark.parametrize(
    ("problem", "candidates"),
    [(STDIN_PROBLEM, STDIN_CANDIDATES), (FUNCTION_PROBLEM, FUNCTION_CANDIDATES)],
    ids=["stdin", "function"],
)
async def test_same_verdicts_and_grades_as_local(
    cloud: FakeE2B,
    sandbox: LocalSandbox,
    problem: Problem,
    candidates: dict[str, str],
) -> None:
    async with e2b(cloud) as remote:
        for name, code in candidates.items():
            local_outcomes = await run_tests(sandbox, problem, code, problem.public_tests)
            remote_outcomes = await run_tests(remote, problem, code, problem.public_tests)
            local = [(o.grade, o.actual, (o.error or "")[:40]) for o in local_outcomes]
            remote_ = [(o.grade, o.actual, (o.error or "")[:40]) for o in remote_outcomes]
            assert remote_ == local, name
    grades = {
        name: [o.grade for o in await run_tests(sandbox, problem, code, problem.public_tests)]
        for name, code in candidates.items()
    }
    assert grades["right"] == ["accepted", "accepted"]
    assert grades["wrong"][0] == "wrong_answer"
    assert grades["raises"] == ["runtime_error", "runtime_error"]
    assert grades["loops"] == ["time_limit", "time_limit"]


async def test_raw_results_match_local(cloud: FakeE2B, sandbox: LocalSandbox) -> None:
    program = Program(
        code="import sys\nx = input()\nprint(x[::-1])\nprint('e', file=sys.stderr)\n", kind="stdin"
    )
    inputs = ["abc\n", "héllo\n", ""]
    async with e2b(cloud) as remote:
        got = await remote.run(program, inputs, FAST)
    want = await sandbox.run(program, inputs, FAST)
    assert [(r.verdict, r.stdout, r.stderr, r.exit_code, r.error) for r in got] == [
        (r.verdict, r.stdout, r.stderr, r.exit_code, r.error) for r in want
    ]
    assert got[1].stdout == "olléh\n" and got[2].verdict is Verdict.RUNTIME_ERROR


# --- one sandbox per batch, reused; the pool bound ------------------------------------
async def test_one_sandbox_per_batch_and_reuse(cloud: FakeE2B) -> None:
    async with e2b(cloud) as box:
        first = await box.run(ADD, ADD_INPUTS, FAST)
        assert cloud.create_calls == 1 and cloud.created == 1
        second = await box.run(ADD, ADD_INPUTS[:2], FAST)
        assert cloud.created == 1  # the idle sandbox served the next batch
    assert [r.stdout for r in first] == ADD_OUTPUTS
    assert [r.stdout for r in second] == ADD_OUTPUTS[:2]


async def test_pool_never_exceeds_max_sandboxes() -> None:
    sleepy = Program(code="import time\ntime.sleep(0.2)\nprint(input())\n", kind="stdin")
    results: dict[int, list[str]] = {}
    async with FakeE2B(quota=2) as cloud, e2b(cloud, max_sandboxes=2) as box:

        async def one(i: int) -> None:
            results[i] = [r.stdout for r in await box.run(sleepy, [f"{i}\n", f"{i}!\n"], FAST)]

        async with anyio.create_task_group() as tg:
            for i in range(6):
                tg.start_soon(one, i)
        assert cloud.max_live == 2  # both slots were used, never a third sandbox
        assert cloud.rate_limited == 0  # so the account's quota was never hit
        assert cloud.created == 2
    assert results == {i: [f"{i}\n", f"{i}!\n"] for i in range(6)}


async def test_long_batch_extends_the_sandbox_lifetime(cloud: FakeE2B) -> None:
    async with e2b(cloud, timeout=100) as box:
        await box.run(ADD, ADD_INPUTS[:1], FAST)
        first_lifetime = cloud.sandboxes[0].timeout
        results = await box.run(ADD, ADD_INPUTS * 4, FAST)
    assert cloud.created == 1
    assert cloud.sandboxes[0].timeout > first_lifetime >= 100
    assert all(r.ok for r in results)


async def test_lifetime_never_exceeds_the_plan_maximum(cloud: FakeE2B) -> None:
    async with e2b(cloud, timeout=100, max_lifetime=150) as box:
        results = await box.run(ADD, ADD_INPUTS * 4, FAST)
    assert [s.timeout for s in cloud.sandboxes] == [150]
    assert all(r.ok for r in results)


# --- retries and replacement ----------------------------------------------------------
async def test_rate_limited_create_is_retried() -> None:
    async with FakeE2B(rate_limit_creates=2) as cloud, e2b(cloud) as box:
        results = await box.run(ADD, ADD_INPUTS, FAST)
    assert [r.stdout for r in results] == ADD_OUTPUTS
    assert (cloud.create_calls, cloud.rate_limited, cloud.created) == (3, 2, 1)


async def test_persistent_rate_limit_raises_sandbox_error() -> None:
    async with FakeE2B(rate_limit_creates=100) as cloud, e2b(cloud) as box:
        with pytest.raises(SandboxError, match="rate limit") as info:
            await box.run(ADD, ADD_INPUTS, FAST)
    # The policy bounds what E2B sees: the SDK's own retries do not multiply it.
    assert cloud.create_requests == QUICK_RETRY.attempts
    assert "\n" not in str(info.value)


async def test_waits_for_quota_held_by_someone_else() -> None:
    retry = RetryPolicy(attempts=200, max_seconds=60.0, initial_wait=0.01, max_wait=0.05)
    async with FakeE2B(quota=1) as cloud, e2b(cloud, create_retry=retry) as box:
        squatter = await cloud.create()  # another job holds the account's only slot
        results: list[Any] = []

        async def run() -> None:
            results.extend(await box.run(ADD, ADD_INPUTS, FAST))

        async with anyio.create_task_group() as tg:
            tg.start_soon(run)
            await wait_until(lambda: cloud.rate_limited >= 2)
            await squatter.kill()
    assert [r.stdout for r in results] == ADD_OUTPUTS


async def test_slow_start_past_the_request_timeout_is_retried() -> None:
    async with (
        FakeE2B(start_delay_s=[30.0, 0.05]) as cloud,
        e2b(cloud, request_timeout=0.2) as box,
    ):
        results = await box.run(ADD, ADD_INPUTS, FAST)
        # The first request made its sandbox though its answer came too late; the
        # retry, under the same idempotency key, got that one, and aclose kills it.
        assert (cloud.create_requests, cloud.created) == (2, 1)
    assert [r.stdout for r in results] == ADD_OUTPUTS
    assert cloud.live == 0


async def test_sandbox_dying_mid_batch_is_replaced_and_the_rest_rerun() -> None:
    # hello + two results arrive, then the sandbox is gone.
    async with FakeE2B(die_mid_batch=1, die_after_lines=3) as cloud, e2b(cloud) as box:
        results = await box.run(ADD, ADD_INPUTS, FAST)
        assert [r.stdout for r in results] == ADD_OUTPUTS
        assert all(r.verdict is Verdict.OK for r in results)
        assert cloud.created == 2 and cloud.died == 1
        assert not await cloud.sandboxes[0].is_running()


async def test_death_before_any_result_reruns_the_whole_batch() -> None:
    async with FakeE2B(die_mid_batch=1, die_after_lines=1) as cloud, e2b(cloud) as box:
        results = await box.run(ADD, ADD_INPUTS, FAST)
    assert [r.stdout for r in results] == ADD_OUTPUTS
    assert cloud.created == 2


async def test_no_replacement_keeps_the_results_already_in() -> None:
    # The first sandbox dies after two results; every replacement is refused.
    async with (
        FakeE2B(die_mid_batch=1, die_after_lines=3, fail_creates=[None] + [503] * 10) as cloud,
        e2b(cloud) as box,
    ):
        results = await box.run(ADD, ADD_INPUTS, FAST)
    assert [r.stdout for r in results[:2]] == ADD_OUTPUTS[:2]
    assert [r.verdict for r in results[2:]] == [Verdict.SANDBOX_ERROR] * 3
    assert "no replacement sandbox" in (results[2].error or "")
    assert cloud.created == 1


async def test_idle_sandbox_ended_by_e2b_is_replaced(cloud: FakeE2B) -> None:
    async with e2b(cloud) as box:
        await box.run(ADD, ADD_INPUTS[:1], FAST)
        await cloud.expire()  # e.g. its lifetime ran out while idle: "not found" next use
        results = await box.run(ADD, ADD_INPUTS, FAST)
    assert [r.stdout for r in results] == ADD_OUTPUTS
    assert cloud.created == 2


async def test_persistent_failure_is_sandbox_error_never_a_wrong_answer() -> None:
    async with (
        FakeE2B(die_mid_batch=100, die_after_lines=1) as cloud,
        e2b(cloud, batch_attempts=3) as box,
    ):
        outcomes = await run_tests(
            box, STDIN_PROBLEM, STDIN_CANDIDATES["right"], STDIN_PROBLEM.public_tests
        )
        raw = await box.run(ADD, ADD_INPUTS, FAST)
    assert [o.grade for o in outcomes] == ["sandbox_error", "sandbox_error"]
    assert all(r.verdict is Verdict.SANDBOX_ERROR for r in raw)
    assert all("SandboxNotRunningException" in (r.error or "") for r in raw)
    assert cloud.created == 6  # three sandboxes per batch, then it gave up


async def test_runner_that_cannot_start_raises(cloud: FakeE2B) -> None:
    async with e2b(cloud, python="no-such-python3") as box:
        with pytest.raises(SandboxError, match="runner did not start") as info:
            await box.run(ADD, ADD_INPUTS, FAST)
    assert "no-such-python3" in str(info.value)
    assert cloud.created == 1  # not retried: another sandbox would fail the same way


async def test_rejected_api_key_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("E2B_API_KEY", raising=False)
    async with FakeE2B(require_api_key=True) as cloud, e2b(cloud) as box:
        with pytest.raises(SandboxError, match="API key"):
            await box.run(ADD, ADD_INPUTS, FAST)
    assert cloud.create_calls == 1


# --- lifecycle ------------------------------------------------------------------------
async def test_aclose_kills_every_sandbox(cloud: FakeE2B) -> None:
    box = e2b(cloud, max_sandboxes=3)
    sleepy = Program(code="import time\ntime.sleep(0.2)\nprint(input())\n", kind="stdin")
    async with anyio.create_task_group() as tg:
        for _ in range(3):
            tg.start_soon(box.run, sleepy, ["x\n"], FAST)
    assert cloud.live == 3
    await box.aclose()
    assert cloud.live == 0 and cloud.killed == 3
    with pytest.raises(SandboxError, match="closed"):
        await box.run(ADD, ADD_INPUTS, FAST)


async def test_aclose_during_a_run_gives_sandbox_errors(cloud: FakeE2B) -> None:
    box = e2b(cloud)
    slow = Program(code="import time\ntime.sleep(20)\n", kind="stdin")
    results: list[Any] = []

    async def run() -> None:
        results.extend(await box.run(slow, ["", ""], Limits(time_s=30.0)))

    async with anyio.create_task_group() as tg:
        tg.start_soon(run)
        await wait_until(lambda: cloud.sandboxes and cloud.sandboxes[0].running)
        await box.aclose()
    assert [r.verdict for r in results] == [Verdict.SANDBOX_ERROR] * 2
    assert cloud.live == 0 and cloud.created == 1


async def test_cancelled_run_kills_its_sandbox(cloud: FakeE2B) -> None:
    async with e2b(cloud) as box:
        slow = Program(code="import time\ntime.sleep(20)\n", kind="stdin")
        async with anyio.create_task_group() as tg:
            tg.start_soon(box.run, slow, [""], Limits(time_s=30.0))
            await wait_until(lambda: cloud.sandboxes and cloud.sandboxes[0].running)
            tg.cancel_scope.cancel()
        assert cloud.live == 0  # its state was unknown: killed, not reused
        results = await box.run(ADD, ADD_INPUTS, FAST)
    assert [r.stdout for r in results] == ADD_OUTPUTS


async def test_inputs_are_checked_before_any_sandbox_is_created(cloud: FakeE2B) -> None:
    async with e2b(cloud) as box:
        with pytest.raises(ValueError, match="JSON"):
            await box.run(
                Program(code="def f(x): return x", kind="function", entry_point="f"),
                [[object()]],
                FAST,
            )
        with pytest.raises(ValueError, match="strings"):
            await box.run(ADD, [[1]], FAST)
        assert await box.run(ADD, [], FAST) == []
    assert cloud.create_calls == 0


# --- construction: credentials and the optional SDK -----------------------------------
def test_missing_key_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("e2b_code_interpreter")
    monkeypatch.delenv("E2B_API_KEY", raising=False)
    with pytest.raises(MissingCredentialsError) as info:
        E2BSandbox()
    message = str(info.value)
    assert "E2B_API_KEY" in message and "\n" not in message


def test_key_from_the_environment_needs_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("e2b_code_interpreter")
    monkeypatch.setenv("E2B_API_KEY", "e2b_0000")
    E2BSandbox(max_sandboxes=5)  # constructing contacts nothing; sandboxes come on first run


def test_missing_sdk_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "e2b_code_interpreter", None)
    with pytest.raises(MissingDependencyError) as info:
        E2BSandbox(api_key="e2b_0000")
    assert "pip install 'agentsstar[e2b]'" in str(info.value)


# --- the fake is faithful to the SDK it stands for -----------------------------------
def _params(fn: Any) -> dict[str, inspect.Parameter]:
    return {n: p for n, p in inspect.signature(fn).parameters.items() if n != "self"}


def test_fake_signatures_match_the_sdk() -> None:
    e2b_sdk = pytest.importorskip("e2b")
    ci = pytest.importorskip("e2b_code_interpreter")
    from e2b.sandbox_async.commands.command import Commands
    from e2b.sandbox_async.filesystem.filesystem import Filesystem

    pairs = [
        (fake_e2b.FakeE2B.create, ci.AsyncSandbox.create),
        (fake_e2b.FakeFilesystem.write, Filesystem.write),
        (fake_e2b.FakeCommands.run, Commands.run),
        (fake_e2b.FakeAsyncSandbox.set_timeout, e2b_sdk.AsyncSandbox.set_timeout),
        (fake_e2b.FakeAsyncSandbox.kill, e2b_sdk.AsyncSandbox.kill),
        (fake_e2b.FakeAsyncSandbox.is_running, e2b_sdk.AsyncSandbox.is_running),
    ]
    for fake, real in pairs:
        fake_params, real_params = _params(fake), _params(real)
        for name, param in fake_params.items():
            assert name in real_params, (fake.__qualname__, name)
            want = real_params[name]
            assert (param.kind, param.default) == (want.kind, want.default), (
                fake.__qualname__,
                name,
            )
        # In the same order, so positional calls mean the same thing.
        assert list(fake_params) == [n for n in real_params if n in fake_params]
    assert set(_params(fake_e2b.FakeFilesystem.read)) <= set(_params(Filesystem.read))
    assert set(e2b_sdk.ApiParams.__annotations__) == fake_e2b.API_PARAMS
    for name in ("RateLimitException", "SandboxNotRunningException", "TimeoutException"):
        assert getattr(fake_e2b, name) is getattr(e2b_sdk, name)
    assert fake_e2b.CommandExitException is e2b_sdk.CommandExitException


async def test_fake_commands_behave_like_the_sdk(cloud: FakeE2B) -> None:
    sandbox = await cloud.create(timeout=60)
    info = await sandbox.files.write("/tmp/x/hello.txt", "hi\n")
    assert (info.name, info.path) == ("hello.txt", "/tmp/x/hello.txt")
    seen: list[str] = []
    result = await sandbox.commands.run(
        "cat hello.txt; echo err >&2", cwd="/tmp/x", on_stdout=seen.append
    )
    assert (result.stdout, result.stderr, result.exit_code) == ("hi\n", "err\n", 0)
    assert seen == ["hi\n"]
    with pytest.raises(fake_e2b.CommandExitException) as info_exc:
        await sandbox.commands.run("echo out; exit 4")
    assert info_exc.value.exit_code == 4 and info_exc.value.stdout == "out\n"  # type: ignore[attr-defined]
    with pytest.raises(fake_e2b.TimeoutException):
        await sandbox.commands.run("sleep 10", timeout=0.2)
    assert await sandbox.kill() is True and await sandbox.kill() is False
    with pytest.raises(fake_e2b.SandboxNotRunningException):
        await sandbox.commands.run("true")
    with pytest.raises(fake_e2b.SandboxNotFoundException):
        await sandbox.set_timeout(60)
