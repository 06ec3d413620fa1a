"""``agentsstar mcp --model local``: the embedded model on the CPU behind the MCP tools
(slow: loads the model and generates for real)."""

from __future__ import annotations

import anyio
import pytest

from agentsstar.backends.local_models import resolve_model
from agentsstar.errors import ModelNotFoundError

from .conftest import example, mcp_session, text_of

pytestmark = [pytest.mark.slow, pytest.mark.anyio, pytest.mark.timeout(1500)]


@pytest.fixture(scope="module", autouse=True)
def _need_local_model() -> None:
    pytest.importorskip("llama_cpp", reason="the 'local' extra is not installed")
    try:
        resolve_model()
    except ModelNotFoundError as exc:  # pragma: no cover - depends on the machine
        pytest.skip(str(exc))


async def test_solve_with_the_embedded_model() -> None:
    problem = example("reverse-words")
    progress: list[str] = []

    async def on_progress(p: float, total: float | None, message: str | None) -> None:
        progress.append(message or "")

    with anyio.fail_after(1200):
        async with mcp_session("--model", "local", "--max-tokens", "512") as (session, _):
            result = await session.call_tool(
                "solve",
                {
                    "prompt": problem["prompt"],
                    "tests": problem["public_tests"],
                    "samples": 2,
                    "rounds": 1,
                },
                progress_callback=on_progress,
            )
            # The same open model and sandbox serve the next call.
            check = await session.call_tool(
                "check",
                {
                    "code": result.structured_content["code"] or "",
                    "tests": problem["private_tests"],
                },
            )
    assert not result.is_error, text_of(result)
    out = result.structured_content
    assert len(out["candidates"]) == 2
    assert out["usage"]["llm_calls"] >= 2 and out["usage"]["completion_tokens"] > 0
    assert out["code"], out["why"]
    assert f"Chosen: candidate {out['selected']} by sstar" in out["why"]
    assert any(m.startswith("sampling") for m in progress)
    # The 0.5B model solves this one; its pick passes the hidden tests too.
    assert out["public_passed"] == out["public_total"] == 2, out["why"]
    assert not check.is_error and check.structured_content["passed"] == 5
