"""The composition root: a ``RunConfig`` turned into the objects a run needs.

``solve("local")``, ``agentsstar run``, ``agentsstar eval`` and everything built on
them open their model, sandbox and strategies here and nowhere else::

    async with open_run(cfg) as run:
        result = await run.solve(problem)

What ``open_run`` opened it also closes; a model or sandbox passed in is the caller's
and is left open.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio

from agentsstar.backends.base import GenerationParams
from agentsstar.cache import ModelCache
from agentsstar.config import (
    STAGES,
    ModelSpec,
    RunConfig,
    build_model,
    build_sandbox,
    build_strategies,
)
from agentsstar.context import ProgressFn
from agentsstar.model import Model
from agentsstar.problem import Problem
from agentsstar.records import Result
from agentsstar.sandboxes.base import ClosesOnExit, Sandbox
from agentsstar.strategies.base import RevisionStrategy, SamplingStrategy, SelectionStrategy

# How long closing a run may take when it is being torn down after an error or a
# cancel: a stuck sandbox must not hold the process forever.
CLOSE_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Strategies:
    """The three stages of one run."""

    sampling: SamplingStrategy
    revision: RevisionStrategy
    selection: SelectionStrategy


@dataclass
class Run:
    """An open run: the models, the sandbox and how to build strategies, from one config.

    ``models`` maps each stage (sampling, revision, selection) to its model; stages
    naming the same endpoint share one ``Model`` (an embedded model is loaded once).
    """

    cfg: RunConfig
    models: dict[str, Model]
    sandbox: Sandbox
    params: GenerationParams

    @property
    def model(self) -> Model:
        """The sampling model (the default of every stage)."""
        return self.models["sampling"]

    def strategies(self) -> Strategies:
        """Fresh strategy objects (one set per problem: strategies may keep state)."""
        sampling, revision, selection = build_strategies(self.cfg)
        return Strategies(sampling, revision, selection)

    async def solve(
        self,
        problem: Problem,
        *,
        strategies: Strategies | None = None,
        score_candidates: bool = False,
        progress: ProgressFn | None = None,
    ) -> Result:
        """``problem`` through the pipeline with this run's parts and settings."""
        from agentsstar.pipeline import run_pipeline

        return await run_pipeline(
            problem,
            self,
            strategies or self.strategies(),
            score_candidates=score_candidates,
            progress=progress,
        )


class Parts(ClosesOnExit):
    """Models, caches and sandboxes opened by endpoint, shared by every run that asks
    for the same one, and closed together.

    Several arms of one eval use one ``Parts``: an arm that names the same model as
    another gets the same ``Model`` (an embedded model is loaded once, its concurrency
    limit is shared), so identical requests meet in one cache and are paid for once.
    """

    def __init__(self) -> None:
        self._stack = AsyncExitStack()
        self._models: dict[tuple[object, ...], Model] = {}
        self._caches: dict[str, ModelCache] = {}
        self._sandboxes: dict[str, Sandbox] = {}

    def cache(self, path: str | None) -> ModelCache | None:
        if path is None:
            return None
        key = str(Path(path).resolve())
        if key not in self._caches:
            cache = self._caches[key] = ModelCache(path)
            self._stack.callback(cache.close)
        return self._caches[key]

    def model(self, spec: ModelSpec, cache_path: str | None) -> Model:
        key = (*spec.endpoint(), cache_path and str(Path(cache_path).resolve()))
        if key not in self._models:
            built = self._models[key] = build_model(spec, self.cache(cache_path))
            self._stack.push_async_callback(_close, built.aclose)
        return self._models[key]

    def sandbox(self, cfg: RunConfig) -> Sandbox:
        if cfg.sandbox not in self._sandboxes:
            box = self._sandboxes[cfg.sandbox] = build_sandbox(cfg)
            self._stack.push_async_callback(_close, box.aclose)
        return self._sandboxes[cfg.sandbox]

    async def aclose(self) -> None:
        await self._stack.aclose()


@asynccontextmanager
async def open_run(
    cfg: RunConfig,
    *,
    model: Model | None = None,
    models: Mapping[str, Model] | None = None,
    sandbox: Sandbox | None = None,
    params: GenerationParams | None = None,
    parts: Parts | None = None,
    warm: bool = True,
) -> AsyncIterator[Run]:
    """Open what ``cfg`` names (or use the ``model``, per-stage ``models`` and
    ``sandbox`` given; those stay open for the caller) for a run.

    With ``parts``, models and sandboxes come from (and stay in) that shared pool;
    otherwise the run opens its own and closes them when it ends. With ``warm`` every
    model is prepared before the run (an embedded model loads its weights), so a
    missing or corrupt model is reported at once.

    Raises:
        UnknownNameError, ConfigError: ``cfg`` names something that does not exist.
        MissingDependencyError, MissingCredentialsError, ModelNotFoundError: the model
            cannot be opened here.
        CacheError: ``cfg.cache`` is not a usable cache file.
    """
    build_strategies(cfg)  # validate every name and parameter before opening anything
    async with AsyncExitStack() as owned:
        if parts is None:
            parts = await owned.enter_async_context(Parts())
        given = dict(models or {})
        if model is not None:
            given["sampling"] = model
        stage_models: dict[str, Model] = {}
        for stage in STAGES:
            if stage in given:
                stage_models[stage] = given[stage]
            elif stage != "sampling" and stage not in cfg.models and "sampling" in given:
                stage_models[stage] = given["sampling"]  # a given model is every default
            else:
                stage_models[stage] = parts.model(cfg.model_for(stage), cfg.cache)
        if sandbox is None:
            sandbox = parts.sandbox(cfg)
        if warm:
            for m in {id(m): m for m in stage_models.values()}.values():
                await m.warm()
        yield Run(cfg=cfg, models=stage_models, sandbox=sandbox, params=params or cfg.generation())


async def _close(aclose: Callable[[], Awaitable[None]]) -> None:
    # Shielded: closing must happen even when the run is being cancelled.
    with anyio.move_on_after(CLOSE_TIMEOUT_S, shield=True):
        await aclose()
