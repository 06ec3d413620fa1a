"""Build the selection benchmark's stdin problems: each with a right program and a
plausible wrong one that passes the public tests but not the private ones.

    python bench/selection/make_problems.py

Writes ``bench/selection/problems/<id>.json`` (the problem file), ``<id>.right.py``
and ``<id>.wrong.py``. Expected outputs are computed by running the right program
(trusted, written here) on each input; the script checks that the wrong program
agrees on every public input and disagrees on at least one private input.
These problems and programs were written for agentsstar.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

OUT = Path(__file__).parent / "problems"


@dataclass
class Spec:
    id: str
    prompt: str
    right: str
    wrong: str
    public: list[str]
    private: list[str]


def lines(*rows: object) -> str:
    return "".join(f"{r}\n" for r in rows)


def arr(values: list[int]) -> str:
    return " ".join(map(str, values))


rng = random.Random(20261203)


def rand_list(n: int, lo: int, hi: int) -> list[int]:
    return [rng.randint(lo, hi) for _ in range(n)]


SPECS = [
    Spec(
        "even-sum",
        "The first line holds n (1 <= n <= 1000), the second n integers a_i "
        "(-10^6 <= a_i <= 10^6). Print the sum of the even values among them.",
        "n = int(input())\na = list(map(int, input().split()))\nprint(sum(x for x in a if x % 2 == 0))\n",
        "n = int(input())\na = list(map(int, input().split()))\nprint(sum(a[i] for i in range(0, n, 2)))\n",
        [lines(4, "2 1 4 3"), lines(2, "6 5")],
        [
            lines(3, "1 2 4"),
            lines(1, "-7"),
            lines(5, "-2 -4 3 8 10"),
            lines(6, arr(rand_list(6, -50, 50))),
            lines(8, arr(rand_list(8, 0, 99))),
        ],
    ),
    Spec(
        "best-trade",
        "Prices of a stock over n days (2 <= n <= 10^5) are given on the second line, "
        "after n on the first. Buy on one day and sell on a later day; print the largest "
        "profit possible, or 0 if no trade makes money.",
        "n = int(input())\np = list(map(int, input().split()))\nbest, low = 0, p[0]\n"
        "for x in p[1:]:\n    best = max(best, x - low)\n    low = min(low, x)\nprint(best)\n",
        "n = int(input())\np = list(map(int, input().split()))\nprint(max(p) - min(p))\n",
        [lines(4, "1 3 2 8"), lines(3, "5 6 9")],
        [
            lines(3, "9 5 1"),
            lines(5, "7 1 5 3 6"),
            lines(4, "3 8 1 2"),
            lines(2, "4 4"),
            lines(6, arr(rand_list(6, 1, 100))),
        ],
    ),
    Spec(
        "distinct-count",
        "Given n (1 <= n <= 10^5) and then n integers on one line, print how many "
        "different values there are.",
        "input()\nprint(len(set(input().split())))\n",
        "input()\na = input().split()\nprint(1 + sum(a[i] != a[i - 1] for i in range(1, len(a))))\n",
        [lines(5, "1 1 2 3 3"), lines(3, "4 4 4")],
        [
            lines(4, "1 2 1 2"),
            lines(5, "5 3 5 3 5"),
            lines(1, "9"),
            lines(7, arr(rand_list(7, 1, 4))),
        ],
    ),
    Spec(
        "second-largest",
        "Given n (2 <= n <= 10^5) and n integers, print the second largest distinct "
        "value, or -1 if all values are equal.",
        "input()\nv = sorted(set(map(int, input().split())))\nprint(v[-2] if len(v) > 1 else -1)\n",
        "input()\nv = sorted(map(int, input().split()))\nprint(v[-2] if v[-2] != v[0] or len(set(v)) > 1 else -1)\n",
        [lines(4, "3 9 1 7"), lines(3, "5 5 5")],
        [
            lines(4, "9 9 1 2"),
            lines(3, "4 8 8"),
            lines(5, "1 2 3 3 3"),
            lines(6, arr(rand_list(6, 1, 5))),
        ],
    ),
    Spec(
        "isqrt-big",
        "Given one integer n (0 <= n <= 10^18), print the largest integer r with r*r <= n.",
        "import math\nprint(math.isqrt(int(input())))\n",
        "import math\nprint(int(math.sqrt(int(input()))))\n",
        [lines(10), lines(1000000)],
        [
            lines(999999999999999999),
            lines(10**18),
            lines(4503599761588224),
            lines((10**9 - 1) ** 2 - 1),
            lines(0),
        ],
    ),
    Spec(
        "leap-years",
        "Given two years a and b (1 <= a <= b <= 10^9) on one line, print how many leap "
        "years there are from a to b inclusive, by the Gregorian rule.",
        "a, b = map(int, input().split())\nf = lambda y: y // 4 - y // 100 + y // 400\nprint(f(b) - f(a - 1))\n",
        "a, b = map(int, input().split())\nprint(b // 4 - (a - 1) // 4)\n",
        [lines("2001 2020"), lines("1996 1999")],
        [
            lines("1899 1901"),
            lines("1 2000"),
            lines("2000 2000"),
            lines("1700 2100"),
            lines("123456 7654321"),
        ],
    ),
    Spec(
        "longest-run",
        "A line holds a string s of lowercase letters (1 <= |s| <= 10^5). Print the "
        "length of the longest block of equal consecutive letters.",
        "s = input().strip()\nbest = cur = 1\nfor i in range(1, len(s)):\n"
        "    cur = cur + 1 if s[i] == s[i - 1] else 1\n    best = max(best, cur)\nprint(best)\n",
        "s = input().strip()\nbest, cur = 1, 1\nfor i in range(1, len(s)):\n"
        "    if s[i] == s[i - 1]:\n        cur += 1\n    else:\n        best = max(best, cur)\n"
        "        cur = 1\nprint(best)\n",
        [lines("aabbbc"), lines("abc")],
        [lines("abccc"), lines("zzzz"), lines("aabbb"), lines("a"), lines("xyyzzzz")],
    ),
    Spec(
        "nesting-depth",
        "A line holds a balanced string of round brackets (2 <= length <= 10^5). Print "
        "its greatest nesting depth.",
        "d = best = 0\nfor c in input().strip():\n    d += 1 if c == '(' else -1\n    best = max(best, d)\nprint(best)\n",
        "print(input().count('('))\n",
        [lines("((()))"), lines("()")],
        [lines("()()"), lines("(()())"), lines("((())())"), lines("()(())()")],
    ),
    Spec(
        "floor-mean",
        "Given n (1 <= n <= 10^5) and n integers (-10^9 <= a_i <= 10^9), print the "
        "floor of their mean (the largest integer not above it).",
        "n = int(input())\nprint(sum(map(int, input().split())) // n)\n",
        "n = int(input())\nprint(int(sum(map(int, input().split())) / n))\n",
        [lines(3, "1 2 4"), lines(2, "10 20")],
        [lines(2, "-1 -2"), lines(3, "-5 1 1"), lines(4, "-7 0 0 0"), lines(1, "-3")],
    ),
    Spec(
        "pair-sum",
        "The first line holds n and k (1 <= n <= 10^5, |k| <= 10^9), the second n "
        "integers. Print how many pairs of positions i < j have a_i + a_j = k.",
        "from collections import Counter\nn, k = map(int, input().split())\nseen = Counter()\n"
        "count = 0\nfor x in map(int, input().split()):\n    count += seen[k - x]\n"
        "    seen[x] += 1\nprint(count)\n",
        "n, k = map(int, input().split())\nv = set(map(int, input().split()))\n"
        "print(sum(1 for x in v if k - x in v and x < k - x))\n",
        [lines("4 5", "1 4 2 3"), lines("3 10", "1 2 3")],
        [
            lines("4 6", "3 3 3 1"),
            lines("5 4", "1 3 3 1 2"),
            lines("3 2", "1 1 1"),
            lines("6 0", "0 0 1 -1 2 5"),
        ],
    ),
    Spec(
        "caesar",
        "The first line holds k (0 <= k <= 10^9), the second a word of lowercase "
        "letters. Print the word with every letter moved k places forward in the "
        "alphabet, wrapping from z to a.",
        "k = int(input())\nprint(''.join(chr((ord(c) - 97 + k) % 26 + 97) for c in input().strip()))\n",
        "k = int(input())\nout = []\nfor c in input().strip():\n    o = ord(c) + k\n"
        "    if o > ord('z'):\n        o -= 26\n    out.append(chr(o))\nprint(''.join(out))\n",
        [lines(3, "xyz"), lines(1, "abc")],
        [lines(26, "abc"), lines(30, "hello"), lines(52, "z"), lines(1000000000, "agents")],
    ),
    Spec(
        "fewest-coins",
        "The first line holds m and x (1 <= m <= 10, 1 <= x <= 10^4), the second m coin "
        "values (1 <= c_i <= 10^4, one of them is 1). Print the fewest coins that add up "
        "to x, using each value as often as you like.",
        "m, x = map(int, input().split())\ncoins = list(map(int, input().split()))\n"
        "INF = float('inf')\nbest = [0] + [INF] * x\nfor v in range(1, x + 1):\n"
        "    best[v] = min(best[v - c] + 1 for c in coins if c <= v)\nprint(best[x])\n",
        "m, x = map(int, input().split())\ncoins = sorted(map(int, input().split()), reverse=True)\n"
        "n = 0\nfor c in coins:\n    n += x // c\n    x %= c\nprint(n)\n",
        [lines("3 30", "1 5 10"), lines("4 63", "1 5 10 25")],
        [
            lines("3 6", "1 3 4"),
            lines("3 15", "1 7 10"),
            lines("2 9", "1 3"),
            lines("4 12", "1 6 9 4"),
        ],
    ),
    Spec(
        "triangle",
        "Three integers a, b, c (1 <= a, b, c <= 10^9) on one line are side lengths. "
        "Print YES if they form a triangle of positive area, otherwise NO.",
        "a, b, c = sorted(map(int, input().split()))\nprint('YES' if a + b > c else 'NO')\n",
        "a, b, c = sorted(map(int, input().split()))\nprint('YES' if a + b >= c else 'NO')\n",
        [lines("3 4 5"), lines("1 1 5")],
        [lines("1 2 3"), lines("5 5 10"), lines("2 2 3"), lines("1000000000 1 999999999")],
    ),
]


def run(code: str, stdin: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code], input=stdin, capture_output=True, text=True, timeout=20
    )
    if proc.returncode != 0:
        return f"<error: {proc.stderr.strip().splitlines()[-1]}>"
    return proc.stdout


def build(spec: Spec) -> None:
    public = [{"input": i, "output": run(spec.right, i)} for i in spec.public]
    private = [{"input": i, "output": run(spec.right, i)} for i in spec.private]
    for t in public:
        got = run(spec.wrong, t["input"])
        if got.split() != t["output"].split():
            raise SystemExit(f"{spec.id}: the wrong program fails public input {t['input']!r}")
    if all(run(spec.wrong, t["input"]).split() == t["output"].split() for t in private):
        raise SystemExit(f"{spec.id}: no private test tells the wrong program apart")
    problem = {
        "id": f"sel-{spec.id}",
        "prompt": spec.prompt,
        "kind": "stdin",
        "public_tests": public,
        "private_tests": private,
        "time_limit_s": 2.0,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{spec.id}.json").write_text(json.dumps(problem, indent=2) + "\n")
    (OUT / f"{spec.id}.right.py").write_text(spec.right)
    (OUT / f"{spec.id}.wrong.py").write_text(spec.wrong)


if __name__ == "__main__":
    for spec in SPECS:
        build(spec)
    print(f"wrote {len(SPECS)} problems to {OUT}")
