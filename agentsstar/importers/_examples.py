"""Docstring examples (``>>> f(1, 2)`` then ``3``) turned into function test cases.

Only literals are accepted: arguments and expected values are read with
``ast.literal_eval``, never evaluated, so a docstring cannot run code on import.
An example that is not a direct call of the entry point with literal positional
arguments (``round(f(x), 2)``, several statements, printed output, a set or other
value JSON cannot hold) is skipped rather than guessed at.

Five forms are read:

- doctest: ``>>> f(args)`` (``...`` continuation lines allowed) followed by the
  expected value's lines up to a blank line or the next ``>>>``; no lines means the
  call returns ``None``, as in doctest.
- comparison: ``>>> f(args) == value`` with no output line, or with ``True``,
  as several HumanEval docstrings write it.
- prose: a line that is ``f(args)`` (after an optional ``for`` or ``assert``) then
  one of ``==``, ``==>``, ``=>``, ``# =>``, ``➞``, ``->``, ``returns``, ``should
  return`` or ``# returns`` and a literal value (a trailing full stop or comment is
  ignored; a bare ``true``/``false`` is a bool). A bare ``=`` counts only in a
  docstring that states no formula with it: ``tri(n) = 1 + n / 2`` says that its
  ``tri(4) = 3`` is arithmetic, not the return value of a list-valued ``tri``.
- input/output: an ``Input:`` line then an ``Output:`` line, the input written as
  call arguments (``arr = [1, 2], k = 3``, or ``[1, 2]`` for one parameter), named
  arguments put in the signature's order.
- for/the result: ``For s = "ab", c = "a", the result should be ('b', False)``.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_PROMPT = ">>>"
_CONTINUE = "..."


@dataclass(frozen=True, slots=True)
class Example:
    """One parsed example: positional arguments and the expected return value."""

    args: list[Any]
    expected: Any


def parse_examples(docstring: str, entry_point: str, params: Sequence[str] = ()) -> list[Example]:
    """Every example of ``entry_point`` in ``docstring`` that parses cleanly, in order.
    ``params``, the function's parameter names, lets examples name their arguments."""
    examples: list[Example] = []
    lines = [line.strip() for line in docstring.splitlines()]
    equals_ok = not any(_is_formula(line, entry_point) for line in lines)
    i = 0
    while i < len(lines):
        if not lines[i].startswith(_PROMPT):
            prose = (
                _prose_example(lines[i], entry_point, equals_ok)
                or _for_result_example(lines[i], params)
                or _input_output_example(lines, i, params)
            )
            if prose is not None:
                examples.append(prose)
            i += 1
            continue
        source = [lines[i].removeprefix(_PROMPT).strip()]
        i += 1
        while i < len(lines) and lines[i].startswith(_CONTINUE):
            source.append(lines[i].removeprefix(_CONTINUE).strip())
            i += 1
        output: list[str] = []
        while i < len(lines) and lines[i] and not lines[i].startswith(_PROMPT):
            output.append(lines[i])
            i += 1
        example = _example("\n".join(source), "\n".join(output), entry_point)
        if example is not None:
            examples.append(example)
    return examples


def _example(source: str, output: str, entry_point: str) -> Example | None:
    try:
        tree = ast.parse(source, mode="eval").body
    except SyntaxError:
        return None
    if isinstance(tree, ast.Compare):
        # ``f(x) == y``: doctest would print True; the docstring often shows nothing.
        if len(tree.ops) != 1 or not isinstance(tree.ops[0], ast.Eq) or output not in ("", "True"):
            return None
        call, expected_node = tree.left, tree.comparators[0]
        try:
            expected = ast.literal_eval(expected_node)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None
    else:
        call = tree
        if output:
            try:
                expected = ast.literal_eval(output)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                return None  # printed text, an exception report, or not a literal
        else:
            expected = None  # doctest shows nothing for a None result
    return _make(_literal_call_args(call, entry_point), expected)


# Longest first, so "==>" is not read as "==" followed by ">".
_SEPARATORS = ("should return", "# returns", "returns", "# =>", "==>", "==", "=>", "➞", "->")
_LEAD_INS = ("* ", "- ", "for ", "assert ")  # list bullets, and prose around a call


def _prose_example(line: str, entry_point: str, equals_ok: bool) -> Example | None:
    """``f(args) SEP value`` on one line, e.g. ``add([4, 2, 6, 7]) ==> 2``."""
    split = _split_call(line, entry_point)
    if split is None:
        return None
    args, rest = split
    sep = next((s for s in _SEPARATORS if rest.startswith(s)), None)
    if sep is None and equals_ok and rest.startswith("="):
        sep = "="
    if sep is None:
        return None
    return _make(args, _literal_text(rest.removeprefix(sep).strip()))


def _split_call(line: str, entry_point: str) -> tuple[list[Any] | None, str] | None:
    """A line opening with a call of ``entry_point``: its literal arguments (None
    when they are not literals) and the text after the call."""
    for lead in _LEAD_INS:
        if line.lower().startswith(lead):
            line = line[len(lead) :].lstrip()
    if not line.startswith(f"{entry_point}("):
        return None
    # The call ends at the first ")" that closes a parseable call expression.
    end = line.find(")")
    while end != -1:
        try:
            node = ast.parse(line[: end + 1], mode="eval").body
        except SyntaxError:
            end = line.find(")", end + 1)
            continue
        break
    else:
        return None
    return _literal_call_args(node, entry_point), line[end + 1 :].strip()


def _is_formula(line: str, entry_point: str) -> bool:
    """``f(n) = 1 + n / 2``: a ``=`` line whose call or value is not a literal."""
    split = _split_call(line, entry_point)
    if split is None:
        return False
    args, rest = split
    if not rest.startswith("=") or rest.startswith(("==", "=>")):
        return False
    return args is None or _literal_text(rest[1:].strip()) is _NOT_JSON


_FOR_RESULT = re.compile(
    r"^for (?P<args>.+?),?\s+the (?:result|output) (?:should be|will be|is) (?P<value>.+)$",
    re.IGNORECASE,
)


def _for_result_example(line: str, params: Sequence[str]) -> Example | None:
    """``For s = "abcde", c = "ae", the result should be ('bcd',False)``."""
    match = _FOR_RESULT.match(line)
    if match is None:
        return None
    args = _named_args(match["args"], params, positional=False)
    return _make(args, _literal_text(match["value"].strip()))


def _input_output_example(lines: list[str], i: int, params: Sequence[str]) -> Example | None:
    """``Input: arr = [1, 2], k = 3`` and, on the next line that is not blank,
    ``Output: [2]``."""
    if not lines[i].lower().startswith("input:"):
        return None
    j = i + 1
    while j < len(lines) and not lines[j]:
        j += 1
    if j == len(lines) or not lines[j].lower().startswith("output:"):
        return None
    args = _named_args(lines[i][len("input:") :].strip(), params, positional=True)
    return _make(args, _literal_text(lines[j][len("output:") :].strip()))


def _named_args(text: str, params: Sequence[str], *, positional: bool) -> list[Any] | None:
    """``a = 1, b = [2]`` (or, if ``positional``, ``1, [2]``) as the positional
    arguments of a function with parameters ``params``; None unless every parameter
    gets exactly one literal."""
    try:
        node = ast.parse(f"_f({text})", mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(node, ast.Call) or not params or len(params) != len(set(params)):
        return None
    if node.args and (not positional or node.keywords):
        return None
    try:
        values = [ast.literal_eval(a) for a in node.args]
        named = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    if values:
        return values if len(values) == len(params) else None
    if set(named) != set(params) or len(node.keywords) != len(params):
        return None
    return [named[name] for name in params]


def _make(args: list[Any] | None, expected: Any) -> Example | None:
    if args is None or expected is _NOT_JSON:
        return None
    json_args, json_expected = _as_json(args), _as_json(expected)
    if json_args is _NOT_JSON or json_expected is _NOT_JSON:
        return None
    return Example(args=json_args, expected=json_expected)


def _literal_text(text: str) -> Any:
    """A literal written in prose: ``16.`` at a sentence end means ``16``, and a bare
    ``true`` or ``false`` is a bool."""
    if text.removesuffix(".") in ("true", "false"):
        return text.startswith("t")
    candidates = [text.removesuffix(".")] if text.endswith(".") else []
    for candidate in [*candidates, text]:
        if not candidate:
            continue
        try:
            return ast.literal_eval(candidate)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
    return _NOT_JSON


def _literal_call_args(node: ast.expr, entry_point: str) -> list[Any] | None:
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == entry_point
        and not node.keywords
        and not any(isinstance(a, ast.Starred) for a in node.args)
    ):
        return None
    try:
        return [ast.literal_eval(a) for a in node.args]
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


_NOT_JSON: Any = object()


def _as_json(value: Any) -> Any:
    """``value`` as the JSON value the harness will compare, or ``_NOT_JSON``.

    Tuples become lists (the harness compares return values as JSON, where they are
    the same). Sets, bytes, complex numbers, non-finite floats and dicts with
    non-string keys have no faithful JSON form, so their examples are dropped.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _NOT_JSON
    if isinstance(value, list | tuple):
        items = [_as_json(v) for v in value]
        return _NOT_JSON if any(v is _NOT_JSON for v in items) else items
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            return _NOT_JSON
        converted = {k: _as_json(v) for k, v in value.items()}
        return _NOT_JSON if any(v is _NOT_JSON for v in converted.values()) else converted
    return _NOT_JSON
