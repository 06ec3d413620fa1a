"""Evals on a local Ray runtime: same results as a local eval, a lost worker survived."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentsstar.config import build_config
from agentsstar.errors import ConfigError
from agentsstar.evaluation.runner import run_eval
from agentsstar.evaluation.store import ProblemRecord, RunStore
from agentsstar.problem import load_problems
from agentsstar.testing import FakeOpenAIServer

from ..cli.fake_model import reply

ray = pytest.importorskip("ray")
from agentsstar.evaluation.ray_runner import connect, run_eval_on_ray  # noqa: E402

pytestmark = pytest.mark.anyio

EXAMPLES = Path(__file__).parent.parent.parent / "examples"


@pytest.fixture(scope="module")
def ray_runtime() -> Iterator[None]:
    connect("local", num_cpus=2)  # as `--ray local` starts it
    # On loopback only (Ray would listen on the machine's network address).
    assert ray.get_runtime_context().gcs_address.startswith("127.0.0.1:")
    try:
        yield
    finally:
        ray.shutdown()


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(reply=reply, delay=0.3) as srv:
        yield srv


def config(server: FakeOpenAIServer) -> object:
    return build_config(
        preset="sstar",
        overrides={
            "model": "openai:fake-model",
            "base_url": server.base_url,
            "sampling": {"n": 2},
            "revision": {"rounds": 1},
            "concurrency": 2,
        },
    )


def new_store(path: Path, cfg: object) -> RunStore:
    store = RunStore(path)
    store.create({"run": cfg.model_dump(mode="json")})  # type: ignore[attr-defined]
    return store


async def test_a_ray_eval_gives_the_results_of_a_local_eval(
    ray_runtime: None, server: FakeOpenAIServer, tmp_path: Path
) -> None:
    problems = load_problems(EXAMPLES)
    cfg = config(server)
    local = await run_eval(problems, cfg, new_store(tmp_path / "local", cfg))  # type: ignore[arg-type]
    on_ray = await run_eval_on_ray(
        problems,
        cfg,
        new_store(tmp_path / "ray", cfg),
        address="local",
        workers=2,  # type: ignore[arg-type]
    )
    assert {r.id: r.passed for r in on_ray} == {r.id: r.passed for r in local}
    assert all(r.error is None for r in on_ray)
    # Rows say where they ran: two worker processes, neither of them this one.
    pids = {r.pid for r in on_ray}
    assert len(pids) == 2 and os.getpid() not in pids
    assert all(r.host for r in on_ray)


def _worker_pids() -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if b"ProblemWorker" in cmdline:
            found.append(int(entry))
    return found


async def test_a_worker_killed_mid_run_is_survived(
    ray_runtime: None, server: FakeOpenAIServer, tmp_path: Path
) -> None:
    problems = load_problems(EXAMPLES)
    cfg = config(server)
    store = new_store(tmp_path / "ray", cfg)
    killed: list[int] = []

    def kill_one_worker(record: ProblemRecord) -> None:
        if not killed:
            pids = _worker_pids()
            assert pids, "no worker process found"
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    records = await run_eval_on_ray(
        problems,
        cfg,
        store,
        address="local",
        workers=2,
        on_record=kill_one_worker,  # type: ignore[arg-type]
    )
    assert killed
    assert sorted(r.id for r in records) == sorted(p.id for p in problems)
    assert all(r.error is None for r in records), [r.error for r in records]
    assert killed[0] not in {r.pid for r in records[1:]}  # nothing ran on it afterwards
    assert set(store.finished()) == {p.id for p in problems}


async def test_the_embedded_model_is_refused_with_a_reason(tmp_path: Path) -> None:
    cfg = build_config(overrides={"model": "local"})
    with pytest.raises(
        ConfigError, match="--ray: the embedded model would be loaded once per worker"
    ):
        await run_eval_on_ray([], cfg, new_store(tmp_path / "r", cfg), address="local")
