"""``Context``: what a strategy is given to work with for one problem.

It carries the *public* view of the problem, the model and the sandbox, and the few
operations strategies need (a chat call tagged with its stage for usage accounting,
running public tests, executing on arbitrary inputs). Keeping these here means
strategies never touch private tests and never count tokens themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import anyio
import structlog

from agentsstar import grading
from agentsstar.backends.base import Completion, GenerationParams, Message
from agentsstar.budget import Budget
from agentsstar.errors import ConfigError, SandboxError
from agentsstar.model import Model, UsageCounter
from agentsstar.problem import Problem
from agentsstar.records import PrivateScore, StageUsage, TestOutcome, Usage
from agentsstar.sandboxes.base import ExecResult, Sandbox, Verdict

log = structlog.get_logger(__name__)

ProgressFn = Callable[[str, dict[str, Any]], None]


@dataclass
class Context:
    """Per-problem state shared by the strategies of one ``solve`` call."""

    problem: Problem  # public view: no private tests, no private check
    model: Model  # the sampling model, and every stage's unless ``models`` says otherwise
    sandbox: Sandbox
    params: GenerationParams = field(default_factory=GenerationParams)
    seed: int = 0
    progress: ProgressFn | None = None
    budget: Budget = field(default_factory=Budget)
    models: dict[str, Model] = field(default_factory=dict)  # stage -> its own model
    # Set by the pipeline: called with each sample as soon as it is back, so its
    # revision starts at once instead of waiting for the whole pool.
    on_sample: Callable[[int, Any], None] | None = None
    _private: PrivateScorer | None = field(default=None, repr=False)
    _usage: dict[str, UsageCounter] = field(default_factory=dict)
    _usage_by_model: dict[str, UsageCounter] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.problem.has_private:
            raise ValueError("Context must be given the public view of the problem")

    def model_for(self, stage: str) -> Model:
        """The model that answers ``stage``'s calls."""
        return self.models.get(stage, self.model)

    def with_private(self, scorer: PrivateScorer) -> Context:
        """A copy that may score programs on the hidden tests (for strategies that
        declare ``uses_private_tests``, i.e. the ``oracle`` bound). Usage is shared."""
        return replace(self, _private=scorer)

    @property
    def sees_private(self) -> bool:
        """Whether ``score_private`` is allowed in this context."""
        return self._private is not None

    def sampled(self, index: int, sample: Any) -> None:
        """A sampling strategy reports sample ``index`` (a ``Sample``) as ready."""
        self.emit("sampled", index=index)
        if self.on_sample is not None:
            self.on_sample(index, sample)

    def emit(self, event: str, **data: Any) -> None:
        """Report progress to whoever listens (the CLI draws it on stderr)."""
        if self.progress is not None:
            self.progress(event, data)

    async def chat(
        self,
        stage: str,
        messages: Sequence[Message],
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        seed: int | None = None,
        frequency_penalty: float = 0.0,
    ) -> Completion:
        """A model call counted under ``stage`` (sampling, revision, selection...).

        Raises:
            BudgetExhausted: the problem's token or time budget is spent (checked
                before the call starts, and again when a queued call's turn comes; a
                call running when the time runs out is cut off).
        """
        self.budget.check(stage)
        p = self.params
        params = GenerationParams(
            temperature=p.temperature if temperature is None else temperature,
            max_tokens=p.max_tokens if max_tokens is None else max_tokens,
            seed=seed,
            stop=p.stop,
            frequency_penalty=frequency_penalty,
        )
        model = self.model_for(stage)
        gate = partial(self.budget.check, stage) if self.budget.limited else None
        meters = (
            self._usage.setdefault(stage, UsageCounter()),
            self._usage_by_model.setdefault(model.name, UsageCounter()),
        )
        left = self.budget.seconds_left()
        if left is None:
            completion = await model.chat(messages, params, gate=gate, meters=meters)
        else:
            with anyio.move_on_after(left) as scope:
                completion = await model.chat(messages, params, gate=gate, meters=meters)
            if scope.cancelled_caught:
                self.budget.exhausted("time", stage)
        self.budget.spend(completion.prompt_tokens + completion.completion_tokens)
        self.emit(
            "llm_call",
            stage=stage,
            tokens=completion.prompt_tokens + completion.completion_tokens,
        )
        return completion

    async def run_public(self, code: str | None) -> list[TestOutcome]:
        """Grade ``code`` on the public tests.

        Raises:
            SandboxError: the sandbox failed on some test. Infrastructure failures
                must never be mistaken for a wrong program, so they stop the run.
        """
        outcomes = await grading.run_tests(
            self.sandbox, self.problem, code, self.problem.public_tests
        )
        bad = [o for o in outcomes if o.grade == "sandbox_error"]
        if bad:
            raise SandboxError(f"sandbox failed while running public tests: {bad[0].error}")
        return outcomes

    async def execute(self, code: str, inputs: Sequence[Any]) -> list[ExecResult]:
        """Run ``code`` on arbitrary inputs (selection's synthesised tests).

        Raises:
            SandboxError: the sandbox failed on some input.
        """
        results = await grading.execute(self.sandbox, self.problem, code, inputs)
        for r in results:
            if r.verdict is Verdict.SANDBOX_ERROR:
                raise SandboxError(f"sandbox failed while executing a candidate: {r.error}")
        return results

    async def score_private(self, code: str | None) -> PrivateScore:
        """Score on the hidden tests. Only for strategies that declare they need it
        (the ``oracle`` upper bound); everyone else gets ``ConfigError``."""
        if self._private is None:
            raise ConfigError("this strategy may not see private tests")
        return await self._private.score(code)

    def usage(self) -> Usage:
        """Calls and tokens of this problem, by stage and by model."""
        # A meter is made before its call; a call that failed left it at zero.
        by_stage = {k: _stage_usage(v) for k, v in self._usage.items() if _used(v)}
        stages = by_stage.values()
        return Usage(
            llm_calls=sum(s.llm_calls for s in stages),
            prompt_tokens=sum(s.prompt_tokens for s in stages),
            completion_tokens=sum(s.completion_tokens for s in stages),
            cached_calls=sum(s.cached_calls for s in stages),
            cached_tokens=sum(s.cached_tokens for s in stages),
            by_stage=by_stage,
            by_model={k: _stage_usage(v) for k, v in self._usage_by_model.items() if _used(v)},
        )


def _used(c: UsageCounter) -> bool:
    return c.llm_calls + c.cached_calls > 0


def _stage_usage(c: UsageCounter) -> StageUsage:
    return StageUsage(
        llm_calls=c.llm_calls,
        prompt_tokens=c.prompt_tokens,
        completion_tokens=c.completion_tokens,
        cached_calls=c.cached_calls,
        cached_tokens=c.cached_tokens,
    )


class PrivateScorer:
    """Scores programs on a problem's hidden tests, each distinct program once.

    The pipeline scores the selected program and, for oracle runs, every candidate;
    the ``oracle`` selection scores them too. One scorer shared by both means no
    program is run on the private tests twice.
    """

    def __init__(self, sandbox: Sandbox, problem: Problem) -> None:
        self.sandbox = sandbox
        self.problem = problem
        self._scores: dict[str | None, PrivateScore] = {}
        self._pending: dict[str | None, anyio.Event] = {}

    async def score(self, code: str | None) -> PrivateScore:
        """The private score of ``code`` (computed once per distinct program).

        Raises:
            SandboxError: the sandbox failed, so no score can be given.
        """
        while code not in self._scores:
            pending = self._pending.get(code)
            if pending is not None:
                await pending.wait()
                continue
            done = self._pending[code] = anyio.Event()
            try:
                self._scores[code] = await score_private(self.sandbox, self.problem, code)
            finally:
                del self._pending[code]
                done.set()
        return self._scores[code]


async def score_private(sandbox: Sandbox, problem: Problem, code: str | None) -> PrivateScore:
    """The selected program on the private tests and/or the private check.

    Raises:
        SandboxError: the sandbox failed, so no score can be given.
    """
    outcomes = await grading.run_tests(sandbox, problem, code, problem.private_tests)
    if problem.private_check is not None:
        if code is None:
            outcomes.append(TestOutcome(input="private_check", expected=True, grade="no_code"))
        else:
            outcomes.append(await grading.run_private_check(sandbox, problem, code))
    bad = [o for o in outcomes if o.grade == "sandbox_error"]
    if bad:
        raise SandboxError(f"sandbox failed while scoring private tests: {bad[0].error}")
    passed = sum(o.passed for o in outcomes)
    return PrivateScore(
        passed=passed,
        total=len(outcomes),
        accepted=bool(outcomes) and passed == len(outcomes),
        outcomes=outcomes,
    )
