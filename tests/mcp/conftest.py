"""Fixtures for ``agentsstar mcp``: the real server process, driven by the official
SDK's client, with a scripted OpenAI-compatible model on loopback."""

from __future__ import annotations

import json
import os
import re
import secrets
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mcp", reason="the 'mcp' extra is not installed")

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from agentsstar.testing.openai_server import FakeOpenAIServer
from tests.cli.fake_model import reply as example_reply

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "examples"

# A problem on which the samples behave in two ways: even seeds write the right
# program, odd seeds one that passes the public test but forgets the absolute value.
DIFF_PROMPT = "Read two integers a and b on one line and print the absolute difference |a - b|."
DIFF_RIGHT = "a, b = map(int, input().split())\nprint(abs(a - b))\n"
DIFF_WRONG = "a, b = map(int, input().split())\nprint(a - b)\n"
DIFF_INPUTS = ["2 7\n", "9 4\n"]

# A problem whose program never ends: it names itself SPIN_COMM (its /proc comm) and
# starts a ``sleep SPIN_SLEEP`` child, so the test can find both on the host.
SPIN_PROMPT = "Spin until cancelled."
SPIN_COMM = "mcpspin" + secrets.token_hex(4)
SPIN_SLEEP = f"{secrets.randbelow(10**6) + 10**6}.{secrets.randbelow(10**3)}"
SPIN_CODE = (
    "import ctypes, subprocess\n"
    f"ctypes.CDLL(None).prctl(15, b'{SPIN_COMM}', 0, 0, 0)\n"
    f"subprocess.Popen(['sleep', '{SPIN_SLEEP}'])\n"
    "while True:\n    pass\n"
)


def reply(messages: list[dict[str, Any]], body: dict[str, Any]) -> str:
    """The example problems' replies (tests/cli/fake_model.py), plus the two above."""
    whole = "\n".join(str(m["content"]) for m in messages)
    last = str(messages[-1]["content"])
    if DIFF_PROMPT in whole:
        if "Both programs were executed" in last:
            program_a = last.split("Program A:", 1)[1].split("Program B:", 1)[0]
            return "Answer: A" if "abs(" in program_a else "Answer: B"
        if "INPUTS" in last:
            return "```json\n" + json.dumps(DIFF_INPUTS) + "\n```"
        code = DIFF_RIGHT if int(body.get("seed") or 0) % 2 == 0 else DIFF_WRONG
        return f"```python\n{code}```"
    if SPIN_PROMPT in whole:
        return f"```python\n{SPIN_CODE}```"
    return example_reply(messages, body)


def diff_problem() -> dict[str, Any]:
    return {
        "id": "abs-diff",
        "prompt": DIFF_PROMPT,
        "kind": "stdin",
        "public_tests": [{"input": "5 3\n", "output": "2\n"}],
    }


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    return data


@pytest.fixture(scope="module")
def model_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(reply=reply) as srv:
        yield srv


def server_env() -> dict[str, str]:
    # The SDK passes the server only a safe subset of the environment; the worktree
    # must stay importable (PYTHONPATH) for the command to be this checkout's.
    env = {"PYTHONPATH": os.environ.get("PYTHONPATH", str(ROOT))}
    return env


@asynccontextmanager
async def mcp_session(
    *args: str, errlog: Path | None = None
) -> AsyncIterator[tuple[ClientSession, StdioServerParameters]]:
    """``agentsstar mcp ARGS`` started by the SDK's stdio client, initialised."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "agentsstar", "mcp", *args],
        env=server_env(),
        cwd=str(ROOT),
    )
    with open(errlog or os.devnull, "w") as err:
        async with (
            stdio_client(params, errlog=err) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield session, params


def fake_model_args(server: FakeOpenAIServer, *extra: str) -> list[str]:
    return ["--model", "openai:fake-model", "--base-url", server.base_url, *extra]


def text_of(result: Any) -> str:
    return "".join(getattr(block, "text", "") for block in result.content)


def one_line(text: str) -> bool:
    return "\n" not in text.strip() and bool(re.match(r"^[a-z_]+[\[:. ]", text))
