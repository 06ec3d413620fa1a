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

import anyio

from agentsstar.backends.base import GenerationParams
from agentsstar.cache import ModelCache
from agentsstar.config import STAGES, RunConfig, build_model, build_sandbox, build_strategies
from agentsstar.context import ProgressFn
from agentsstar.model import Model
from agentsstar.problem import Problem
from agentsstar.records import Result
from agentsstar.sandboxes.base import Sandbox
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

        s = strategies or self.strategies()
        return await run_pipeline(
            problem,
            model=self.model,
            stage_models=self.models,
            sandbox=self.sandbox,
            sampling=s.sampling,
            revision=s.revision,
            selection=s.selection,
            params=self.params,
            seed=self.cfg.seed,
            deadline=self.cfg.deadline_s,
            score_candidates=score_candidates,
            progress=progress,
            token_budget=self.cfg.token_budget,
            time_budget=self.cfg.time_budget_s,
        )


@asynccontextmanager
async def open_run(
    cfg: RunConfig,
    *,
    model: Model | None = None,
    models: Mapping[str, Model] | None = None,
    sandbox: Sandbox | None = None,
    params: GenerationParams | None = None,
    warm: bool = True,
) -> AsyncIterator[Run]:
    """Open what ``cfg`` names (or use the ``model``, per-stage ``models`` and
    ``sandbox`` given; those stay open for the caller) for a run.

    With ``warm`` every model is prepared before the run (an embedded model loads its
    weights), so a missing or corrupt model is reported at once.

    Raises:
        UnknownNameError, ConfigError: ``cfg`` names something that does not exist.
        MissingDependencyError, MissingCredentialsError, ModelNotFoundError: the model
            cannot be opened here.
    """
    build_strategies(cfg)  # validate every name and parameter before opening anything
    async with AsyncExitStack() as owned:
        cache = None
        if cfg.cache is not None:
            cache = ModelCache(cfg.cache)
            owned.callback(cache.close)
        given = dict(models or {})
        if model is not None:
            given["sampling"] = model
        by_endpoint: dict[tuple[str, str | None, str | None], Model] = {}
        stage_models: dict[str, Model] = {}
        for stage in STAGES:
            if stage in given:
                stage_models[stage] = given[stage]
                continue
            if stage != "sampling" and stage not in cfg.models and "sampling" in given:
                stage_models[stage] = given["sampling"]  # a given model is every default
                continue
            spec = cfg.model_for(stage)
            if spec.endpoint() not in by_endpoint:
                built = build_model(spec, cache)
                owned.push_async_callback(_close, built.aclose)
                by_endpoint[spec.endpoint()] = built
            stage_models[stage] = by_endpoint[spec.endpoint()]
        if sandbox is None:
            sandbox = build_sandbox(cfg)
            owned.push_async_callback(_close, sandbox.aclose)
        if warm:
            for m in {id(m): m for m in stage_models.values()}.values():
                await m.warm()
        yield Run(cfg=cfg, models=stage_models, sandbox=sandbox, params=params or cfg.generation())


async def _close(aclose: Callable[[], Awaitable[None]]) -> None:
    # Shielded: closing must happen even when the run is being cancelled.
    with anyio.move_on_after(CLOSE_TIMEOUT_S, shield=True):
        await aclose()
