"""Several arms in one eval: shared samples, one cache, paid for once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agentsstar.config import build_config
from agentsstar.evaluation.runner import Arm, run_arms
from agentsstar.evaluation.store import RunStore
from agentsstar.problem import load_problems
from agentsstar.testing import FakeOpenAIServer

from ..cli.fake_model import reply

pytestmark = pytest.mark.anyio

EXAMPLES = Path(__file__).parent.parent.parent / "examples"


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(reply=reply, delay=0.05) as srv:
        yield srv


def arms(server: FakeOpenAIServer, root: Path, presets: list[str]) -> list[Arm]:
    out = []
    for preset in presets:
        cfg = build_config(
            preset=preset,
            overrides={
                "model": "openai:fake-model",
                "base_url": server.base_url,
                "cache": str(root / "cache.sqlite"),
                "sampling": {"n": 3},
            },
        )
        store = RunStore(root / preset)
        store.create({"run": cfg.model_dump(mode="json"), "preset": preset})
        out.append(Arm(preset, cfg, store))
    return out


def verdicts(store: RunStore) -> dict[str, bool | None]:
    return {k: r.passed for k, r in store.finished().items()}


async def test_two_arms_cost_no_more_than_the_costlier_arm_alone(
    server: FakeOpenAIServer, tmp_path: Path
) -> None:
    problems = load_problems(EXAMPLES)
    # The costlier arm alone, in its own directory with its own cache.
    alone = arms(server, tmp_path / "alone", ["sstar"])
    await run_arms(problems, alone)
    costliest = server.request_count
    # Both arms together: majority's samples are the same requests as sstar's.
    before = server.request_count
    both = arms(server, tmp_path / "both", ["majority", "sstar"])
    await run_arms(problems, both)
    assert server.request_count - before <= costliest
    assert verdicts(both[1].store) == verdicts(alone[0].store)
    assert all(v is not None for v in verdicts(both[0].store).values())
    # Both arms saw the same samples: their candidates' first programs are identical.
    for problem in problems:
        first = [
            [c["attempts"][0]["code"] for c in _full(arm.store, problem.id)["candidates"]]
            for arm in both
        ]
        assert first[0] == first[1]


async def test_a_rerun_from_the_same_cache_makes_no_request(
    server: FakeOpenAIServer, tmp_path: Path
) -> None:
    problems = load_problems(EXAMPLES)
    first = arms(server, tmp_path / "one", ["majority", "sstar"])
    await run_arms(problems, first)
    # Same cache, fresh run directories.
    (tmp_path / "two").mkdir()
    (tmp_path / "one" / "cache.sqlite").rename(tmp_path / "two" / "cache.sqlite")
    for suffix in ("-wal", "-shm"):
        wal = tmp_path / "one" / f"cache.sqlite{suffix}"
        if wal.exists():
            wal.rename(tmp_path / "two" / f"cache.sqlite{suffix}")
    before = server.request_count
    second = arms(server, tmp_path / "two", ["majority", "sstar"])
    records = await run_arms(problems, second)
    assert server.request_count == before
    for a, b in zip(first, second, strict=True):
        assert verdicts(b.store) == verdicts(a.store)
    for rec in records["sstar"]:
        assert rec.usage.llm_calls == 0 and rec.usage.cached_calls > 0


def _full(store: RunStore, problem_id: str) -> dict[str, object]:
    import json

    data: dict[str, object] = json.loads(store.result_path(problem_id).read_text())
    return data
