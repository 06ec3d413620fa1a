"""``agentsstar mcp`` over stdio, as an MCP client (the official SDK's) uses it: a real
server process, a real loopback model server, real sandboxed programs."""

from __future__ import annotations

from typing import Any

import anyio
import jsonschema
import pytest
from mcp import ClientSession
from mcp.shared.exceptions import MCPError

from agentsstar.testing.openai_server import FakeOpenAIServer
from tests.sandboxes.conftest import pids_running, procs_named

from .conftest import (
    DIFF_RIGHT,
    SPIN_COMM,
    SPIN_PROMPT,
    SPIN_SLEEP,
    diff_problem,
    example,
    fake_model_args,
    mcp_session,
    text_of,
)

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(180)]

SPIN_PROBLEM = {
    "id": "spin",
    "prompt": SPIN_PROMPT,
    "kind": "stdin",
    "public_tests": [{"input": "", "output": "done\n"}],
    "time_limit_s": 120,  # the run must be stopped, not the program timed out
}


async def test_tools_are_listed_with_their_schemas(model_server: FakeOpenAIServer) -> None:
    with anyio.fail_after(60):
        async with mcp_session(*fake_model_args(model_server)) as (session, _):
            listed = (await session.list_tools()).tools
    tools = {t.name: t for t in listed}
    assert set(tools) == {"solve", "check"}
    solve, check = tools["solve"], tools["check"]
    for tool in (solve, check):
        assert tool.description
        jsonschema.Draft202012Validator.check_schema(tool.input_schema)
        assert tool.output_schema is not None
        jsonschema.Draft202012Validator.check_schema(tool.output_schema)
        assert tool.input_schema["type"] == "object" and tool.output_schema["type"] == "object"
        # Flat, for clients that read only type/properties/required.
        assert "$ref" not in str(tool.input_schema) and "$defs" not in tool.input_schema
    props = solve.input_schema["properties"]
    assert set(props) >= {"problem", "prompt", "tests", "samples", "rounds", "selection"}
    assert {"token_budget", "kind", "entry_point", "starter_code"} <= set(props)
    assert props["samples"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 1024,
        "description": "Candidates to sample (this call only).",
    }
    assert props["tests"]["items"]["required"] == ["input", "output"]
    assert solve.input_schema["additionalProperties"] is False
    out = solve.output_schema["properties"]
    assert set(out) >= {"code", "public_passed", "public_total", "candidates", "usage", "why"}
    assert set(out["candidates"]["items"]["properties"]) >= {"public_passed", "cluster"}
    assert check.input_schema["required"] == ["code", "tests"]
    assert set(check.output_schema["properties"]) == {"passed", "total", "verdicts"}


async def test_solve_a_problem_object_with_progress(model_server: FakeOpenAIServer) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    with anyio.fail_after(90):
        async with mcp_session(*fake_model_args(model_server, "-n", "4")) as (session, _):
            result = await session.call_tool(
                "solve", {"problem": diff_problem()}, progress_callback=on_progress
            )
    assert not result.is_error, text_of(result)
    out: dict[str, Any] = result.structured_content
    assert out["code"] == DIFF_RIGHT
    assert out["public_passed"] == out["public_total"] == 1
    # Even seeds wrote the right program, odd ones the wrong one: two behaviours.
    assert out["clusters"] == [[0, 2], [1, 3]]
    assert [(c["index"], c["cluster"], c["public_passed"]) for c in out["candidates"]] == [
        (0, 0, 1),
        (1, 1, 1),
        (2, 0, 1),
        (3, 1, 1),
    ]
    # 4 samples, 1 input synthesis, 1 generator program (sstar's input sources),
    # 3 reference programs (seeds 90000-90002: right, wrong, right), 1 distinguishing
    # request; the references decide, so no prediction and no judge.
    assert out["usage"]["llm_calls"] == 10
    assert out["usage"]["total_tokens"] > 0
    why = out["why"]
    assert "4 of 4 candidates pass all 1 public tests" in why
    assert "behaved in 2 different ways: {0, 2}, {1, 3}" in why
    assert 'on input "2 7" they gave "5" and "-5"' in why
    assert "the reference programs' outputs matched 0 12x and 1 6x" in why
    assert why.endswith("Chosen: candidate 0 by sstar: knockout over 2 clusters (1 rounds).")
    assert out["budget"] is None

    # Progress came while it ran: strictly increasing, saying where the run was.
    values = [p for p, _, _ in seen]
    assert values == sorted(set(values)) and len(values) >= 10
    messages = [m or "" for _, _, m in seen]
    stages = [m.split(" · ")[0] for m in messages]
    assert stages[0] == "sampling" and "revision" in stages and stages[-1] == "selection"
    assert any("4 sampled" in m for m in messages)
    assert any("4/4 candidates debugged" in m for m in messages)
    assert any("comparing candidates 0 and 1" in m for m in messages)
    assert " · 10 model calls, " in messages[-1]


async def test_solve_a_prompt_with_tests(model_server: FakeOpenAIServer) -> None:
    problem = example("max-subarray")
    args = {
        "prompt": problem["prompt"],
        "tests": problem["public_tests"],
        "entry_point": "max_subarray_sum",
        "starter_code": problem["starter_code"],
        "samples": 2,
        "rounds": 0,
    }
    with anyio.fail_after(90):
        async with mcp_session(*fake_model_args(model_server)) as (session, _):
            result = await session.call_tool("solve", args)
    assert not result.is_error, text_of(result)
    out = result.structured_content
    assert out["code"].startswith("def max_subarray_sum(nums):")
    assert out["public_passed"] == out["public_total"] == len(problem["public_tests"])
    assert len(out["candidates"]) == 2  # this call's samples, not the server's default 8
    assert out["clusters"] == [[0, 1]]  # the same program twice
    assert "a single distinct program" in out["why"]


async def test_per_call_selection_and_budget(model_server: FakeOpenAIServer) -> None:
    args = {"problem": diff_problem(), "samples": 4, "selection": "majority"}
    with anyio.fail_after(90):
        async with mcp_session(*fake_model_args(model_server)) as (session, _):
            majority = (await session.call_tool("solve", args)).structured_content
            budget = (
                await session.call_tool("solve", {"problem": diff_problem(), "token_budget": 1})
            ).structured_content
    assert "by majority" in majority["why"]
    assert majority["usage"]["llm_calls"] == 5  # no judge: samples and one synthesis
    # One token: the first wave of samples is all the run may start.
    assert budget["budget"] == {"kind": "tokens", "stage": budget["budget"]["stage"]}
    assert "budget ran out" in budget["why"]


CHECK_STDIN = {
    "code": "print(' '.join(input().split()[::-1]))\n",
    "tests": [{"input": "a b\n", "output": "b a\n"}, {"input": "x\n", "output": "y\n"}],
}
CHECK_FUNCTION = {
    "code": "def f(n):\n    return 1 // n\n",
    "entry_point": "f",
    "tests": [{"input": [1], "output": 1}, {"input": [0], "output": 0}],
}

BAD_CALLS = [
    ("solve", {}, "problem: required argument is missing"),
    ("solve", {"problem": diff_problem(), "samples": 0}, "samples: "),
    ("solve", {"problem": diff_problem(), "samples": "many"}, "samples: "),
    ("solve", {"problem": diff_problem(), "colour": "red"}, "colour: unknown argument"),
    ("solve", {"problem": diff_problem(), "token_budget": 0}, "token_budget: "),
    ("solve", {"problem": {"prompt": "x"}}, "problem: kind: required field is missing"),
    ("solve", {"problem": diff_problem(), "prompt": "y"}, "prompt: give either problem or"),
    ("solve", {"problem": diff_problem(), "selection": "sstr"}, "selection: unknown selection"),
    (
        "solve",
        {"prompt": "p", "tests": [{"input": 1, "output": "1\n"}]},
        "tests[0].input: must be a string for stdin problems",
    ),
    ("solve", {"prompt": "p", "tests": [{"input": "1\n"}]}, "tests[0].output: required"),
    ("check", {"code": "print(1)"}, "tests: required argument is missing"),
    (
        "check",
        {"code": "x", "entry_point": "a.b.c", "tests": [{"input": [], "output": 1}]},
        "entry_point: 'a.b.c' is not",
    ),
    ("check", {"code": 3, "tests": [{"input": "", "output": ""}]}, "code: "),
]


async def test_invalid_arguments_are_tool_errors_and_check_still_works(
    model_server: FakeOpenAIServer,
) -> None:
    with anyio.fail_after(90):
        async with mcp_session(*fake_model_args(model_server)) as (session, _):
            before = len(model_server.requests)
            for tool, args, expected in BAD_CALLS:
                result = await session.call_tool(tool, args)
                text = text_of(result)
                assert result.is_error, (tool, args)
                assert text.startswith(expected), (tool, args, text)
                assert "\n" not in text
            with pytest.raises(MCPError, match="unknown tool 'solv'"):
                await session.call_tool("solv", {})
            assert len(model_server.requests) == before  # refused before any model call
            # The server is still serving after all of that.
            stdin_out = (await session.call_tool("check", CHECK_STDIN)).structured_content
            function_out = (await session.call_tool("check", CHECK_FUNCTION)).structured_content
    assert (stdin_out["passed"], stdin_out["total"]) == (1, 2)
    assert [v["grade"] for v in stdin_out["verdicts"]] == ["accepted", "wrong_answer"]
    assert stdin_out["verdicts"][1]["actual"] == "x\n"
    assert [v["grade"] for v in function_out["verdicts"]] == ["accepted", "runtime_error"]
    assert "ZeroDivisionError" in function_out["verdicts"][1]["error"]


async def test_cancelling_solve_stops_the_run_and_kills_its_programs(
    model_server: FakeOpenAIServer,
) -> None:
    problem = SPIN_PROBLEM
    started = anyio.Event()

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        if (message or "").startswith("revision"):
            started.set()

    with anyio.fail_after(120):
        async with mcp_session(*fake_model_args(model_server)) as (session, _):
            async with anyio.create_task_group() as tg:

                async def call() -> None:
                    await session.call_tool(
                        "solve",
                        {"problem": problem, "samples": 2, "rounds": 0},
                        progress_callback=on_progress,
                    )
                    pytest.fail("the call was not cancelled")

                tg.start_soon(call)
                await started.wait()
                while len(procs_named(SPIN_COMM)) < 2 or len(pids_running("sleep", SPIN_SLEEP)) < 2:
                    await anyio.sleep(0.1)  # both candidates are running their public test
                tg.cancel_scope.cancel()
            # The server stopped the run: its programs and their children are gone.
            with anyio.fail_after(15):
                while procs_named(SPIN_COMM) or pids_running("sleep", SPIN_SLEEP):
                    await anyio.sleep(0.1)
            # And it still answers.
            ok = await session.call_tool(
                "check", {"code": "print(3)", "tests": [{"input": "", "output": "3"}]}
            )
            assert ok.structured_content["passed"] == 1


async def test_client_gone_mid_run_leaves_no_program(model_server: FakeOpenAIServer) -> None:
    started = anyio.Event()
    outcome: list[BaseException] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        if (message or "").startswith("revision"):
            started.set()

    async def call(session: ClientSession) -> None:
        try:
            await session.call_tool(
                "solve",
                {"problem": SPIN_PROBLEM, "samples": 1, "rounds": 0},
                progress_callback=on_progress,
            )
        except Exception as exc:  # the connection went away under the call
            outcome.append(exc)

    with anyio.fail_after(120):
        # The client goes away without cancelling: it closes the server's stdin (and,
        # after a grace period, signals it) while the call is running.
        async with (
            anyio.create_task_group() as tg,
            mcp_session(*fake_model_args(model_server)) as (session, _),
        ):
            tg.start_soon(call, session)
            await started.wait()
            while not procs_named(SPIN_COMM):
                await anyio.sleep(0.1)
        # The server stopped the run and closed the sandbox on its way out.
        with anyio.fail_after(15):
            while procs_named(SPIN_COMM) or pids_running("sleep", SPIN_SLEEP):
                await anyio.sleep(0.1)
    assert outcome, "the call should have failed with the connection"


async def test_deadline_is_a_tool_error_and_stops_the_programs(
    model_server: FakeOpenAIServer,
) -> None:
    args = {"problem": SPIN_PROBLEM, "samples": 1, "rounds": 0}
    with anyio.fail_after(120):
        async with mcp_session(*fake_model_args(model_server, "--deadline", "4")) as (session, _):
            result = await session.call_tool("solve", args)
            assert result.is_error
            assert text_of(result) == "the run's deadline passed before it finished"
            with anyio.fail_after(15):
                while procs_named(SPIN_COMM) or pids_running("sleep", SPIN_SLEEP):
                    await anyio.sleep(0.1)
            ok = await session.call_tool("check", CHECK_STDIN)
            assert ok.structured_content["total"] == 2
