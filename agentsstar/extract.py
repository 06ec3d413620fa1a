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
