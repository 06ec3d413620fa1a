"""The tools' arguments and results, as pydantic models and the JSON Schemas declared
to MCP clients.

The schemas are generated from the models that validate the calls, so what a client
is told and what the server accepts cannot drift. They are flattened for clients
that read only ``type`` / ``properties`` / ``required`` (no ``$ref``, no ``title``,
no top-level ``anyOf``): which of ``problem`` or ``prompt`` is given is checked by
the server, with an error naming the argument.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agentsstar.records import Grade

Kind = Literal["stdin", "function"]


class _Args(BaseModel):
    # A misspelt argument must be an error, not silently ignored.
    model_config = ConfigDict(extra="forbid")


class TestArg(_Args):
    """One public test, as in the problem file."""

    __test__ = False  # not a pytest class

    input: Any = Field(
        description="stdin problems: the whole standard input (string); function "
        "problems: the array of positional arguments."
    )
    output: Any = Field(
        description="stdin problems: the expected standard output (string); function "
        "problems: the JSON value the function must return."
    )


class SolveArgs(_Args):
    """Arguments of ``solve``: a problem object, or a prompt with its tests."""

    problem: dict[str, Any] | None = Field(
        default=None,
        description="A whole problem in the problem-file format (id, prompt, kind, "
        "entry_point, starter_code, public_tests, private_tests, time_limit_s, ...). "
        "Give either this or prompt.",
    )
    prompt: str | None = Field(
        default=None,
        min_length=1,
        description="The task statement, when no problem object is given.",
    )
    tests: list[TestArg] | None = Field(
        default=None,
        description="Public tests for prompt: the candidates are debugged and pooled on them.",
    )
    kind: Kind | None = Field(
        default=None,
        description="With prompt: 'stdin' (reads input, prints the answer) or 'function' "
        "(defines entry_point). Default: 'function' when entry_point is given, else 'stdin'.",
    )
    entry_point: str | None = Field(
        default=None, description="With prompt: 'name' or 'Class.method' for function problems."
    )
    starter_code: str | None = Field(
        default=None, description="With prompt: the signature to keep, shown verbatim."
    )
    samples: int | None = Field(
        default=None, ge=1, le=1024, description="Candidates to sample (this call only)."
    )
    rounds: int | None = Field(
        default=None, ge=0, le=20, description="Self-debug rounds per candidate (this call only)."
    )
    selection: str | None = Field(
        default=None,
        description="Selection strategy for this call: sstar, majority, public, random, "
        "llm-judge, codet.",
    )
    token_budget: int | None = Field(
        default=None,
        ge=1,
        description="Tokens this call may spend; no model call starts once they are spent "
        "and the best program so far is returned.",
    )
    time_budget: float | None = Field(
        default=None,
        gt=0,
        description="Seconds this call may take; as token_budget, for wall time.",
    )


class CheckArgs(_Args):
    """Arguments of ``check``: a program and the tests to run it on."""

    code: str = Field(description="The Python program (stdin) or definitions (function).")
    tests: list[TestArg] = Field(min_length=1, description="Tests to run the program on.")
    kind: Kind | None = Field(
        default=None,
        description="'stdin' or 'function'. Default: 'function' when entry_point is "
        "given, else 'stdin'.",
    )
    entry_point: str | None = Field(
        default=None, description="'name' or 'Class.method' for function problems."
    )
    time_limit_s: float | None = Field(
        default=None, gt=0, le=600, description="Per test, wall clock and CPU (default 2)."
    )
    memory_limit_mb: int | None = Field(
        default=None, ge=16, le=65536, description="Per test, address space (default 256)."
    )


class CandidateOut(BaseModel):
    index: int
    public_passed: int = Field(description="Public tests its final program passes.")
    public_total: int
    cluster: int | None = Field(
        description="Index into clusters, or null when it was not among the programs compared."
    )
    rounds: int = Field(description="Self-debug rounds it went through.")
    has_code: bool


class UsageOut(BaseModel):
    llm_calls: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cached_calls: int = Field(description="Calls answered by the model-call cache.")


class BudgetOut(BaseModel):
    kind: Literal["tokens", "time"]
    stage: str = Field(description="The stage whose next model call the budget refused.")


class SolveOutput(BaseModel):
    code: str | None = Field(description="The chosen program, or null when none was produced.")
    selected: int | None = Field(description="Index of the chosen candidate.")
    public_passed: int = Field(description="Public tests the chosen program passes.")
    public_total: int
    candidates: list[CandidateOut]
    clusters: list[list[int]] = Field(
        description="The candidates compared, grouped by identical behaviour on the "
        "synthesised inputs (by identical code when there was nothing to run)."
    )
    why: str = Field(description="In plain words: why this program was chosen.")
    usage: UsageOut
    seconds: float
    budget: BudgetOut | None = Field(description="Set when a budget ended the run early.")


class VerdictOut(BaseModel):
    input: Any
    expected: Any
    grade: Grade
    actual: str | None = Field(description="Printed output, or the JSON text of the value.")
    error: str | None
    seconds: float


class CheckOutput(BaseModel):
    passed: int
    total: int
    verdicts: list[VerdictOut]


def tool_schema(model: type[BaseModel], *, optional_null: bool) -> dict[str, Any]:
    """The flattened JSON Schema of ``model``.

    ``optional_null=False`` (arguments): an optional field is described by its type
    alone, since leaving it out is how a caller says "not given".
    """
    raw = model.model_json_schema()
    defs = raw.pop("$defs", {})
    raw.pop("description", None)  # the docstring is for Python readers; tools have their own
    out: dict[str, Any] = _flatten(raw, defs, optional_null)
    return out


def _flatten(node: Any, defs: dict[str, Any], keep_null: bool) -> Any:
    if isinstance(node, list):
        return [_flatten(x, defs, keep_null) for x in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = defs[node["$ref"].rsplit("/", 1)[-1]]
        extra = {k: v for k, v in node.items() if k != "$ref"}
        return _flatten({**target, **extra}, defs, keep_null)
    out = {k: _flatten(v, defs, keep_null) for k, v in node.items() if k != "title"}
    if "properties" in node:  # property names are data here, not keywords
        out["properties"] = {
            name: _flatten(v, defs, keep_null) for name, v in node["properties"].items()
        }
    options = out.get("anyOf")
    if not keep_null and isinstance(options, list):
        rest = [o for o in options if o != {"type": "null"}]
        if len(rest) == 1:
            del out["anyOf"]
            out = {**rest[0], **out}
        if out.get("default", 0) is None:
            del out["default"]
    return out
