"""Options shared by ``run``, ``eval`` and ``mcp``, declared once.

A command takes them all by decorating itself with ``@run_options`` and accepting one
``options: RunOptions`` parameter; typer sees every option as if it were declared on
the command. Help texts list names from the registry, not from hard-coded strings.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Annotated, Any

import typer

from agentsstar import registry
from agentsstar.config import PRESETS, STAGES, RunConfig, build_config, parse_param


def _names(reg: registry.Registry) -> str:
    return ", ".join(reg.names())


def _option(*decls: str, help: str, **kwargs: Any) -> Any:
    return typer.Option(*decls, help=help, **kwargs)


MODEL_HELP = (
    "local (default: Qwen2.5-Coder-0.5B on the CPU), local:qwen2.5-coder-1.5b, "
    "local:FILE.gguf, openai:NAME (with --base-url for vLLM), litellm:PROVIDER/NAME."
)


@dataclass
class RunOptions:
    """Every option of a run, as the command line gave them (``None``: not given)."""

    model: Annotated[str | None, _option("--model", "-m", help=MODEL_HELP)] = None
    base_url: Annotated[
        str | None, _option("--base-url", help="OpenAI-compatible /v1 URL (vLLM, llama.cpp).")
    ] = None
    revision_model: Annotated[
        str | None,
        _option("--revision-model", help="A model of its own for revision (default: --model)."),
    ] = None
    revision_base_url: Annotated[
        str | None, _option("--revision-base-url", help="/v1 URL of --revision-model.")
    ] = None
    selection_model: Annotated[
        str | None,
        _option(
            "--selection-model",
            help="A model of its own for selection: inputs and judging (default: --model).",
        ),
    ] = None
    selection_base_url: Annotated[
        str | None, _option("--selection-base-url", help="/v1 URL of --selection-model.")
    ] = None
    sandbox: Annotated[
        str | None, _option("--sandbox", help=f"Where programs run: {_names(registry.SANDBOXES)}.")
    ] = None
    preset: Annotated[
        list[str] | None,
        _option(
            "--preset",
            help=f"One of the paper's arms: {', '.join(PRESETS)}. eval takes several.",
        ),
    ] = None
    config: Annotated[
        list[Path] | None,
        _option("--config", help="TOML file of settings; flags override it. eval takes several."),
    ] = None
    sampling: Annotated[
        str | None,
        _option(
            "--sampling", help=f"Sampling strategy: {_names(registry.STRATEGIES['sampling'])}."
        ),
    ] = None
    revision: Annotated[
        str | None,
        _option(
            "--revision", help=f"Revision strategy: {_names(registry.STRATEGIES['revision'])}."
        ),
    ] = None
    selection: Annotated[
        str | None,
        _option(
            "--selection", help=f"Selection strategy: {_names(registry.STRATEGIES['selection'])}."
        ),
    ] = None
    samples: Annotated[
        int | None, _option("--samples", "-n", min=1, max=1024, help="Candidates to sample.")
    ] = None
    rounds: Annotated[
        int | None, _option("--rounds", min=0, max=20, help="Self-debug rounds per candidate.")
    ] = None
    adaptive: Annotated[
        bool,
        _option(
            "--adaptive",
            help="Sample in waves; stop once candidates passing the public tests agree "
            "(sampling.wave, sampling.agree).",
        ),
    ] = False
    temperature: Annotated[
        float | None,
        _option("--temperature", min=0.0, max=2.0, help="Sampling temperature."),
    ] = None
    max_tokens: Annotated[
        int | None,
        _option("--max-tokens", min=16, max=32768, help="Cap on tokens per reply."),
    ] = None
    seed: Annotated[int | None, _option("--seed", help="Base seed (default 0).")] = None
    param: Annotated[
        list[str] | None,
        _option(
            "--param",
            "-p",
            help="Strategy parameter STAGE.NAME=VALUE, e.g. selection.num_inputs=12.",
        ),
    ] = None
    deadline: Annotated[
        float | None,
        _option(
            "--deadline", min=0, help="Give up on a problem after this many seconds (an error)."
        ),
    ] = None
    token_budget: Annotated[
        int | None,
        _option(
            "--token-budget",
            min=1,
            help="Tokens a problem may spend; then the best program so far is returned.",
        ),
    ] = None
    time_budget: Annotated[
        float | None,
        _option(
            "--time-budget",
            min=0,
            help="Seconds a problem may spend; then the best program so far is returned.",
        ),
    ] = None
    cache: Annotated[
        Path | None,
        _option("--cache", help="SQLite file of model replies: a request asked before is free."),
    ] = None
    no_cache: Annotated[
        bool, _option("--no-cache", help="No model-call cache (eval has one by default).")
    ] = False
    verbose: Annotated[
        int, _option("--verbose", "-v", count=True, help="More logging (-vv: tracebacks).")
    ] = 0

    def given(self) -> list[str]:
        """The flags given, as typed (for "drop these with --resume")."""
        out = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name != "verbose" and value not in (None, False, []):
                out.append("--" + f.name.replace("_", "-"))
        return out

    def overrides(self) -> dict[str, Any]:
        """The flags as settings, nested like a config file."""
        over: dict[str, Any] = {}
        for key, value in (
            ("model", self.model),
            ("base_url", self.base_url),
            ("sandbox", self.sandbox),
            ("temperature", self.temperature),
            ("max_tokens", self.max_tokens),
            ("seed", self.seed),
            ("deadline_s", self.deadline),
            ("token_budget", self.token_budget),
            ("time_budget_s", self.time_budget),
        ):
            if value is not None:
                over[key] = value
        if self.cache is not None:
            over["cache"] = str(self.cache)
        for stage, model, url in (
            ("revision", self.revision_model, self.revision_base_url),
            ("selection", self.selection_model, self.selection_base_url),
        ):
            if url is not None and model is None:
                raise typer.BadParameter(
                    f"--{stage}-base-url needs --{stage}-model", param_hint=f"--{stage}-base-url"
                )
            if model is not None:
                spec = {"model": model, **({"base_url": url} if url else {})}
                over.setdefault("models", {})[stage] = spec
        for stage, name in (
            ("sampling", self.sampling),
            ("revision", self.revision),
            ("selection", self.selection),
        ):
            if name is not None:
                over[stage] = {"name": name}
        # -n and --rounds are parameters of the chosen strategies; they are checked like
        # any other parameter, so `--preset zero-shot -n 8` is an error, not ignored.
        if self.samples is not None:
            over.setdefault("sampling", {})["n"] = self.samples
        if self.rounds is not None:
            over.setdefault("revision", {})["rounds"] = self.rounds
        if self.adaptive:
            over.setdefault("sampling", {})["adaptive"] = True
        for text in self.param or []:
            stage, key, value = parse_param(text)
            over.setdefault(stage, {})[key] = value
        return over

    def arms(self) -> list[tuple[str, str | None, Path | None]]:
        """(name, preset, config file) of each arm: one per --preset and per --config,
        or a single unnamed arm when neither or one of each is given."""
        presets, configs = self.preset or [], self.config or []
        if len(presets) <= 1 and len(configs) <= 1:
            preset = presets[0] if presets else None
            config = configs[0] if configs else None
            name = preset or (config.stem if config else "run")
            return [(name, preset, config)]
        arms: list[tuple[str, str | None, Path | None]] = [(p, p, None) for p in presets]
        arms += [(c.stem, None, c) for c in configs]
        names = [a[0] for a in arms]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise typer.BadParameter(f"two arms would be named {dupes[0]!r}", param_hint="--preset")
        return arms

    def resolve(
        self,
        preset: str | None,
        config: Path | None,
        extra: dict[str, Any] | None = None,
        *,
        fitting: bool = False,
    ) -> RunConfig:
        """Preset, config file, then these flags (and ``extra``), validated.

        With ``fitting`` (an eval of several arms), a strategy parameter given by a flag
        (``-n``, ``--rounds``, ``--adaptive``, ``--param``) reaches only an arm whose
        strategy takes it: ``-n 8`` beside ``--preset zero-shot --preset sstar`` sizes
        sstar's pool and leaves greedy alone. ``check_taken`` then refuses a parameter
        that no arm takes. One arm alone gets every parameter, and an error for one it
        does not take.
        """
        over = {**self.overrides(), **(extra or {})}
        if fitting:
            names = {
                k: {"name": v["name"]} if "name" in v else {}
                for k, v in over.items()
                if k in STAGES and isinstance(v, dict)
            }
            chosen = build_config(preset=preset, file=config, overrides={**over, **names})
            for stage in names:
                declared = _declared(stage, getattr(chosen, stage).name)
                if declared is not None:
                    over[stage] = {
                        k: v for k, v in over[stage].items() if k == "name" or k in declared
                    }
        return build_config(preset=preset, file=config, overrides=over)

    def check_taken(self, configs: list[RunConfig]) -> None:
        """Refuse a strategy parameter flag that no arm's strategy takes."""
        for stage, params in self.overrides().items():
            if stage not in STAGES or not isinstance(params, dict):
                continue
            for key in params:
                if key != "name" and not any(
                    key in getattr(cfg, stage).params() for cfg in configs
                ):
                    raise typer.BadParameter(
                        f"no arm's {stage} strategy takes {key!r}",
                        param_hint=_PARAM_FLAGS.get((stage, key), "--param"),
                    )


# The flags that set a strategy parameter, for error messages.
_PARAM_FLAGS = {("sampling", "n"): "-n", ("revision", "rounds"): "--rounds"}


def _declared(stage: str, name: str) -> set[str] | None:
    """The parameters strategy ``name`` takes (None: it does not say)."""
    cls = registry.strategy_class(stage, name)  # type: ignore[arg-type]
    fields_ = getattr(cls, "model_fields", None)
    return None if fields_ is None else set(fields_)


_SHARED = {f.name: f for f in fields(RunOptions)}


def run_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give ``command`` every run option; it receives them as ``options: RunOptions``."""
    hints = typing.get_type_hints(command, include_extras=True)
    option_hints = typing.get_type_hints(RunOptions, include_extras=True)
    own = [p for p in inspect.signature(command).parameters.values() if p.name != "options"]
    shared = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=f.default,
            annotation=option_hints[name],
        )
        for name, f in _SHARED.items()
    ]

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> Any:
        options = RunOptions(**{name: kwargs.pop(name) for name in _SHARED})
        return command(options=options, **kwargs)

    params = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in own]
    wrapper.__signature__ = inspect.Signature([*params, *shared])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {
        **{p.name: p.annotation for p in params},
        **{p.name: p.annotation for p in shared},
    }
    del wrapper.__wrapped__  # typer must see the new signature, not the original
    return wrapper
