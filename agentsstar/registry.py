"""Names of every pluggable part: strategies, model backends, sandboxes, import formats.

One style for all four kinds. Built-ins are listed here as ``module:attribute`` import
paths and loaded on first use; other packages add parts through entry points:

=====================  ===========================  ===============================
kind                   entry-point group            entry-point name
=====================  ===========================  ===============================
strategies             ``agentsstar.strategies``    ``<stage>.<name>`` (``selection.my-judge``)
model backends         ``agentsstar.backends``      the spec prefix (``mycloud`` in ``mycloud:M``)
sandboxes              ``agentsstar.sandboxes``     the ``--sandbox`` name
import formats         ``agentsstar.importers``     the ``import`` FORMAT name
=====================  ===========================  ===============================

Nothing is registered by importing a module: a name is looked up only when asked for,
and an unknown name is an error listing the valid ones, never a silent fallback.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from agentsstar.errors import ConfigError, UnknownNameError

Kind = Literal["sampling", "revision", "selection"]
KINDS: tuple[Kind, ...] = ("sampling", "revision", "selection")
ENTRY_POINT_GROUP = "agentsstar.strategies"  # kept for plugins written against it


@dataclass(frozen=True)
class Registry:
    """The names of one kind of part and where each is loaded from.

    ``what`` names the kind in messages ("sandbox", "selection strategy"). When
    several kinds share one entry-point group, ``prefix`` selects this kind's entry
    points (named ``<prefix>.<name>``).
    """

    what: str
    group: str
    builtin: Mapping[str, str]
    prefix: str = ""

    def plugins(self) -> dict[str, EntryPoint]:
        """Entry points of this kind installed by other packages, by name."""
        found: dict[str, EntryPoint] = {}
        for ep in entry_points(group=self.group):
            if self.prefix:
                prefix, _, name = ep.name.partition(".")
                if prefix == self.prefix and name:
                    found[name] = ep
            else:
                found[ep.name] = ep
        return found

    def names(self) -> list[str]:
        """Every name of this kind: built-ins and plugins, sorted."""
        return sorted(set(self.builtin) | set(self.plugins()))

    def is_builtin(self, name: str) -> bool:
        return name in self.builtin

    def load(self, name: str) -> Any:
        """The object registered as ``name`` (a class or a factory).

        Raises:
            UnknownNameError: no such name (the message lists the valid ones).
        """
        target = self.builtin.get(name)
        if target is not None:
            module, _, attr = target.partition(":")
            return getattr(importlib.import_module(module), attr)
        plugin = self.plugins().get(name)
        if plugin is None:
            raise self.unknown(name)
        return plugin.load()

    def unknown(self, name: str, *, hint: str = "") -> UnknownNameError:
        return UnknownNameError(
            f"unknown {self.what} {name!r}{hint}; valid: {', '.join(self.names())}"
        )


_S = "agentsstar.strategies"
STRATEGIES: dict[str, Registry] = {
    "sampling": Registry(
        "sampling strategy",
        ENTRY_POINT_GROUP,
        {
            "temperature": f"{_S}.sampling.temperature:TemperatureSampling",
            "greedy": f"{_S}.sampling.temperature:GreedySampling",
            "diverse": f"{_S}.sampling.diverse:DiverseSampling",
        },
        prefix="sampling",
    ),
    "revision": Registry(
        "revision strategy",
        ENTRY_POINT_GROUP,
        {
            "self-debug": f"{_S}.revision.self_debug:SelfDebug",
            "none": f"{_S}.revision.self_debug:NoRevision",
        },
        prefix="revision",
    ),
    "selection": Registry(
        "selection strategy",
        ENTRY_POINT_GROUP,
        {
            "sstar": f"{_S}.selection.sstar:SStarSelection",
            "majority": f"{_S}.selection.majority:MajoritySelection",
            "public": f"{_S}.selection.simple:PublicSelection",
            "random": f"{_S}.selection.simple:RandomSelection",
            "llm-judge": f"{_S}.selection.llm_judge:LLMJudgeSelection",
            "codet": f"{_S}.selection.codet:CodeTSelection",
            "oracle": f"{_S}.selection.simple:OracleSelection",
        },
        prefix="selection",
    ),
}

# A backend entry point is a factory ``(rest: str, **options) -> ModelBackend``,
# optionally with an int attribute ``default_concurrency``; the built-ins are
# ``BackendKind`` objects (see ``agentsstar.backends.kinds``).
BACKENDS = Registry(
    "model backend",
    "agentsstar.backends",
    {
        "local": "agentsstar.backends.kinds:LOCAL",
        "openai": "agentsstar.backends.kinds:OPENAI",
        "litellm": "agentsstar.backends.kinds:LITELLM",
    },
)

# A sandbox entry point is a class (or factory) called with no arguments.
SANDBOXES = Registry(
    "sandbox",
    "agentsstar.sandboxes",
    {
        "local": "agentsstar.sandboxes.local:LocalSandbox",
        "e2b": "agentsstar.sandboxes.e2b:E2BSandbox",
    },
)

# An import-format entry point is an ``agentsstar.importers.Importer``.
IMPORTERS = Registry(
    "import format",
    "agentsstar.importers",
    {
        "codecontests": "agentsstar.importers.codecontests:IMPORTER",
        "humaneval": "agentsstar.importers.humaneval:IMPORTER",
        "livecodebench": "agentsstar.importers.livecodebench:IMPORTER",
    },
)


def names(kind: Kind) -> list[str]:
    """Every strategy name of ``kind``: built-ins then plugins."""
    return _strategies(kind).names()


def _strategies(kind: str) -> Registry:
    reg = STRATEGIES.get(kind)
    if reg is None:
        raise UnknownNameError(f"unknown strategy kind {kind!r}; valid: {', '.join(KINDS)}")
    return reg


def strategy_class(kind: Kind, name: str) -> type[Any]:
    """The class registered as ``name``.

    Raises:
        UnknownNameError: no such strategy (the message lists the valid names).
    """
    reg = _strategies(kind)
    cls = reg.load(name)
    if not reg.is_builtin(name) and getattr(cls, "name", None) != name:
        raise UnknownNameError(
            f"entry point {kind}.{name} loads {cls!r}, whose name is not {name!r}"
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
            field_ = ".".join(str(p) for p in err["loc"]) or "?"
            if err["type"] == "extra_forbidden":
                valid = ", ".join(sorted(cls.model_fields)) or "none"
                raise ConfigError(
                    f"{kind} strategy {name!r} has no parameter {field_!r} (valid: {valid})"
                ) from None
            raise ConfigError(f"{kind} strategy {name!r}: {field_}: {err['msg']}") from None
    try:
        return cls(**params)
    except TypeError as exc:
        raise ConfigError(f"{kind} strategy {name!r}: {exc}") from None
