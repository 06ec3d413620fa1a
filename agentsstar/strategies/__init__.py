"""The three stages of the S* pipeline and their built-in strategies.

sampling/   how the N initial candidates are drawn
revision/   how each candidate is improved with public-test feedback
selection/  how one candidate is chosen
"""

from __future__ import annotations

from agentsstar.strategies.base import (
    RevisionStrategy,
    Sample,
    SamplingStrategy,
    SelectionStrategy,
    StrategyBase,
)
from agentsstar.strategies.revision.self_debug import NoRevision, SelfDebug
from agentsstar.strategies.sampling.diverse import DiverseSampling
from agentsstar.strategies.sampling.temperature import GreedySampling, TemperatureSampling
from agentsstar.strategies.selection.codet import CodeTSelection
from agentsstar.strategies.selection.llm_judge import LLMJudgeSelection
from agentsstar.strategies.selection.majority import MajoritySelection
from agentsstar.strategies.selection.simple import (
    OracleSelection,
    PublicSelection,
    RandomSelection,
)
from agentsstar.strategies.selection.sstar import SStarSelection

__all__ = [
    "CodeTSelection",
    "DiverseSampling",
    "GreedySampling",
    "LLMJudgeSelection",
    "MajoritySelection",
    "NoRevision",
    "OracleSelection",
    "PublicSelection",
    "RandomSelection",
    "RevisionStrategy",
    "SStarSelection",
    "Sample",
    "SamplingStrategy",
    "SelectionStrategy",
    "SelfDebug",
    "StrategyBase",
    "TemperatureSampling",
]
