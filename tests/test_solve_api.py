"""The Python API: ``solve(problem)`` opens (and closes) what it needs; a deadline or
a cancelled caller ends a run promptly and leaves no candidate process behind."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from agentsstar import load_problem, solve
from agentsstar.backends.openai_compat import OpenAICompatBackend
from agentsstar.backends.scripted import ScriptedBackend
from agentsstar.model import Model
from agentsstar.problem import Problem, TestCase
from agentsstar.sandboxes import LocalSandbox
from agentsstar.sandboxes.base import Limits, Program
from agentsstar.strategies import GreedySampling, NoRevision
from agentsstar.testing import FakeOpenAIServer

from .cli.fake_model import reply
from .sandboxes.conftest import pids_running, runner_children

pytestmark = pytest.mark.anyio

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(reply) as srv:
        monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        yield srv


async def test_model_spec_string_gets_that_backends_defaults_and_own_sandbox(
    server: FakeOpenAIServer,
) -> None:
    problem = load_problem(EXAMPLES / "reverse-words.json")
    result = await solve(problem, model="openai:fake-model")
    # A remote backend's defaults (8 samples), exactly as `agentsstar run` uses them.
    assert len(result.candidates) == 8
    assert result.model == "openai:fake-model"
    assert result.private is not None and result.private.accepted
    # The sandbox solve opened for itself is closed: no runner process is left.
    assert runner_children() == []


async def test_caller_settings_win_over_the_spec_defaults(server: FakeOpenAIServer) -> None:
    problem = load_problem(EXAMPLES / "reverse-words.json")
    result = await solve(
        problem, model="openai:fake-model", sampling=GreedySampling(), revision=NoRevision()
    )
    assert len(result.candidates) == 1
    assert server.requests[0]["temperature"] == 0.0


@pytest.fixture
def marker() -> str:
    """A unique ``sleep`` duration: the candidate's ``sleep MARKER`` is findable."""
    return f"{secrets.randbelow(10**6) + 10**6}.{secrets.randbelow(10**3)}"


# A candidate that starts a findable `sleep MARKER` process, then outlasts any
# deadline below; the problem's time limit (60 s) is long so only the deadline can end it.
def sleeper(marker: str) -> str:
    return (
        "import subprocess, time\n"
        "def count_distinct(xs):\n"
        f"    subprocess.Popen(['sleep', '{marker}'])\n"
        "    time.sleep(120)\n"
        "    return len(set(xs))\n"
    )


def slow_problem() -> Problem:
    return Problem(
        id="slow",
        prompt="Return how many distinct integers the list xs holds.",
        kind="function",
        entry_point="count_distinct",
        public_tests=(TestCase(input=[[1, 2, 3]], output=3),),
        private_tests=(TestCase(input=[[1, 1]], output=1),),
        time_limit_s=60,
    )


def sleeper_model(marker: str) -> Model:
    return Model(ScriptedBackend(lambda messages, params: f"```python\n{sleeper(marker)}```\n"))


async def until_running(marker: str) -> None:
    while not pids_running("sleep", marker):
        await anyio.sleep(0.02)


async def test_deadline_mid_run_raises_timeout_error_and_kills_the_candidate(
    marker: str,
) -> None:
    # No sandbox given: solve opens its own, and must close it on the way out.
    started: list[float] = []

    async def watch() -> None:
        await until_running(marker)
        started.append(time.monotonic())

    begin = time.monotonic()
    # The guard only bounds a broken run; it is not the TimeoutError expected.
    with anyio.move_on_after(30) as guard:
        async with anyio.create_task_group() as tg:
            tg.start_soon(watch)
            with pytest.raises(TimeoutError):
                await solve(
                    slow_problem(),
                    model=sleeper_model(marker),
                    sampling=GreedySampling(),
                    revision=NoRevision(),
                    deadline=3.0,
                )
            tg.cancel_scope.cancel()
    ended = time.monotonic()
    assert not guard.cancelled_caught, "the deadline did not end the run"
    assert started, "the candidate never ran: the deadline did not end it mid-run"
    assert ended - begin >= 3.0  # the deadline, not some earlier failure
    assert ended - begin < 3.0 + 6.0  # promptly once it passed (killing waits <= 5 s)
    assert pids_running("sleep", marker) == []
    assert runner_children() == []


async def test_cancelling_the_callers_scope_stops_the_run_promptly(marker: str) -> None:
    # The caller's sandbox, one runner: the run is cancelled while the candidate runs
    # in it; nothing of the candidate survives and the sandbox still works.
    async with LocalSandbox(max_workers=1) as box:
        cancelled_at: list[float] = []
        with anyio.move_on_after(30) as guard:
            async with anyio.create_task_group() as tg:

                async def cancel_once_running() -> None:
                    await until_running(marker)
                    cancelled_at.append(time.monotonic())
                    tg.cancel_scope.cancel()

                tg.start_soon(cancel_once_running)
                await solve(
                    slow_problem(),
                    model=sleeper_model(marker),
                    sandbox=box,
                    sampling=GreedySampling(),
                    revision=NoRevision(),
                )
                pytest.fail("solve returned although its candidate sleeps for 120 s")
        assert not guard.cancelled_caught, "the candidate never started"
        assert len(cancelled_at) == 1
        assert time.monotonic() - cancelled_at[0] < 6.0  # killing waits <= 5 s
        assert pids_running("sleep", marker) == []
        assert runner_children() == []
        [r] = await box.run(Program("def f():\n    return 7\n", "function", "f"), [[]], Limits())
        assert r.value == "7"


async def test_deadline_during_a_model_call_raises_timeout_error() -> None:
    # The server answers only after 60 s; the deadline ends the HTTP request.
    with FakeOpenAIServer(reply, delay=60) as server:
        model = Model(OpenAICompatBackend("fake-model", base_url=server.base_url))
        begin = time.monotonic()
        with anyio.move_on_after(30) as guard, pytest.raises(TimeoutError):
            await solve(
                slow_problem(),
                model=model,
                sampling=GreedySampling(),
                revision=NoRevision(),
                deadline=1.0,
            )
        elapsed = time.monotonic() - begin
        assert not guard.cancelled_caught, "the deadline did not end the run"
        await model.aclose()
        assert server.request_count == 1
    assert 1.0 <= elapsed < 5.0
    assert runner_children() == []
