"""The Python API's defaults: ``solve(problem)`` opens (and closes) what it needs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agentsstar import load_problem, solve
from agentsstar.strategies import GreedySampling, NoRevision
from agentsstar.testing import FakeOpenAIServer

from .cli.fake_model import reply
from .sandboxes.conftest import runner_children

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
