"""Opt-in checks against real hosted APIs; each runs only when its key is set.

Cheap by design: one short completion per provider. Model names can be overridden
with AGENTSSTAR_LIVE_OPENAI_MODEL / AGENTSSTAR_LIVE_ANTHROPIC_MODEL.
"""

from __future__ import annotations

import os
from importlib.util import find_spec

import pytest

from agentsstar.backends import open_backend
from agentsstar.backends.base import GenerationParams, Message
from agentsstar.model import Model

pytestmark = [pytest.mark.live, pytest.mark.anyio]

ASK = [Message("user", "Reply with exactly the word: pong")]
PARAMS = GenerationParams(temperature=0.0, max_tokens=8)
OPENAI_MODEL = os.environ.get("AGENTSSTAR_LIVE_OPENAI_MODEL", "gpt-4o-mini")
ANTHROPIC_MODEL = os.environ.get("AGENTSSTAR_LIVE_ANTHROPIC_MODEL", "claude-3-5-haiku-latest")

needs_openai = pytest.mark.skipif(
    not os.environ.get("OPENAI_API_KEY"), reason="OPENAI_API_KEY is not set"
)
needs_anthropic = pytest.mark.skipif(
    not os.environ.get("ANTHROPIC_API_KEY"), reason="ANTHROPIC_API_KEY is not set"
)
needs_litellm = pytest.mark.skipif(find_spec("litellm") is None, reason="litellm not installed")


async def _ask(spec: str) -> str:
    model = Model(open_backend(spec))
    try:
        completion = await model.chat(ASK, PARAMS)
    finally:
        await model.aclose()
    assert completion.prompt_tokens > 0 and completion.completion_tokens > 0
    return completion.text


@needs_openai
async def test_openai_api() -> None:
    assert "pong" in (await _ask(f"openai:{OPENAI_MODEL}")).lower()


@needs_openai
@needs_litellm
async def test_litellm_openai() -> None:
    assert "pong" in (await _ask(f"litellm:openai/{OPENAI_MODEL}")).lower()


@needs_anthropic
@needs_litellm
async def test_litellm_anthropic() -> None:
    assert "pong" in (await _ask(f"litellm:anthropic/{ANTHROPIC_MODEL}")).lower()
