"""What the ``solve`` and ``check`` tools do, apart from the protocol.

Both take the raw JSON arguments of a call and the server's open ``Run``; both raise
``ToolCallError`` with one line naming the argument at fault, which the server sends
back as a tool error (the assistant reads it and corrects the call).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from agentsstar import grading
from agentsstar.assembly import Run
from agentsstar.config import RunConfig, build_config, build_strategies
from agentsstar.context import ProgressFn
from agentsstar.errors import ProblemFileError, SandboxError, UserError
from agentsstar.mcp.explain import why_chosen
from agentsstar.mcp.schemas import (
    BudgetOut,
    CandidateOut,
    CheckArgs,
    CheckOutput,
    SolveArgs,
    SolveOutput,
    TestArg,
    UsageOut,
    VerdictOut,
)
from agentsstar.problem import Problem, TestCase, problem_from_dict
from agentsstar.records import Result

ArgsT = TypeVar("ArgsT", bound=BaseModel)

# Arguments that describe the problem when no ``problem`` object is given.
_PROMPT_FIELDS = ("prompt", "tests", "kind", "entry_point", "starter_code")


class ToolCallError(Exception):
    """A call that cannot be served as given; the message names the argument."""


def parse_args(model: type[ArgsT], arguments: dict[str, Any]) -> ArgsT:
    """Validate ``arguments``; the first problem found becomes one line."""
    try:
        return model.model_validate(arguments)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
        loc = loc.lstrip(".")
        if err["type"] == "missing":
            what = "required argument is missing"
        elif err["type"] == "extra_forbidden":
            what = "unknown argument"
        else:
            what = err["msg"]
        raise ToolCallError(f"{loc}: {what}" if loc else what) from None


def _tests(tests: list[TestArg] | None) -> list[dict[str, Any]]:
    return [{"input": t.input, "output": t.output} for t in tests or []]


def problem_of(args: SolveArgs) -> Problem:
    """The problem a ``solve`` call describes, validated like a problem file."""
    given = [f for f in _PROMPT_FIELDS if getattr(args, f) is not None]
    if args.problem is not None:
        if given:
            raise ToolCallError(f"{given[0]}: give either problem or prompt, not both")
        try:
            return problem_from_dict(args.problem, source="problem", default_id="problem")
        except ProblemFileError as exc:
            raise ToolCallError(str(exc)) from None
    if args.prompt is None:
        raise ToolCallError("problem: required argument is missing (or give prompt and tests)")
    data: dict[str, Any] = {
        "id": "prompt",
        "prompt": args.prompt,
        "kind": args.kind or ("function" if args.entry_point else "stdin"),
        "public_tests": _tests(args.tests),
    }
    if args.entry_point is not None:
        data["entry_point"] = args.entry_point
    if args.starter_code is not None:
        data["starter_code"] = args.starter_code
    try:
        return problem_from_dict(data, source="arguments")
    except ProblemFileError as exc:
        # Named as the caller named them: ``tests``, not the file's ``public_tests``.
        detail = str(exc).removeprefix("arguments: ").replace("public_tests", "tests")
        raise ToolCallError(detail) from None


def call_config(cfg: RunConfig, args: SolveArgs) -> RunConfig:
    """``cfg`` with this call's overrides, each validated apart so an error names it."""
    steps: list[tuple[str, str, str | None, Any]] = []
    if args.selection is not None and args.selection != cfg.selection.name:
        steps.append(("selection", "selection", None, {"name": args.selection}))
    if args.samples is not None:
        steps.append(("samples", "sampling", "n", args.samples))
    if args.rounds is not None:
        steps.append(("rounds", "revision", "rounds", args.rounds))
    if args.token_budget is not None:
        steps.append(("token_budget", "token_budget", None, args.token_budget))
    if args.time_budget is not None:
        steps.append(("time_budget", "time_budget_s", None, args.time_budget))
    for argument, key, param, value in steps:
        data = cfg.model_dump()
        if param is None:
            data[key] = value
        else:
            data[key][param] = value
        try:
            cfg = build_config(overrides=data)
            build_strategies(cfg)  # names and parameters are checked here
        except UserError as exc:
            raise ToolCallError(f"{argument}: {exc}") from None
    return cfg


def prepare_solve(run: Run, arguments: dict[str, Any]) -> tuple[Run, Problem]:
    """The problem a ``solve`` call describes and the run to solve it with.

    The run is a ``Run`` of its own for this call: the server's open model and
    sandbox, this call's settings (fresh strategies are built from them); the
    server's ``Run`` is never changed.

    Raises:
        ToolCallError: the arguments are invalid.
    """
    args = parse_args(SolveArgs, arguments)
    problem = problem_of(args)
    return replace(run, cfg=call_config(run.cfg, args)), problem


async def solve(run: Run, problem: Problem, progress: ProgressFn | None) -> SolveOutput:
    """The ``solve`` tool on a prepared call (see ``prepare_solve``).

    Raises:
        ModelError, SandboxError, TimeoutError: as ``Run.solve``.
    """
    return summarise(await run.solve(problem, progress=progress))


def behaviour_groups(result: Result) -> list[list[int]]:
    """The candidates compared, grouped by behaviour: selection's clusters, or, when
    it decided without running anything (one distinct program), by identical code."""
    rec = result.selection
    if rec is None:
        return []
    if rec.clusters or not rec.pool:
        return rec.clusters
    groups: dict[str, list[int]] = {}
    codes = {c.index: c.code or "" for c in result.candidates}
    for index in rec.pool:
        groups.setdefault(" ".join(codes[index].split()), []).append(index)
    return list(groups.values())


def summarise(result: Result) -> SolveOutput:
    """The structured content of a ``solve`` result."""
    clusters = behaviour_groups(result)
    cluster_of = {m: i for i, members in enumerate(clusters) for m in members}
    candidates = [
        CandidateOut(
            index=c.index,
            public_passed=c.final.public_passed,
            public_total=len(c.final.public),
            cluster=cluster_of.get(c.index),
            rounds=len(c.attempts) - 1,
            has_code=c.code is not None,
        )
        for c in result.candidates
    ]
    chosen = result.selected
    final = result.candidates[chosen.index].final if chosen is not None else None
    u = result.usage
    return SolveOutput(
        code=chosen.code if chosen else None,
        selected=chosen.index if chosen else None,
        public_passed=final.public_passed if final else 0,
        public_total=len(final.public) if final else 0,
        candidates=candidates,
        clusters=clusters,
        why=why_chosen(result),
        usage=UsageOut(
            llm_calls=u.llm_calls,
            prompt_tokens=u.prompt_tokens,
            completion_tokens=u.completion_tokens,
            total_tokens=u.total_tokens,
            cached_calls=u.cached_calls,
        ),
        seconds=round(result.timings.get("total", 0.0), 3),
        budget=BudgetOut(kind=result.budget.kind, stage=result.budget.stage)
        if result.budget
        else None,
    )


async def check(run: Run, arguments: dict[str, Any]) -> CheckOutput:
    """The ``check`` tool: run a program on tests in the sandbox and grade it.

    Raises:
        ToolCallError: the arguments are invalid.
        SandboxError: the sandbox failed, so no verdict can be given.
    """
    args = parse_args(CheckArgs, arguments)
    data: dict[str, Any] = {
        "id": "check",
        "prompt": "(check)",
        "kind": args.kind or ("function" if args.entry_point else "stdin"),
        "public_tests": _tests(args.tests),
    }
    for key in ("entry_point", "time_limit_s", "memory_limit_mb"):
        if getattr(args, key) is not None:
            data[key] = getattr(args, key)
    try:
        problem = problem_from_dict(data, source="arguments")
    except ProblemFileError as exc:
        detail = str(exc).removeprefix("arguments: ").replace("public_tests", "tests")
        raise ToolCallError(detail) from None
    tests: list[TestCase] = list(problem.public_tests)
    outcomes = await grading.run_tests(run.sandbox, problem, args.code, tests)
    broken = [o for o in outcomes if o.grade == "sandbox_error"]
    if broken:
        raise SandboxError(f"the sandbox failed: {broken[0].error}")
    return CheckOutput(
        passed=sum(o.passed for o in outcomes),
        total=len(outcomes),
        verdicts=[
            VerdictOut(
                input=o.input,
                expected=o.expected,
                grade=o.grade,
                actual=o.actual,
                error=o.error,
                seconds=round(o.seconds, 3),
            )
            for o in outcomes
        ],
    )
