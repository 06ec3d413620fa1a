from __future__ import annotations

from pathlib import Path

import pytest

from agentsstar.config import build_config, build_strategies, parse_param
from agentsstar.errors import ConfigError, UnknownNameError
from agentsstar.strategies.revision.self_debug import NoRevision, SelfDebug
from agentsstar.strategies.sampling.temperature import GreedySampling, TemperatureSampling
from agentsstar.strategies.selection.majority import MajoritySelection
from agentsstar.strategies.selection.sstar import SStarSelection


def test_defaults_depend_on_backend() -> None:
    local = build_config()
    s, r, sel = build_strategies(local)
    assert isinstance(s, TemperatureSampling) and s.n == 4
    assert isinstance(r, SelfDebug) and r.rounds == 2
    assert isinstance(sel, SStarSelection)
    remote = build_config(overrides={"model": "openai:qwen"})
    assert build_strategies(remote)[0].n == 8


def test_presets() -> None:
    s, r, sel = build_strategies(build_config(preset="zero-shot"))
    assert isinstance(s, GreedySampling) and isinstance(r, NoRevision)
    s, r, sel = build_strategies(build_config(preset="majority", overrides={"sampling": {"n": 5}}))
    assert s.n == 5 and isinstance(r, NoRevision) and isinstance(sel, MajoritySelection)
    with pytest.raises(ConfigError, match="unknown preset 'best'"):
        build_config(preset="best")


def test_unknown_names_and_params_are_errors() -> None:
    with pytest.raises(UnknownNameError, match="unknown selection strategy 'sstr'; valid: .*sstar"):
        build_strategies(build_config(overrides={"selection": {"name": "sstr"}}))
    with pytest.raises(ConfigError, match="has no parameter 'n'"):
        build_strategies(build_config(preset="zero-shot", overrides={"sampling": {"n": 8}}))
    with pytest.raises(ConfigError, match="rounds"):
        build_strategies(build_config(overrides={"revision": {"rounds": -1}}))
    with pytest.raises(ConfigError, match="options: colour: unknown setting"):
        build_config(overrides={"colour": "red"})


def test_config_file_and_flag_precedence(tmp_path: Path) -> None:
    f = tmp_path / "run.toml"
    f.write_text(
        'model = "openai:m"\nseed = 3\n[sampling]\nname = "temperature"\nn = 16\n'
        '[revision]\nname = "self-debug"\nrounds = 3\ncontext = "all"\n'
    )
    cfg = build_config(file=f, overrides={"sampling": {"n": 2}})
    s, r, _ = build_strategies(cfg)
    assert (s.n, r.rounds, r.context, cfg.seed) == (2, 3, "all", 3)
    bad = tmp_path / "bad.toml"
    bad.write_text("seed = [")
    with pytest.raises(ConfigError, match="bad.toml: invalid TOML"):
        build_config(file=bad)
    with pytest.raises(ConfigError, match="no such config file"):
        build_config(file=tmp_path / "missing.toml")


def test_parse_param() -> None:
    assert parse_param("selection.num_inputs=12") == ("selection", "num_inputs", 12)
    assert parse_param("revision.context=all") == ("revision", "context", "all")
    with pytest.raises(ConfigError, match="STAGE.NAME=VALUE"):
        parse_param("num_inputs=12")
