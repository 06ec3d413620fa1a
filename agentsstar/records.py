"""What a run leaves behind: candidates, rounds, the selection, usage and timings.

These are pydantic models so ``Result.model_dump_json()`` is the ``--out`` file and a
benchmark's ``results.jsonl`` line, with no separate serialisation code to drift.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Grade = Literal[
    "accepted",
    "wrong_answer",
    "runtime_error",
    "time_limit",
    "memory_limit",
    "output_limit",
    "no_code",
    "sandbox_error",
]


class TestOutcome(BaseModel):
    """One program graded on one test."""

    __test__ = False

    input: Any
    expected: Any
    grade: Grade
    actual: str | None = None  # printed stdout, or the JSON text of the returned value
    error: str | None = None  # exception, stderr tail or the harness's reason
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.grade == "accepted"


class Attempt(BaseModel):
    """One version of a candidate: round 0 is the sample, later rounds revisions."""

    round: int
    code: str | None  # None when no code could be extracted from the reply
    reply: str
    public: list[TestOutcome] = Field(default_factory=list)

    @property
    def public_passed(self) -> int:
        return sum(t.passed for t in self.public)

    @property
    def passes_all_public(self) -> bool:
        return self.code is not None and all(t.passed for t in self.public)

    @property
    def infra_failed(self) -> bool:
        return any(t.grade == "sandbox_error" for t in self.public)


class Candidate(BaseModel):
    """One sampled program and its revision history."""

    index: int
    note: str | None = None  # e.g. the approach hint a diverse sampler gave
    attempts: list[Attempt]

    @property
    def final(self) -> Attempt:
        """The version this candidate offers: the attempt passing the most public tests,
        the latest on a tie. A revision that passes fewer tests than the program it was
        asked to fix does not replace it (seen on HumanEval/10: two rounds of
        self-debug turned 2 of 3 passing into 1 of 3, and the earlier program was the
        one that passed the hidden tests)."""
        # max keeps the first of equals: reversed, that is the latest.
        return max(reversed(self.attempts), key=lambda a: a.public_passed)

    @property
    def code(self) -> str | None:
        return self.final.code


class DroppedInput(BaseModel):
    """An item of a model's reply that was not used as an input, and why."""

    item: str  # the item as the model wrote it (clipped)
    reason: str


class InputSynthesis(BaseModel):
    """One model call for inputs (or tests): what its reply held, what was kept."""

    purpose: str  # "inputs", "distinguish 0 and 3", "codet tests"
    parsed: int  # items found in the reply
    kept: int
    truncated: bool = False  # the reply was cut short; its complete items were read
    dropped: list[DroppedInput] = Field(default_factory=list)


Vote = Literal["a", "b", "none"]


class Comparison(BaseModel):
    """One pairwise judgement between two clusters' representatives."""

    a: int  # candidate index of cluster A's representative
    b: int
    inputs: list[Any] = Field(default_factory=list)
    outputs_a: list[str] = Field(default_factory=list)
    outputs_b: list[str] = Field(default_factory=list)
    # Predicted outputs on the smallest differing inputs: which program each matched.
    predictions: list[Vote] = Field(default_factory=list)
    predicted_inputs: list[Any] = Field(default_factory=list)  # one per prediction
    # Reference programs' outputs on those inputs: which program each matched, per
    # reference and input.
    reference_votes: list[Vote] = Field(default_factory=list)
    votes: list[Vote] = Field(default_factory=list)  # the A-or-B judge, by order
    winner: int | None = None
    reason: str = ""
    synthesis: InputSynthesis | None = None  # the call for distinguishing inputs, if made


class InputSource(BaseModel):
    """One source of selection's test inputs and what it contributed."""

    source: Literal["model", "generator", "mutation"]
    offered: int = 0  # inputs it produced (after parsing)
    kept: int = 0  # of those, not already given by an earlier source
    invalid: int = 0  # dropped after execution: most of the pool failed on them
    split: bool = False  # at least one of its inputs told pooled candidates apart
    error: str | None = None  # why it gave nothing, when it did not


class SelectionRecord(BaseModel):
    """How the final program was chosen."""

    strategy: str
    selected: int | None  # candidate index
    pool: list[int] = Field(default_factory=list)  # candidates considered
    inputs: list[Any] = Field(default_factory=list)  # synthesised inputs kept
    discarded_inputs: list[Any] = Field(default_factory=list)
    clusters: list[list[int]] = Field(default_factory=list)
    comparisons: list[Comparison] = Field(default_factory=list)
    upper_bound: bool = False  # True for oracle selection: not a real strategy
    note: str = ""
    synthesis: list[InputSynthesis] = Field(default_factory=list)  # per model call for inputs
    sources: list[InputSource] = Field(default_factory=list)  # where the inputs came from
    input_sources: list[str] = Field(default_factory=list)  # the source of each kept input
    # Reference programs the selection model wrote (sstar): those passing the public
    # tests, which judged the matches, and how many were asked for.
    references: list[str] = Field(default_factory=list)
    references_written: int = 0


class StageUsage(BaseModel):
    """Calls that reached the model, and apart from them those the cache answered."""

    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_calls: int = 0  # answered by the model-call cache: cost nothing this time
    cached_tokens: int = 0  # prompt + completion tokens of the cached replies


class Usage(BaseModel):
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_calls: int = 0
    cached_tokens: int = 0
    by_stage: dict[str, StageUsage] = Field(default_factory=dict)
    by_model: dict[str, StageUsage] = Field(default_factory=dict)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class PrivateScore(BaseModel):
    """The selected program on the hidden tests (never seen by any strategy)."""

    passed: int
    total: int
    accepted: bool
    outcomes: list[TestOutcome] = Field(default_factory=list)


class Selected(BaseModel):
    index: int
    code: str


class BudgetStop(BaseModel):
    """A budget ended the run: which one, where, and what had been spent."""

    kind: Literal["tokens", "time"]
    stage: str  # the stage whose next model call was refused (or cut off)
    limit: float  # the budget: tokens, or seconds
    spent_tokens: int
    seconds: float


class Result(BaseModel):
    """Everything one ``solve`` produced."""

    problem_id: str
    model: str  # the sampling model
    models: dict[str, str] = Field(default_factory=dict)  # stage -> model that served it
    strategies: dict[str, Any]
    selected: Selected | None
    candidates: list[Candidate]
    selection: SelectionRecord | None
    usage: Usage
    timings: dict[str, float]
    private: PrivateScore | None = None
    # Per candidate: does its final program pass the private tests? Only filled when
    # asked (for oracle pass@N in research runs); strategies never see it.
    candidates_private: list[bool] | None = None
    budget: BudgetStop | None = None  # set when a token or time budget ended the run
