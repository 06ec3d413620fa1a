"""Options shared by ``run`` and ``eval``, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from agentsstar.config import RunConfig, build_config, parse_param

Model = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        help="local (default: Qwen2.5-Coder-0.5B on the CPU), local:qwen2.5-coder-1.5b, "
        "local:FILE.gguf, openai:NAME (with --base-url for vLLM), litellm:PROVIDER/NAME.",
    ),
]
BaseUrl = Annotated[
    str | None, typer.Option("--base-url", help="OpenAI-compatible /v1 URL (vLLM, llama.cpp).")
]
Sandbox = Annotated[str | None, typer.Option("--sandbox", help="local (default) or e2b.")]
Preset = Annotated[
    str | None,
    typer.Option("--preset", help="zero-shot, majority, self-debug or sstar (the paper's arms)."),
]
ConfigFile = Annotated[
    Path | None, typer.Option("--config", help="TOML file of settings; flags override it.")
]
Sampling = Annotated[
    str | None, typer.Option("--sampling", help="Sampling strategy: temperature, greedy, diverse.")
]
Revision = Annotated[
    str | None, typer.Option("--revision", help="Revision strategy: self-debug, none.")
]
Selection = Annotated[
    str | None,
    typer.Option(
        "--selection",
        help="Selection strategy: sstar, majority, public, random, llm-judge, codet, oracle.",
    ),
]
Samples = Annotated[
    int | None, typer.Option("--samples", "-n", min=1, help="Candidates to sample.")
]
Rounds = Annotated[
    int | None, typer.Option("--rounds", min=0, help="Self-debug rounds per candidate.")
]
Temperature = Annotated[
    float | None, typer.Option("--temperature", min=0, max=2, help="Sampling temperature.")
]
MaxTokens = Annotated[
    int | None,
    typer.Option("--max-tokens", min=16, max=32768, help="Cap on tokens per reply."),
]
Seed = Annotated[int | None, typer.Option("--seed", help="Base seed (default 0).")]
Params = Annotated[
    list[str] | None,
    typer.Option(
        "--param", "-p", help="Strategy parameter STAGE.NAME=VALUE, e.g. selection.num_inputs=12."
    ),
]
Verbose = Annotated[int, typer.Option("--verbose", "-v", count=True, help="More logging (-vv).")]


def resolve(
    *,
    preset: str | None,
    config: Path | None,
    model: str | None,
    base_url: str | None,
    sandbox: str | None,
    sampling: str | None,
    revision: str | None,
    selection: str | None,
    samples: int | None,
    rounds: int | None,
    temperature: float | None,
    max_tokens: int | None,
    seed: int | None,
    params: list[str] | None,
    extra: dict[str, Any] | None = None,
) -> RunConfig:
    """Turn flags into overrides on top of preset and config file, and validate."""
    over: dict[str, Any] = dict(extra or {})
    for key, value in (
        ("model", model),
        ("base_url", base_url),
        ("sandbox", sandbox),
        ("temperature", temperature),
        ("max_tokens", max_tokens),
        ("seed", seed),
    ):
        if value is not None:
            over[key] = value
    for stage, name in (("sampling", sampling), ("revision", revision), ("selection", selection)):
        if name is not None:
            over[stage] = {"name": name}
    # -n and --rounds are parameters of the chosen strategies; they are checked like
    # any other parameter, so `--preset zero-shot -n 8` is an error, not ignored.
    if samples is not None:
        over.setdefault("sampling", {})["n"] = samples
    if rounds is not None:
        over.setdefault("revision", {})["rounds"] = rounds
    for text in params or []:
        stage, key, value = parse_param(text)
        over.setdefault(stage, {})[key] = value
    return build_config(preset=preset, file=config, overrides=over)
