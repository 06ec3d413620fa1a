"""Smoke test of one install profile, run with that profile's own interpreter.

    python scripts/smoke_profile.py base|local|litellm|e2b

Each profile is a fresh virtualenv holding agentsstar with one extra (or none), and
nothing else: this proves that what a user installs is enough for its own path.
Exits non-zero with a line saying what failed.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROBLEM = str(ROOT / "examples" / "reverse-words.json")
AGENTSSTAR = str(Path(sys.executable).with_name("agentsstar"))
PROGRAM = "```python\nprint(' '.join(input().split()[::-1]))\n```"


def check(ok: bool, what: str) -> None:
    if not ok:
        sys.exit(f"smoke FAILED: {what}")
    print(f"  ok: {what}")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI")}
    return subprocess.run([AGENTSSTAR, *args], capture_output=True, text=True, timeout=300, env=env)


def reply(messages: Sequence[dict[str, Any]], body: dict[str, Any]) -> str:
    return PROGRAM


def absent(*modules: str) -> None:
    for name in modules:
        check(importlib.util.find_spec(name) is None, f"{name} is not installed here")


def solve_through_server(model: str) -> None:
    from agentsstar.testing import FakeOpenAIServer

    with FakeOpenAIServer(reply=reply) as server:
        args = ["run", PROBLEM, "--model", model, "--base-url", server.base_url]
        proc = cli(*args, "-n", "2", "--rounds", "1")
        check(
            proc.returncode == 0, f"agentsstar run through {model} exits 0 ({proc.stderr[-300:]})"
        )
        check("[::-1]" in proc.stdout, "the selected program is printed")
        check("private tests 5/5 passed" in proc.stderr, "and it passes the private tests")
    # The server is gone now: an unreachable server is one line, not a traceback.
    down = cli(*args, "-n", "1")
    errors = [ln for ln in down.stderr.splitlines() if ln.startswith("error:")]
    check(
        down.returncode == 1 and len(errors) == 1,
        f"unreachable server: one line, exit 1 ({down.stderr[-300:]})",
    )
    check("Traceback" not in down.stderr, "and no traceback")


def usage_error() -> None:
    proc = cli("run", PROBLEM, "--bogus")
    check(
        proc.returncode == 2 and "--bogus" in proc.stderr, "a usage error exits 2 naming the option"
    )
    check("Traceback" not in proc.stderr, "and prints no traceback")


def missing_extras() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        ray = cli(
            "eval",
            str(ROOT / "examples"),
            "--ray",
            "local",
            "--model",
            "openai:x",
            "--run-dir",
            f"{tmp}/run",
        )
        check(not Path(f"{tmp}/run").exists(), "and leaves no run directory behind")
    check(
        ray.returncode == 2 and "agentsstar[ray]" in ray.stderr,
        "--ray without the ray extra names the extra",
    )
    local = cli("run", PROBLEM)
    check(
        local.returncode == 2 and "agentsstar[local]" in local.stderr,
        "the embedded model without the local extra names the extra",
    )


def base() -> None:
    # The packages CI's full install brings in, and the base install must not need.
    absent("httpx", "click", "litellm", "e2b", "llama_cpp", "ray")
    usage_error()
    missing_extras()
    solve_through_server("openai:fake-model")


def litellm() -> None:
    absent("e2b", "llama_cpp")
    solve_through_server("litellm:openai/fake-model")


def local() -> None:
    absent("litellm", "e2b")
    import anyio

    from agentsstar.backends import GenerationParams, Message, open_backend

    async def one_reply() -> str:
        backend = open_backend("local:smollm2-135m")
        try:
            await backend.warm()
            done = await backend.complete(
                [Message("user", "Say hello.")], GenerationParams(max_tokens=16, seed=1)
            )
        finally:
            await backend.aclose()
        return done.text

    text = anyio.run(one_reply)
    check(bool(text.strip()), f"the embedded backend answers ({text[:40]!r})")
    proc = cli("run", PROBLEM, "--model", "local:nonexistent-model")
    check(
        proc.returncode == 2 and "nonexistent-model" in proc.stderr,
        "an unknown local model is one line",
    )


def e2b() -> None:
    absent("litellm", "llama_cpp")
    import anyio

    from agentsstar.sandboxes.base import Limits, Program
    from agentsstar.sandboxes.e2b import E2BSandbox
    from agentsstar.testing.fake_e2b import FakeE2B

    async def run() -> list[str]:
        async with FakeE2B() as cloud, E2BSandbox(create=cloud.create) as box:
            program = Program(code="print(sum(map(int, input().split())))", kind="stdin")
            results = await box.run(program, ["1 2\n", "3 4\n"], Limits(time_s=5))
        return [r.stdout for r in results]

    check(
        anyio.run(run) == ["3\n", "7\n"], "E2BSandbox runs programs (FakeE2B at the SDK boundary)"
    )


def mcp() -> None:
    absent("litellm", "e2b", "llama_cpp")
    import anyio
    from mcp import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    async def tools() -> list[str]:
        params = StdioServerParameters(
            command=AGENTSSTAR,
            args=["mcp", "--model", "openai:x", "--base-url", "http://127.0.0.1:9/v1"],
        )
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            listed = await session.list_tools()
            return sorted(t.name for t in listed.tools)

    check(
        anyio.run(tools) == ["check", "solve"],
        "the MCP server lists solve and check to an MCP client",
    )


PROFILES = {"base": base, "local": local, "litellm": litellm, "e2b": e2b, "mcp": mcp}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in PROFILES:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(PROFILES)}}}")
    print(f"profile {sys.argv[1]}:")
    PROFILES[sys.argv[1]]()
