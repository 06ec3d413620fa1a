"""A model per stage: routing, usage split, one backend per endpoint, config forms."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from agentsstar import load_problem, solve
from agentsstar.assembly import open_run
from agentsstar.backends import GenerationParams, Message
from agentsstar.backends.scripted import ScriptedBackend
from agentsstar.config import build_config
from agentsstar.errors import ConfigError
from agentsstar.strategies import SelfDebug, TemperatureSampling
from agentsstar.strategies.selection.sstar import SStarSelection

pytestmark = pytest.mark.anyio

PROBLEM = load_problem(Path(__file__).parent.parent / "examples" / "reverse-words.json")
RIGHT = "```python\nprint(' '.join(input().split()[::-1]))\n```"
RIGHT_TOO = "```python\nwords = input().split()\nprint(' '.join(reversed(words)))\n```"


def sampler(messages: Sequence[Message], params: GenerationParams) -> str:
    # Two different programs that both pass the public tests: selection has work to do.
    return RIGHT if (params.seed or 0) % 2 == 0 else RIGHT_TOO


def selector(messages: Sequence[Message], params: GenerationParams) -> str:
    prompt = messages[-1].content
    if "Which program" in prompt or "executed" in prompt:
        return "Answer: A"
    return '["a b\\n", "  x  \\n", "one two three\\n"]'


async def test_each_stage_calls_its_own_model_and_usage_is_split_by_model() -> None:
    sampling_backend = ScriptedBackend(sampler, name="scripted:small")
    selection_backend = ScriptedBackend(selector, name="scripted:judge")
    result = await solve(
        PROBLEM,
        model=sampling_backend,
        models={"selection": selection_backend},
        sampling=TemperatureSampling(n=2),
        revision=SelfDebug(rounds=1),
        selection=SStarSelection(),
    )
    assert len(sampling_backend.calls) == 2  # the two samples, nothing else
    assert selection_backend.calls  # every selection call went to the judge model
    assert result.models == {
        "sampling": "scripted:small",
        "revision": "scripted:small",
        "selection": "scripted:judge",
    }
    assert result.usage.by_model["scripted:small"].llm_calls == 2
    assert result.usage.by_model["scripted:judge"].llm_calls == len(selection_backend.calls)
    assert result.usage.by_stage["selection"].llm_calls == len(selection_backend.calls)


async def test_a_backend_named_for_two_stages_is_opened_once() -> None:
    cfg = build_config(
        overrides={
            "model": "openai:small",
            "base_url": "http://127.0.0.1:9/v1",
            "models": {
                "revision": {"model": "openai:small", "base_url": "http://127.0.0.1:9/v1"},
                "selection": {"model": "openai:big", "base_url": "http://127.0.0.1:9/v1"},
            },
        }
    )
    async with open_run(cfg, warm=False) as run:
        assert run.models["revision"] is run.models["sampling"]
        assert run.models["selection"] is not run.models["sampling"]
        assert run.models["selection"].name == "openai:big"


def test_config_file_models_table(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_text(
        '[models.sampling]\nmodel = "openai:small"\nbase_url = "http://127.0.0.1:9/v1"\n'
        '[models.selection]\nmodel = "openai:big"\nmax_concurrency = 4\n'
    )
    cfg = build_config(file=path)
    # [models.sampling] is the top-level model by another name.
    assert (cfg.model, cfg.base_url) == ("openai:small", "http://127.0.0.1:9/v1")
    assert cfg.model_for("revision").model == "openai:small"
    assert cfg.model_for("selection").model == "openai:big"
    assert cfg.model_for("selection").max_concurrency == 4
    # A flag still overrides what the file says of the sampling model.
    flagged = build_config(file=path, overrides={"model": "openai:other"})
    assert flagged.model == "openai:other"
    assert flagged.model_for("selection").model == "openai:big"


def test_unknown_stage_in_models_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_text('[models.judging]\nmodel = "openai:big"\n')
    with pytest.raises(ConfigError, match=r"run\.toml: models\.judging: unknown stage"):
        build_config(file=path)
    path.write_text('[models.selection]\nmodle = "openai:big"\n')
    with pytest.raises(ConfigError, match=r"models\.selection\.modle: unknown setting"):
        build_config(file=path)


async def test_solve_rejects_an_unknown_stage() -> None:
    with pytest.raises(ConfigError, match="models: unknown stage 'judge'"):
        await solve(PROBLEM, model=ScriptedBackend(sampler), models={"judge": "openai:x"})
