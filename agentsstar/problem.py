"""The problem file: schema, loading and the public view strategies are given.

A problem is one JSON object (see ``docs/problem-format.md``). ``Problem`` holds all
of it; ``Problem.public()`` drops what strategies must never see (private tests and
the private check), so a strategy cannot peek even by accident.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agentsstar.errors import ProblemFileError

Kind = Literal["stdin", "function"]


class TestCase(BaseModel):
    """One test: for ``stdin`` problems both sides are strings; for ``function``
    problems ``input`` is the list of positional arguments and ``output`` the
    JSON value the function must return."""

    __test__ = False  # not a pytest class
    model_config = ConfigDict(extra="forbid", frozen=True)

    input: Any
    output: Any


class Checker(BaseModel):
    """How an actual output is compared with the expected one (in the harness)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["tokens", "lines", "exact"] = "tokens"
    abs_tol: float = Field(default=1e-6, ge=0)
    rel_tol: float = Field(default=1e-6, ge=0)


class Problem(BaseModel):
    """A programming problem with its public and (optional) private tests."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    prompt: str = Field(min_length=1)
    kind: Kind
    entry_point: str | None = None
    starter_code: str | None = None
    public_tests: tuple[TestCase, ...] = ()
    private_tests: tuple[TestCase, ...] = ()
    private_check: str | None = None
    time_limit_s: float = Field(default=2.0, gt=0, le=600)
    memory_limit_mb: int = Field(default=256, ge=16, le=65536)
    checker: Checker = Checker()
    difficulty: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_kind(self) -> Problem:
        if self.kind == "function":
            if not self.entry_point:
                raise ValueError("entry_point: required when kind is 'function'")
            parts = self.entry_point.split(".")
            if len(parts) > 2 or not all(p.isidentifier() for p in parts):
                raise ValueError(
                    f"entry_point: {self.entry_point!r} is not 'name' or 'Class.method'"
                )
        for field in ("public_tests", "private_tests"):
            for i, test in enumerate(getattr(self, field)):
                where = f"{field}[{i}]"
                if self.kind == "stdin":
                    if not isinstance(test.input, str):
                        raise ValueError(f"{where}.input: must be a string for stdin problems")
                    if not isinstance(test.output, str):
                        raise ValueError(f"{where}.output: must be a string for stdin problems")
                elif not isinstance(test.input, list):
                    raise ValueError(
                        f"{where}.input: must be a JSON array of arguments for function problems"
                    )
        return self

    @property
    def has_private(self) -> bool:
        """True when the final pick can be scored (private tests or a private check)."""
        return bool(self.private_tests) or self.private_check is not None

    def public(self) -> Problem:
        """This problem without anything strategies must not see."""
        return self.model_copy(update={"private_tests": (), "private_check": None})


def _describe(err: ValidationError) -> str:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    msg = first["msg"]
    if msg.startswith("Value error, "):
        msg = msg.removeprefix("Value error, ")
        # our own validators already name the field
        return msg if ":" in msg.split(" ")[0] else f"{loc}: {msg}" if loc else msg
    if first["type"] == "missing":
        return f"{loc}: required field is missing"
    if first["type"] == "extra_forbidden":
        return f"{loc}: unknown field"
    return f"{loc}: {msg}" if loc else msg


def problem_from_dict(data: Any, *, source: str, default_id: str | None = None) -> Problem:
    """Validate one problem object; errors name ``source`` and the field."""
    if not isinstance(data, dict):
        raise ProblemFileError(f"{source}: a problem must be a JSON object")
    if "id" not in data and default_id is not None:
        data = {**data, "id": default_id}
    try:
        return Problem.model_validate(data)
    except ValidationError as exc:
        raise ProblemFileError(f"{source}: {_describe(exc)}") from None


def load_problem(path: str | Path) -> Problem:
    """Read and validate a problem file; the id defaults to the file's stem."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProblemFileError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProblemFileError(f"{p}: cannot read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProblemFileError(
            f"{p}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    return problem_from_dict(data, source=str(p), default_id=p.stem)


def load_problems(path: str | Path) -> list[Problem]:
    """Problems from a directory of ``*.json`` files or a JSONL file, in a stable order."""
    p = Path(path)
    if p.is_dir():
        files = sorted(p.glob("*.json"))
        if not files:
            raise ProblemFileError(f"{p}: no *.json problem files in this directory")
        return _unique([load_problem(f) for f in files], str(p))
    if not p.exists():
        raise ProblemFileError(f"{p}: no such file or directory")
    if p.suffix == ".json":
        return [load_problem(p)]
    problems = []
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ProblemFileError(f"{p}: cannot read: {exc}") from None
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ProblemFileError(f"{p}:{lineno}: invalid JSON: {exc.msg}") from None
        problems.append(
            problem_from_dict(data, source=f"{p}:{lineno}", default_id=f"{p.stem}-{lineno}")
        )
    if not problems:
        raise ProblemFileError(f"{p}: no problems in this file")
    return _unique(problems, str(p))


def _unique(problems: list[Problem], source: str) -> list[Problem]:
    seen: set[str] = set()
    for prob in problems:
        if prob.id in seen:
            raise ProblemFileError(f"{source}: id: duplicate problem id {prob.id!r}")
        seen.add(prob.id)
    return problems
