"""CLI options have the effect they claim, seen where it matters: in the requests the
model server receives, and in the result the run writes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentsstar.testing.openai_server import FakeOpenAIServer

from .fake_model import reply
from .test_run import EXAMPLES, cli

REVERSE = str(EXAMPLES / "reverse-words.json")
# The fake model's answer to mean-median is wrong: it fails public tests, so
# self-debug has something to revise.
MEAN_MEDIAN = str(EXAMPLES / "mean-median.json")


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    # One server a test, so its requests are that test's alone.
    with FakeOpenAIServer(reply=reply) as srv:
        yield srv


def run(server: FakeOpenAIServer, problem: str, *args: str, out: Path) -> dict[str, Any]:
    proc = cli(
        "run", problem, "--model", "openai:fake-model", "--base-url", server.base_url,
        "--out", str(out), *args,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def sampling_requests(server: FakeOpenAIServer) -> list[dict[str, Any]]:
    """The requests that asked for a solution (the first message is the problem)."""
    return [
        r
        for r in server.requests
        if "words in reverse order" in r["messages"][-1]["content"]
        and "INPUTS" not in r["messages"][-1]["content"]
    ]


def test_seed_and_temperature_reach_the_server(server: FakeOpenAIServer, tmp_path: Path) -> None:
    run(
        server, REVERSE, "-n", "3", "--rounds", "0", "--seed", "40", "--temperature", "0.25",
        out=tmp_path / "r.json",
    )  # fmt: skip
    sampled = sampling_requests(server)
    assert sorted(r["seed"] for r in sampled) == [40, 41, 42]
    assert {r["temperature"] for r in sampled} == {0.25}


def test_greedy_sampling_asks_once_at_temperature_zero(
    server: FakeOpenAIServer, tmp_path: Path
) -> None:
    data = run(server, REVERSE, "--sampling", "greedy", "--rounds", "0", out=tmp_path / "r.json")
    [request] = sampling_requests(server)
    assert request["temperature"] == 0.0
    assert len(data["candidates"]) == 1


def test_revision_none_and_self_debug(server: FakeOpenAIServer, tmp_path: Path) -> None:
    plain = run(
        server, MEAN_MEDIAN, "-n", "1", "--revision", "none", "--selection", "public",
        out=tmp_path / "none.json",
    )  # fmt: skip
    assert [len(c["attempts"]) for c in plain["candidates"]] == [1]
    assert plain["usage"]["by_stage"].get("revision", {}).get("llm_calls", 0) == 0
    debugged = run(
        server, MEAN_MEDIAN, "-n", "1", "--revision", "self-debug", "--rounds", "2",
        "--selection", "public", out=tmp_path / "debug.json",
    )  # fmt: skip
    # The fake model never fixes its program: both rounds are spent, each a model call.
    assert [len(c["attempts"]) for c in debugged["candidates"]] == [3]
    assert debugged["usage"]["by_stage"]["revision"]["llm_calls"] == 2


def test_config_file_is_read_and_flags_override_it(
    server: FakeOpenAIServer, tmp_path: Path
) -> None:
    config = tmp_path / "settings.toml"
    config.write_text(
        f'model = "openai:fake-model"\nbase_url = "{server.base_url}"\nseed = 7\n'
        'temperature = 0.4\n\n[sampling]\nname = "temperature"\nn = 2\n\n'
        '[revision]\nname = "none"\n'
    )
    out = tmp_path / "r.json"
    proc = cli("run", REVERSE, "--config", str(config), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    sampled = sampling_requests(server)
    assert sorted(r["seed"] for r in sampled) == [7, 8]
    assert {r["temperature"] for r in sampled} == {0.4}
    assert len(json.loads(out.read_text())["candidates"]) == 2

    before = len(server.requests)
    proc = cli(
        "run", REVERSE, "--config", str(config), "--seed", "100", "-n", "1",
        "--temperature", "0.9", "--out", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    sampled = sampling_requests(server)[-(len(server.requests) - before) :]
    assert [(r["seed"], r["temperature"]) for r in sampled] == [(100, 0.9)]


def test_config_file_with_an_unknown_setting_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text('model = "openai:m"\nsamples = 3\n')
    proc = cli("run", REVERSE, "--config", str(config))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: {config}: samples: unknown setting"
