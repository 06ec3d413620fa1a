"""From a model's reply to usable test inputs, with a reason for every item dropped.

A small model writes what it plainly means in many shapes: objects shaped like the
tests it was shown (``{"input": ..., "output": ...}``), ``[arguments, expected]``
pairs, a bare argument for a one-argument function, Python literals. Each item is read
as an input for *this* problem (its kind, its arity and the types its public tests
pass) or dropped with a reason. A model-written expected output is never kept: outputs
come from execution.
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agentsstar.extract import Call, extract_calls, extract_items, extract_text_blocks
from agentsstar.problem import Problem
from agentsstar.records import DroppedInput, InputSynthesis

MAX_INPUT_CHARS = 20_000  # a "moderately large" input; bigger ones are model noise
_INPUT_KEYS = ("input", "inputs", "args", "arguments", "stdin", "params", "parameters")
_SHOWN = 120  # characters of a dropped item kept in the record


@dataclass
class ParsedInputs:
    """What one model reply yielded."""

    inputs: list[Any] = field(default_factory=list)
    parsed: int = 0  # items found in the reply
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (item, reason)
    truncated: bool = False  # the list was cut short (max_tokens); complete items kept

    def record(self, purpose: str) -> InputSynthesis:
        return InputSynthesis(
            purpose=purpose,
            parsed=self.parsed,
            kept=len(self.inputs),
            truncated=self.truncated,
            dropped=[DroppedInput(item=i, reason=r) for i, r in self.dropped],
        )


def tally(reasons: Sequence[str]) -> str:
    """``"2 wrong arity, 1 duplicate"``: reasons counted, most frequent first."""
    return ", ".join(f"{n} {reason}" for reason, n in Counter(reasons).most_common())


def parse_inputs(
    problem: Problem, reply: str, limit: int, *, items: list[Any] | None = None
) -> ParsedInputs:
    """The usable inputs in ``reply`` (or in ``items`` when already extracted), at most
    ``limit``; public-test inputs, duplicates and malformed items are dropped.

    A reply is read in the format the prompts ask for (a function problem's calls of
    the entry point, a stdin problem's one text block per input) and as a JSON or
    literal list; the reading that yields more usable inputs wins (the asked-for
    format on a tie)."""
    signature = Signature.of(problem)
    if items is not None:
        return _read_items(problem, signature, items, limit)
    readings: list[ParsedInputs] = []
    if problem.kind == "function" and signature.entry:
        calls, unread = extract_calls(reply, signature.entry)
        if calls or unread:
            report = _read_items(problem, signature, list(calls), limit)
            report.parsed += unread
            report.dropped += [("(a call)", "arguments not literals")] * unread
            readings.append(report)
    if problem.kind == "stdin":
        blocks, cut = extract_text_blocks(reply)
        if blocks:
            report = _read_items(problem, signature, blocks, limit)
            report.truncated = cut
            readings.append(report)
    found = extract_items(reply)
    if found is not None:
        report = _read_items(problem, signature, found[0], limit)
        report.truncated = found[1]
        readings.append(report)
    if not readings:
        reason = "unparseable reply" if reply.strip() else "empty reply"
        return ParsedInputs(dropped=[(_show(reply.strip()), reason)])
    return max(readings, key=lambda r: len(r.inputs))  # the first on a tie


def _read_items(
    problem: Problem, signature: Signature, items: list[Any], limit: int
) -> ParsedInputs:
    out = ParsedInputs(parsed=len(items))
    public = {input_key(t.input) for t in problem.public_tests}
    seen: set[str] = set()
    for item in signature.spread(items) if problem.kind == "function" else items:
        value, reason = (
            read_stdin(item, problem) if problem.kind == "stdin" else signature.read(item)
        )
        if value is not None:
            key = input_key(value)
            if len(key) > MAX_INPUT_CHARS:
                value, reason = None, "too large"
            elif key in public:
                value, reason = None, "a public test's input"  # cannot split the pool
            elif key in seen:
                value, reason = None, "duplicate"
            elif len(out.inputs) >= limit:
                value, reason = None, "over the number asked for"
            else:
                seen.add(key)
        if value is None:
            out.dropped.append((_show(item), reason))
        else:
            out.inputs.append(value)
    return out


def input_key(value: Any) -> str:
    """One text for equal inputs: how inputs are told apart, here and in mutation."""
    try:
        return json.dumps(value, sort_keys=True, default=repr)
    except TypeError:  # a dict mixing key types ({1: "a", "b": 2}) cannot sort its keys
        return json.dumps(_by_repr(value), default=repr)


def _by_repr(value: Any) -> Any:
    """``value`` with every dict's items ordered by their keys' repr, so equal dicts
    give one key whatever order their items were written in."""
    if isinstance(value, dict):
        items = sorted(((repr(k), _by_repr(v)) for k, v in value.items()), key=lambda kv: kv[0])
        return {"<dict>": [[k, v] for k, v in items]}
    if isinstance(value, list | tuple):
        return [_by_repr(v) for v in value]
    return value


def _show(item: Any) -> str:
    if isinstance(item, Call):
        parts = [input_key(a) for a in item.args]
        parts += [f"{k}={input_key(v)}" for k, v in item.kwargs.items()]
        text = "(" + ", ".join(parts) + ")"
    else:
        text = item if isinstance(item, str) else input_key(item)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."


def _unwrap(item: Any, names: Sequence[str] = ()) -> tuple[Any, bool]:
    """The input field of a test-shaped object (its expected output left behind)."""
    if isinstance(item, dict):
        for key in _INPUT_KEYS:
            if key in item:
                return item[key], True
        if names and set(names) <= set(item):  # arguments by parameter name
            return [item[n] for n in names], True
    return item, False


# -- stdin ----------------------------------------------------------------------------


def read_stdin(item: Any, problem: Problem) -> tuple[str | None, str]:
    value, _ = _unwrap(item)
    if isinstance(value, dict):
        return None, "object without an input field"
    if isinstance(value, list) and all(_scalar(v) for v in value):
        value = "\n".join(str(v) for v in value)  # one element per line
    elif _scalar(value):
        value = str(value)
    if not isinstance(value, str):
        return None, "not a text input"
    if "\n" not in value and "\\n" in value and _multiline(problem):
        value = value.replace("\\n", "\n")  # the model escaped its escapes
    if not value.strip():
        return None, "empty"
    return (value if value.endswith("\n") else value + "\n"), ""


def _scalar(v: Any) -> bool:
    return isinstance(v, str | int | float) and not isinstance(v, bool)


def _multiline(problem: Problem) -> bool:
    return any(str(t.input).rstrip("\n").count("\n") for t in problem.public_tests)


# -- function arguments ---------------------------------------------------------------


@dataclass
class Signature:
    """What a call of the entry point looks like: parameter names and, from the
    public tests, the number of arguments and examples of each one's values."""

    entry: str
    names: list[str]
    arity: int | None
    examples: list[list[Any]]  # per position, the public tests' values

    @classmethod
    def of(cls, problem: Problem) -> Signature:
        names = _parameters(problem)
        sizes = {len(t.input) for t in problem.public_tests if isinstance(t.input, list)}
        arity = sizes.pop() if len(sizes) == 1 else (len(names) if names and not sizes else None)
        examples: list[list[Any]] = [[] for _ in range(arity or 0)]
        for t in problem.public_tests:
            if isinstance(t.input, list) and len(t.input) == arity:
                for k, v in enumerate(t.input):
                    examples[k].append(v)
        return cls((problem.entry_point or "").split(".")[-1], names, arity, examples)

    def fits(self, args: list[Any]) -> bool:
        return len(args) == self.arity and all(
            _fits(a, ex) for a, ex in zip(args, self.examples, strict=True)
        )

    def spread(self, items: Sequence[Any]) -> list[Any]:
        """``items`` with lists of several inputs opened up: for a one-argument
        function, a list every element of which is an argument on its own (and which
        is not one argument itself), as in ``["", "a", "ab"]`` for ``f(s: str)``.
        Small models group their inputs that way, or write ``[input, expected]``
        pairs whose expected value is itself a valid input."""
        out: list[Any] = []
        for item in items:
            value = item
            if (
                self.arity == 1
                and isinstance(value, list)
                and len(value) >= 2
                and not self.fits(value)
                and not self.fits([value])
                and not (len(value) == 2 and self.fits(value[:1]))
                and all(self.fits([v]) for v in value)
            ):
                out += [[v] for v in value]
            else:
                out.append(item)
        return out

    def read(self, item: Any) -> tuple[list[Any] | None, str]:
        if isinstance(item, Call):
            return self._read_call(item)
        value, unwrapped = _unwrap(item, self.names)
        if isinstance(value, str) and not unwrapped and self.entry:
            # "f([1, 2], 3)" written as a string: read like any other call.
            calls, unread = extract_calls(value, self.entry)
            if len(calls) == 1 and not unread:
                return self._read_call(calls[0])
        if self.arity is None:
            if isinstance(value, list):
                return value, ""
            return None, "not an argument list"
        if isinstance(value, list):
            if self.fits(value):
                return value, ""
            # [arguments..., expected]: the model's expected value is dropped.
            if len(value) == self.arity + 1 and self.fits(value[:-1]):
                return value[:-1], ""
            # [[arguments...], expected]
            if (
                len(value) == 2
                and isinstance(value[0], list)
                and self.fits(value[0])
                and not unwrapped
            ):
                return value[0], ""
        # A one-argument function given its bare argument.
        if self.arity == 1 and self.fits([value]):
            return [value], ""
        if isinstance(value, list) and len(value) != self.arity:
            return None, "wrong arity"
        if isinstance(value, list):
            return None, "wrong types"
        return None, "wrong types" if self.arity == 1 else "not an argument list"

    def _read_call(self, call: Call) -> tuple[list[Any] | None, str]:
        args = list(call.args)
        if call.kwargs:
            rest = self.names[len(args) :]
            if set(call.kwargs) - set(rest):
                return None, "unknown keyword arguments"
            if any(n not in call.kwargs for n in rest):
                return None, "wrong arity"
            args += [call.kwargs[n] for n in rest]
        if self.arity is None or self.fits(args):
            return args, ""
        return None, "wrong arity" if len(args) != self.arity else "wrong types"


def _parameters(problem: Problem) -> list[str]:
    """The entry point's parameter names (``self`` left out), from the starter code or
    the prompt; empty when neither shows the signature."""
    name = (problem.entry_point or "").split(".")[-1]
    for source in (problem.starter_code or "", problem.prompt):
        m = re.search(rf"def\s+{re.escape(name)}\s*\((.*?)\)\s*(?:->[^:]*)?:", source, re.S)
        if m is None:
            continue
        try:
            tree = ast.parse(f"def f({m.group(1)}): pass")
        except SyntaxError:
            continue
        fn = tree.body[0]
        assert isinstance(fn, ast.FunctionDef)
        names = [a.arg for a in fn.args.posonlyargs + fn.args.args]
        return [n for n in names if n not in {"self", "cls"}]
    return []


def _kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list | tuple):
        return "list"
    if isinstance(v, dict):
        return "object"
    return type(v).__name__


def _fits(value: Any, examples: Sequence[Any]) -> bool:
    """Whether ``value`` has a type the public tests pass at this position (element
    types checked inside lists; no examples means no constraint)."""
    if not examples:
        return True
    kinds = {_kind(e) for e in examples}
    if _kind(value) not in kinds:
        return False
    if isinstance(value, list | tuple):
        elements = [x for e in examples if isinstance(e, list | tuple) for x in e]
        return all(_fits(x, elements) for x in value)
    return True
