"""Strategy names, for the CLI and config files.

Built-ins are listed here as import paths and loaded on first use; other packages add
strategies through the ``agentsstar.strategies`` entry-point group, with entry-point
names ``<kind>.<name>`` (e.g. ``selection.my-judge = "mypkg.sel:MyJudge"``). Nothing is
registered by importing a module: a name is looked up only when asked for, and an
unknown name or parameter is an error, never a silent fallback.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from agentsstar.errors import ConfigError, UnknownNameError

Kind = Literal["sampling", "revision", "selection"]
KINDS: tuple[Kind, ...] = ("sampling", "revision", "selection")
ENTRY_POINT_GROUP = "agentsstar.strategies"

_S = "agentsstar.strategies"
BUILTIN: dict[str, dict[str, str]] = {
    "sampling": {
        "temperature": f"{_S}.sampling.temperature:TemperatureSampling",
        "greedy": f"{_S}.sampling.temperature:GreedySampling",
        "diverse": f"{_S}.sampling.diverse:DiverseSampling",
    },
    "revision": {
        "self-debug": f"{_S}.revision.self_debug:SelfDebug",
        "none": f"{_S}.revision.self_debug:NoRevision",
    },
    "selection": {
        "sstar": f"{_S}.selection.sstar:SStarSelection",
        "majority": f"{_S}.selection.majority:MajoritySelection",
        "public": f"{_S}.selection.simple:PublicSelection",
        "random": f"{_S}.selection.simple:RandomSelection",
        "llm-judge": f"{_S}.selection.llm_judge:LLMJudgeSelection",
        "codet": f"{_S}.selection.codet:CodeTSelection",
        "oracle": f"{_S}.selection.simple:OracleSelection",
    },
}


def _plugins(kind: str) -> dict[str, Any]:
    found = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        prefix, _, name = ep.name.partition(".")
        if prefix == kind and name:
            found[name] = ep
    return found


def names(kind: Kind) -> list[str]:
    """Every strategy name of ``kind``: built-ins then plugins."""
    return sorted(set(BUILTIN[kind]) | set(_plugins(kind)))


def strategy_class(kind: Kind, name: str) -> type[Any]:
    """The class registered as ``name``.

    Raises:
        UnknownNameError: no such strategy (the message lists the valid names).
    """
    if kind not in BUILTIN:
        raise UnknownNameError(f"unknown strategy kind {kind!r}; valid: {', '.join(KINDS)}")
    target = BUILTIN[kind].get(name)
    if target is not None:
        module, _, attr = target.partition(":")
        return getattr(importlib.import_module(module), attr)  # type: ignore[no-any-return]
    plugin = _plugins(kind).get(name)
    if plugin is None:
        raise UnknownNameError(f"unknown {kind} strategy {name!r}; valid: {', '.join(names(kind))}")
    cls = plugin.load()
    if getattr(cls, "name", None) != name:
        raise UnknownNameError(
            f"entry point {plugin.name!r} loads {cls!r}, whose name is not {name!r}"
        )
    return cls  # type: ignore[no-any-return]


def make(kind: Kind, name: str, params: dict[str, Any] | None = None) -> Any:
    """Build strategy ``name`` with ``params``; unknown or invalid parameters raise
    ``ConfigError`` naming the parameter."""
    cls = strategy_class(kind, name)
    params = dict(params or {})
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        try:
            return cls(**params)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or "?"
            if err["type"] == "extra_forbidden":
                valid = ", ".join(sorted(cls.model_fields)) or "none"
                raise ConfigError(
                    f"{kind} strategy {name!r} has no parameter {field!r} (valid: {valid})"
                ) from None
            raise ConfigError(f"{kind} strategy {name!r}: {field}: {err['msg']}") from None
    try:
        return cls(**params)
    except TypeError as exc:
        raise ConfigError(f"{kind} strategy {name!r}: {exc}") from None
