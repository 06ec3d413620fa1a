"""The integer bounds a problem statement gives (``1 <= n <= 10^18``), for pushing
mutated inputs to them.

Wrong programs often fail only at the edges a statement names: a float square root
is exact up to 10^15 and off by one near 10^18; a count of leap years that forgets
the century rule is right until the range crosses a century. The public inputs are
rarely near those edges, so mutation pushes numbers to them. Which variable a bound
belongs to is not worked out (a statement's grammar is free); every bound is a
candidate, and execution decides which mutants matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A number as statements write it: 7, -3, 10^9, 10^{18}, 10**5, 2*10^5, 2·10^5,
# 2 \cdot 10^5, 1e9. Longer forms first, so "2*10^5" is not read as "2".
_POWER = r"10\s*(?:\^|\*\*)\s*\{?\s*(?P<exp>\d{1,3})\s*\}?"
_NUMBER = (
    r"(?P<sign>-\s*)?(?:"
    rf"(?P<coef>\d+)\s*(?:\*|·|×|\\cdot|\\times)\s*{_POWER}"
    rf"|(?P<pow>{_POWER.replace('exp', 'exp2')})"
    r"|(?P<mant>\d+)e(?P<exp3>\d{1,3})"
    r"|(?P<plain>\d+)(?![\d.])"
    r")"
)
_LESS = r"(?P<less><=|≤|⩽|\\leq?|<)"
_MORE = r"(?P<more>>=|≥|⩾|\\geq?|>)"
_OP = rf"(?:{_LESS}|{_MORE})"
# A number right after an operator, or right before one.
_AFTER = re.compile(rf"{_OP}\s*\$?\s*{_NUMBER}")
_BEFORE = re.compile(rf"{_NUMBER}\s*\$?\s*{_OP}")

LIMIT = 10**30  # larger "bounds" are not input sizes


@dataclass(frozen=True)
class Bounds:
    lower: tuple[int, ...] = ()  # distinct, ascending
    upper: tuple[int, ...] = ()  # distinct, descending


def _value(m: re.Match[str]) -> int | None:
    g = m.groupdict()
    if g["coef"] is not None:
        n = int(g["coef"]) * 10 ** int(g["exp"])
    elif g["pow"] is not None:
        n = 10 ** int(g["exp2"])
    elif g["mant"] is not None:
        n = int(g["mant"]) * 10 ** int(g["exp3"])
    else:
        n = int(g["plain"])
    n = -n if g["sign"] else n
    return n if abs(n) <= LIMIT else None


def statement_bounds(text: str) -> Bounds:
    """The lower and upper integer bounds stated in ``text``; a strict bound is moved
    to the first value it allows (``x < 10`` gives 9)."""
    lower: set[int] = set()
    upper: set[int] = set()
    for pattern, after in ((_AFTER, True), (_BEFORE, False)):
        for m in pattern.finditer(text):
            n = _value(m)
            if n is None:
                continue
            strict = (m["less"] or m["more"]) in ("<", ">")
            # "x <= N" and "N >= x" bound x from above; "N <= x" and "x >= N" below.
            if bool(m["less"]) == after:
                upper.add(n - 1 if strict else n)
            else:
                lower.add(n + 1 if strict else n)
    return Bounds(tuple(sorted(lower)), tuple(sorted(upper, reverse=True)))


def pushed(value: int, bounds: Bounds, *, per_side: int = 2) -> list[int]:
    """``value`` pushed to the largest stated upper bounds above it (and one below
    each, the last value before an edge), and to the smallest lower bounds below it."""
    out: list[int] = []
    for u in [u for u in bounds.upper if u > value][:per_side]:
        out += [u, u - 1] if u - 1 > value else [u]
    out += [low for low in bounds.lower if low < value][:per_side]
    return list(dict.fromkeys(out))
