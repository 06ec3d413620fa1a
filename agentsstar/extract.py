"""Pulling code and JSON out of free-form model replies.

Small models wrap code inconsistently: several fenced blocks, a language tag or none,
an unclosed fence when ``max_tokens`` cut the reply, or bare code. The rules here take
the last complete Python block, prefer one that defines the entry point, and fall back
sensibly rather than giving up.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Any

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_CODE_LANGS = {"", "python", "py", "python3", "py3"}


def _blocks(reply: str) -> list[tuple[str, str]]:
    return [(m.group(1).lower(), m.group(2)) for m in _FENCE.finditer(reply)]


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return True


def _defines(code: str, entry_point: str) -> bool:
    head = entry_point.split(".")[0]
    return (
        re.search(rf"^\s*(?:async\s+)?(?:def|class)\s+{re.escape(head)}\b", code, re.M) is not None
    )


def extract_code(reply: str, entry_point: str | None = None) -> str | None:
    """The program in ``reply``, or ``None`` when there is nothing code-like.

    Order of preference: the last Python (or untagged) fenced block that parses and
    defines the entry point; the last such block that parses; the last Python block;
    the whole reply if it parses as Python and is not plain prose.
    """
    blocks = [code for lang, code in _blocks(reply) if lang in _CODE_LANGS and code.strip()]
    parsing = [c for c in blocks if _parses(c)]
    if entry_point:
        defining = [c for c in parsing if _defines(c, entry_point)]
        if defining:
            return defining[-1].strip("\n") + "\n"
    if parsing:
        return parsing[-1].strip("\n") + "\n"
    if blocks:
        return blocks[-1].strip("\n") + "\n"
    text = reply.strip()
    if (
        text
        and _parses(text)
        and re.search(r"^(def|class|import|from|print|for|while|[a-z_]+\s*=)", text, re.M)
    ):
        return text + "\n"
    return None


def extract_json_list(reply: str) -> list[Any] | None:
    """The last JSON array in ``reply`` (fenced or bare), or ``None``."""
    candidates = [code for lang, code in _blocks(reply) if lang in {"json", ""}]
    candidates.reverse()
    for text in candidates:
        value = _loads_list(text)
        if value is not None:
            return value
    # Bare array: try from each '[' that starts a line, last first.
    starts = [m.start() for m in re.finditer(r"(?m)^\s*\[", reply)]
    for start in reversed(starts):
        value = _loads_list(reply[start:])
        if value is not None:
            return value
    return None


def _loads_list(text: str) -> list[Any] | None:
    text = text.strip()
    try:
        value, _ = json.JSONDecoder().raw_decode(text)
    except (json.JSONDecodeError, RecursionError):
        try:
            # Models often write Python literals (single quotes, True/None).
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None
    if isinstance(value, tuple):
        value = list(value)
    return value if isinstance(value, list) else None


_DATA_LANGS = {"json", "", "python", "py", "python3", "text", "txt", "plaintext", "jsonl"}
_CLOSE = {"[": "]", "{": "}", "(": ")"}
_NO_VALUE = object()


def extract_items(reply: str) -> tuple[list[Any], bool] | None:
    """The test items a model listed in ``reply``, however it wrote them, and whether
    the list was cut short (``max_tokens``): the complete items before the cut are kept.

    Accepted shapes, tried on each fenced block (last first) and then on the whole
    reply: one JSON or Python-literal array (single quotes, True/None, trailing prose);
    several top-level values separated by commas (``[1, 2], [3, 4]``); one value per
    line. ``None`` when nothing parses.
    """
    texts = [code for lang, code in _blocks(reply) if lang in _DATA_LANGS]
    texts.reverse()
    texts.append(reply)
    for text in texts:
        found = _items(text)
        if found is not None:
            return found
    return None


def _items(text: str) -> tuple[list[Any], bool] | None:
    values, partial = _top_level_values(text)
    if partial is not None:
        # Cut short or unbalanced: one item per line may read more of it.
        by_line: list[Any] = []
        for line in text.splitlines():
            found, cut = _top_level_values(line.strip().rstrip(","))
            by_line += found + (cut or [])
        if len(by_line) > len(values) + len(partial):
            return by_line, True
    if not values:
        # Only an unterminated array: the reply was cut inside the list of items.
        return (partial, True) if partial else None
    if len(values) == 1:
        only = values[0]
        return (only, False) if isinstance(only, list) else ([only], partial is not None)
    return values, partial is not None


def _top_level_values(text: str) -> tuple[list[Any], list[Any] | None]:
    """The bracketed or object values at the top level of ``text``, in order, with the
    prose between them skipped; and, when the text ends inside an array, that array's
    complete elements (else ``None``)."""
    values: list[Any] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] in "[{":
            end = _balanced_end(text, i)
            if end is None:
                return values, _salvage(text, i) if text[i] == "[" else []
            value = _literal(text[i:end])
            if value is not _NO_VALUE:
                values.append(value)
                i = end
                continue
        i += 1
    return values, None


def _salvage(text: str, start: int) -> list[Any]:
    """The complete elements of the array opened at ``start`` that never closes."""
    items: list[Any] = []
    i = start + 1
    while i < len(text):
        while i < len(text) and text[i] in " \t\r\n,":
            i += 1
        if i >= len(text):
            break
        if text[i] in "[{(\"'":
            end = _balanced_end(text, i)
        else:
            m = re.compile(r"[^,\]\n]+").match(text, i)
            end = m.end() if m else None
            if end is not None and end >= len(text):
                end = None  # a scalar running into the cut may be incomplete
        if end is None:
            break
        value = _literal(text[i:end].strip())
        if value is _NO_VALUE:
            break
        items.append(value)
        i = end
    return items


def _balanced_end(text: str, start: int) -> int | None:
    """Index just past the value opened at ``start`` (bracket or quote), or ``None``
    when the text ends first. Quotes and escapes inside strings are respected."""
    opener = text[start]
    if opener in "\"'":
        j = start + 1
        while j < len(text):
            if text[j] == "\\":
                j += 2
                continue
            if text[j] == opener:
                return j + 1
            j += 1
        return None
    stack = [_CLOSE[opener]]
    j = start + 1
    while j < len(text):
        c = text[j]
        if c in "\"'":
            end = _balanced_end(text, j)
            if end is None:
                return None
            j = end
            continue
        if c in _CLOSE:
            stack.append(_CLOSE[c])
        elif c in ")]}":
            if c != stack[-1]:
                return None
            stack.pop()
            if not stack:
                return j + 1
        j += 1
    return None


def _literal(text: str) -> Any:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        pass
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return _NO_VALUE
    return _as_json(value)


def read_literal(text: str) -> tuple[bool, Any]:
    """``(True, value)`` when ``text`` is JSON or a Python literal (as JSON values),
    ``(False, None)`` otherwise. Nothing is evaluated."""
    value = _literal(text.strip())
    return (False, None) if value is _NO_VALUE else (True, value)


def _as_json(value: Any) -> Any:
    """Python-literal containers as their JSON counterparts (tuples, sets -> lists)."""
    if isinstance(value, tuple | list | set | frozenset):
        return [_as_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    return value


def extract_choice(reply: str) -> str | None:
    """'A' or 'B' from a judge's reply ("Answer: A" preferred, last mention wins)."""
    found = re.findall(r"(?i)answer\s*[:\-]?\s*\**\s*(?:program\s*)?\(?([AB])\b", reply)
    if found:
        return str(found[-1]).upper()
    found = re.findall(r"\b(?:program|Program)\s+([AB])\b", reply)
    if found:
        return str(found[-1]).upper()
    stripped = reply.strip().strip("*.").upper()
    return stripped if stripped in {"A", "B"} else None


def extract_answer(reply: str) -> str:
    """What a reply that states one output says: its first closed fenced block, else
    its last non-empty line without an "Output:"-style label."""
    fence = _CLOSED_FENCE.search(reply)
    if fence is not None:
        return fence.group(2).strip()
    lines = [line.strip() for line in reply.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    return _LABEL.sub("", lines[-1])


_LABEL = re.compile(
    r"(?i)^(the\s+)?(expected\s+)?(output|answer|result|returns?)\s*(is)?\s*[:=]?\s*"
)


@dataclass
class Call:
    """One call of the entry point written in a reply: ``f([1, 2], k=3)``."""

    args: list[Any]
    kwargs: dict[str, Any]


_LARGEST = 100_000  # characters: a repeated literal larger than this is noise


def extract_calls(reply: str, name: str) -> tuple[list[Call], int]:
    """Every call of ``name`` in ``reply`` whose arguments are literals, in order, and
    how many calls were found but not read (arguments that are not literals).

    A code model asked for test inputs writes calls most naturally, one per line, in
    asserts or prints, or inline in prose; all of these are found. ``def name(`` is a
    definition, not a call. Arguments may be literals or literals combined with
    ``+`` and ``*`` (``"a" * 1000``, ``[0] * 50 + [1]``): small models write large inputs
    that way. Nothing else is evaluated: this is model-written text in the harness's
    own process.
    """
    calls: list[Call] = []
    unread = 0
    pattern = re.compile(rf"(?<![\w]){re.escape(name)}\s*\(")
    for m in pattern.finditer(reply):
        if re.search(r"\bdef\s+$", reply[max(0, m.start() - 8) : m.start()]):
            continue
        end = _balanced_end(reply, m.end() - 1)
        if end is None:
            continue  # cut short by max_tokens
        call = _read_call(reply[m.end() - 1 : end])
        if call is None:
            unread += 1
        else:
            calls.append(call)
    return calls, unread


def _read_call(parenthesised: str) -> Call | None:
    try:
        tree = ast.parse("f" + parenthesised, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    return _call_of(tree.body)


def _call_of(node: ast.expr) -> Call | None:
    """A call node's literal arguments, or None if any is not a literal."""
    if not isinstance(node, ast.Call) or any(isinstance(a, ast.Starred) for a in node.args):
        return None
    try:
        args = [_as_json(_fold(a)) for a in node.args]
        kwargs = {k.arg: _as_json(_fold(k.value)) for k in node.keywords if k.arg}
    except (ValueError, TypeError, MemoryError, RecursionError, OverflowError):
        return None
    if len(kwargs) != len(node.keywords):
        return None  # **kwargs
    return Call(args, kwargs)


def _calls(node: ast.expr, name: str) -> bool:
    """Whether ``node`` calls ``name`` (``name(...)`` or ``obj.name(...)``)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Name) and func.id == name) or (
        isinstance(func, ast.Attribute) and func.attr == name
    )


def extract_asserts(reply: str, name: str) -> list[tuple[Call, Any]]:
    """Tests written as asserts, one per line, with literal arguments and a literal
    expected value: ``assert name(args) == expected`` (either side), ``... is True``,
    ``assert name(args)`` (expects True) and ``assert not name(args)`` (False), as
    docstrings and CodeT write them. Other lines are skipped; nothing is evaluated
    beyond literals (``_fold``)."""
    tests: list[tuple[Call, Any]] = []
    for line in reply.splitlines():
        text = line.strip()
        if not text.startswith("assert") or name not in text:
            continue
        try:
            node = ast.parse(text).body[0]
        except (SyntaxError, ValueError, MemoryError, RecursionError, IndexError):
            continue
        if not isinstance(node, ast.Assert):
            continue
        test = node.test
        call_node: ast.expr
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            if not isinstance(test.ops[0], ast.Eq | ast.Is):
                continue
            call_node, other = test.left, test.comparators[0]
            if not _calls(call_node, name):
                call_node, other = other, call_node
            try:
                expected = _as_json(_fold(other))
            except (ValueError, TypeError, MemoryError, RecursionError, OverflowError):
                continue
        elif isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            call_node, expected = test.operand, False
        else:
            call_node, expected = test, True
        call = _call_of(call_node) if _calls(call_node, name) else None
        if call is not None:
            tests.append((call, expected))
    return tests


def _fold(node: ast.expr) -> Any:
    """A literal, or literals joined by ``+`` and repeated by ``*`` (bounded)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mult):
        left, right = _fold(node.left), _fold(node.right)
        if isinstance(node.op, ast.Mult):
            seq, times = (left, right) if isinstance(right, int) else (right, left)
            sized = isinstance(seq, str | list | tuple) and isinstance(times, int)
            if sized and len(seq) * max(times, 0) > _LARGEST:
                raise ValueError("too large")  # before building it
        value = left + right if isinstance(node.op, ast.Add) else left * right
        if isinstance(value, str | list | tuple) and len(value) > _LARGEST:
            raise ValueError("too large")
        return value
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [_fold(e) for e in node.elts]
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise ValueError("dict unpacking")
        return {_fold(k): _fold(v) for k, v in zip(node.keys, node.values, strict=True) if k}
    return ast.literal_eval(node)


_TEXT_LANGS = {"", "text", "txt", "plaintext", "input", "stdin", "console", "none"}
_CLOSED_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)```", re.DOTALL)


_OUTPUT_LANGS = {"output", "stdout", "expected"}


def extract_text_blocks(reply: str, *, outputs: bool = False) -> tuple[list[str], bool]:
    """The contents of the plain (untagged or text) fenced blocks in ``reply``, and
    whether a last block was left open (cut by ``max_tokens``; it is not returned).
    With ``outputs``, blocks tagged as an output (```` ```output ````) count too: a
    reply of input and output blocks must keep every block to keep them paired."""
    langs = _TEXT_LANGS | _OUTPUT_LANGS if outputs else _TEXT_LANGS
    fences = list(_CLOSED_FENCE.finditer(reply))
    blocks = [m.group(2) for m in fences if m.group(1).lower() in langs]
    return blocks, reply.count("```") > 2 * len(fences)
