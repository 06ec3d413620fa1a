"""Run configuration: presets, a TOML file and command-line overrides, resolved into
the objects ``solve`` takes.

Precedence, lowest first: built-in defaults (which depend on the backend: the embedded
CPU model gets smaller defaults), ``--preset``, the config file, then flags. Every name
and parameter is validated; nothing unknown is ignored.

A config file::

    model = "openai:Qwen/Qwen2.5-Coder-7B-Instruct"
    base_url = "http://gpu-box:8000/v1"
    sandbox = "local"
    seed = 1

    [sampling]
    name = "temperature"
    n = 16
    temperature = 0.7

    [revision]
    name = "self-debug"
    rounds = 3
    context = "all"

    [selection]
    name = "sstar"
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentsstar import registry
from agentsstar.backends.base import GenerationParams
from agentsstar.cache import ModelCache
from agentsstar.errors import ConfigError, MissingCredentialsError
from agentsstar.model import Model
from agentsstar.sandboxes.base import Sandbox

# S* itself: what runs when nothing else is asked for.
DEFAULT_STRATEGIES: dict[str, str] = {
    "sampling": "temperature",
    "revision": "self-debug",
    "selection": "sstar",
}


def _arm(sampling: str, revision: str, selection: str) -> dict[str, dict[str, Any]]:
    return {
        "sampling": {"name": sampling},
        "revision": {"name": revision},
        "selection": {"name": selection},
    }


# The S* paper's four arms (sampling, revision, selection).
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "zero-shot": _arm("greedy", "none", "public"),
    "majority": _arm("temperature", "none", "majority"),
    "self-debug": _arm("greedy", "self-debug", "public"),
    "sstar": _arm("temperature", "self-debug", "sstar"),
}

# Chosen for the embedded 0.5B model on 2 CPU cores (~40 tokens/s decode); see
# docs/benchmarks.md. A GPU server or hosted API gets the paper's settings instead.
LOCAL_DEFAULTS: dict[str, Any] = {"n": 4, "rounds": 2, "max_tokens": 768}
REMOTE_DEFAULTS: dict[str, Any] = {"n": 8, "rounds": 2, "max_tokens": 2048}


class StrategySpec(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str

    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


STAGES = ("sampling", "revision", "selection")


class ModelSpec(BaseModel):
    """One model endpoint: a ``--model`` spec and how to reach it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = "local"
    base_url: str | None = None
    api_key_env: str | None = None  # name of the variable holding the key, never the key
    max_concurrency: int | None = Field(default=None, ge=1, le=1024)

    @property
    def is_local(self) -> bool:
        return self.model == "local" or self.model.startswith("local:")

    def endpoint(self) -> tuple[str, str | None, str | None]:
        """What makes two specs the same backend (opened once, shared)."""
        return (self.model, self.base_url, self.api_key_env)


class RunConfig(BaseModel):
    """Everything a run needs besides the problem.

    ``model`` (with ``base_url``, ``api_key_env``, ``max_concurrency``) is the sampling
    model and the default for the other stages; ``models`` gives a stage a model of its
    own (``[models.selection]`` in a config file, ``--selection-model`` on the CLI).
    """

    model_config = ConfigDict(extra="forbid")

    model: str = "local"
    base_url: str | None = None
    api_key_env: str | None = None  # name of the variable holding the key, never the key
    max_concurrency: int | None = Field(default=None, ge=1, le=1024)
    sandbox: str = "local"
    sampling: StrategySpec = StrategySpec(name=DEFAULT_STRATEGIES["sampling"])
    revision: StrategySpec = StrategySpec(name=DEFAULT_STRATEGIES["revision"])
    selection: StrategySpec = StrategySpec(name=DEFAULT_STRATEGIES["selection"])
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=16, le=32768)
    seed: int = 0
    concurrency: int = Field(default=2, ge=1, le=256)  # problems at once in eval
    deadline_s: float | None = Field(default=None, gt=0)
    models: dict[str, ModelSpec] = Field(default_factory=dict)  # per-stage overrides
    cache: str | None = None  # SQLite file of model replies (see agentsstar.cache)
    token_budget: int | None = Field(default=None, ge=1)  # per problem, all stages
    time_budget_s: float | None = Field(default=None, gt=0)  # per problem, wall seconds

    @property
    def is_local(self) -> bool:
        return self.model == "local" or self.model.startswith("local:")

    def model_for(self, stage: str) -> ModelSpec:
        """The model ``stage`` uses: its own, else the top-level (sampling) model."""
        own = self.models.get(stage)
        if own is not None and stage != "sampling":
            return own
        return ModelSpec(
            model=self.model,
            base_url=self.base_url,
            api_key_env=self.api_key_env,
            max_concurrency=self.max_concurrency,
        )

    def generation(self) -> GenerationParams:
        defaults = LOCAL_DEFAULTS if self.is_local else REMOTE_DEFAULTS
        return GenerationParams(
            temperature=0.7 if self.temperature is None else self.temperature,
            max_tokens=self.max_tokens or defaults["max_tokens"],
        )


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            # A new strategy name replaces the old parameters wholesale.
            if "name" in v and v["name"] != out[k].get("name"):
                out[k] = dict(v)
            else:
                out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


# Settings by the command-line flag that sets them, for error messages.
OPTION_FLAGS = {
    "deadline_s": "--deadline",
    "max_tokens": "--max-tokens",
    "temperature": "--temperature",
    "concurrency": "--concurrency",
    "token_budget": "--token-budget",
    "time_budget_s": "--time-budget",
    "max_concurrency": "--max-concurrency",
}


def _hoist_sampling(layer: dict[str, Any]) -> dict[str, Any]:
    """``[models.sampling]`` is the top-level model by another name: move it up within
    its own layer, so a later layer's ``model`` (a ``--model`` flag) still wins."""
    models = layer.get("models")
    if not isinstance(models, dict) or not isinstance(models.get("sampling"), dict):
        return layer
    rest = {k: v for k, v in models.items() if k != "sampling"}
    return {**layer, **models["sampling"], "models": rest}


def load_config_file(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        with p.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{p}: no such config file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: invalid TOML: {exc}") from None


def build_config(
    *,
    preset: str | None = None,
    file: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
) -> RunConfig:
    """Combine preset, file and overrides (already nested like the file) and validate."""
    data: dict[str, Any] = {stage: {"name": name} for stage, name in DEFAULT_STRATEGIES.items()}
    if preset is not None:
        if preset not in PRESETS:
            raise ConfigError(f"unknown preset {preset!r}; valid: {', '.join(PRESETS)}")
        data = _merge(data, PRESETS[preset])
    source = "options"
    if file is not None:
        data = _merge(data, _hoist_sampling(load_config_file(file)))
        source = str(file)
    data = _merge(data, _hoist_sampling(overrides or {}))
    try:
        cfg = RunConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        what = "unknown setting" if err["type"] == "extra_forbidden" else err["msg"]
        if source == "options" and loc in OPTION_FLAGS:
            raise ConfigError(f"{OPTION_FLAGS[loc]}: {what}") from None
        raise ConfigError(f"{source}: {loc}: {what}") from None
    if cfg.sandbox not in registry.SANDBOXES.names():
        raise registry.SANDBOXES.unknown(cfg.sandbox)
    for stage in cfg.models:
        if stage not in STAGES:
            valid = ", ".join(STAGES)
            raise ConfigError(f"{source}: models.{stage}: unknown stage; valid: {valid}")
    return _apply_backend_defaults(cfg, data)


def _apply_backend_defaults(cfg: RunConfig, data: dict[str, Any]) -> RunConfig:
    """Fill ``n`` and ``rounds`` from the backend's defaults when nobody set them."""
    defaults = LOCAL_DEFAULTS if cfg.is_local else REMOTE_DEFAULTS
    updates: dict[str, Any] = {}
    for stage, param in (("sampling", "n"), ("revision", "rounds")):
        spec: StrategySpec = getattr(cfg, stage)
        cls = registry.strategy_class(stage, spec.name)  # type: ignore[arg-type]
        fields = getattr(cls, "model_fields", {})
        if param in fields and param not in spec.params():
            updates[stage] = StrategySpec(
                name=spec.name, **{**spec.params(), param: defaults[param]}
            )
    if cfg.temperature is not None:
        spec = updates.get("sampling", cfg.sampling)
        cls = registry.strategy_class("sampling", spec.name)
        if "temperature" in getattr(cls, "model_fields", {}) and "temperature" not in spec.params():
            updates["sampling"] = StrategySpec(
                name=spec.name, **{**spec.params(), "temperature": cfg.temperature}
            )
    return cfg.model_copy(update=updates) if updates else cfg


def build_strategies(cfg: RunConfig) -> tuple[Any, Any, Any]:
    """The three strategy objects named by ``cfg``.

    Raises:
        UnknownNameError: a strategy name does not exist.
        ConfigError: a parameter is unknown or invalid.
    """
    return (
        registry.make("sampling", cfg.sampling.name, cfg.sampling.params()),
        registry.make("revision", cfg.revision.name, cfg.revision.params()),
        registry.make("selection", cfg.selection.name, cfg.selection.params()),
    )


def parse_param(text: str) -> tuple[str, str, Any]:
    """``stage.key=value`` from ``--param``; the value is JSON if it parses, else text."""
    import json

    key, sep, raw = text.partition("=")
    stage, dot, name = key.partition(".")
    if not sep or not dot or stage not in registry.KINDS or not name:
        raise ConfigError(
            f"--param {text!r}: expected STAGE.NAME=VALUE with STAGE one of "
            f"{', '.join(registry.KINDS)}"
        )
    try:
        value: Any = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return stage, name, value


def build_model(spec: ModelSpec | RunConfig, cache: ModelCache | None = None) -> Model:
    """The ``Model`` for a spec (``local``, ``openai:NAME``, ``litellm:P/NAME``...),
    answering from ``cache`` where it can. A ``RunConfig`` means its sampling model."""
    import os

    from agentsstar.backends import default_concurrency, open_backend

    if isinstance(spec, RunConfig):
        spec = spec.model_for("sampling")
    options: dict[str, Any] = {}
    if spec.base_url is not None:
        options["base_url"] = spec.base_url
    if spec.api_key_env is not None:
        key = os.environ.get(spec.api_key_env)
        if not key:
            raise MissingCredentialsError(f"api_key_env: ${spec.api_key_env} is not set")
        options["api_key"] = key
    backend = open_backend(spec.model, **options)
    concurrency = spec.max_concurrency or default_concurrency(spec.model)
    return Model(backend, max_concurrency=concurrency, cache=cache)


def build_sandbox(cfg: RunConfig) -> Sandbox:
    """The sandbox named by ``cfg.sandbox`` (built-in or an ``agentsstar.sandboxes``
    entry point), not yet started."""
    factory = registry.SANDBOXES.load(cfg.sandbox)
    sandbox: Sandbox = factory()
    return sandbox
