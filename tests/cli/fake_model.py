"""Replies of a deterministic fake model for CLI tests, served over real HTTP by
``FakeOpenAIServer``. It knows a solution for each example problem (some wrong on
purpose), and answers the selection prompts plausibly."""

from __future__ import annotations

import json
from typing import Any

SOLUTIONS = {
    "words in reverse order": "print(' '.join(input().split()[::-1]))\n",
    "largest sum of any non-empty contiguous": (
        "def max_subarray_sum(nums):\n    best = cur = nums[0]\n    for x in nums[1:]:\n"
        "        cur = max(x, cur + x)\n        best = max(best, cur)\n    return best\n"
    ),
    # Deliberately wrong on large inputs' edge: counts primes < n instead of <= n.
    "how many prime numbers": (
        "import sys\ndata = sys.stdin.read().split()\nt = int(data[0])\nqs = list(map(int, data[1:1 + t]))\n"
        "N = max(qs + [2])\nsieve = bytearray([1]) * (N + 1)\nsieve[0] = sieve[1] = 0\n"
        "for i in range(2, int(N ** 0.5) + 1):\n    if sieve[i]:\n"
        "        sieve[i*i::i] = bytearray(len(sieve[i*i::i]))\n"
        "pref = [0] * (N + 1)\nrun = 0\nfor i in range(N + 1):\n    run += sieve[i]\n    pref[i] = run\n"
        "print('\\n'.join(str(pref[q]) for q in qs))\n"
    ),
    "matching bracket type": (
        "def is_balanced(s):\n    st = []\n    pairs = {')': '(', ']': '[', '}': '{'}\n"
        "    for c in s:\n        if c in '([{':\n            st.append(c)\n"
        "        elif c in pairs:\n            if not st or st.pop() != pairs[c]:\n"
        "                return False\n    return not st\n"
    ),
    "longest common prefix": (
        "class Solution:\n    def longestCommonPrefix(self, strs):\n        p = strs[0]\n"
        "        for w in strs[1:]:\n            while not w.startswith(p):\n                p = p[:-1]\n"
        "        return p\n"
    ),
    # Wrong: prints the median of the first two numbers only.
    "mean and the median": (
        "n = int(input())\nxs = list(map(int, input().split()))\n"
        "print(f'{sum(xs) / n:.6f} {sorted(xs[:2])[0]:.6f}')\n"
    ),
}


def reply(messages: list[dict[str, Any]], body: dict[str, Any]) -> str:
    text = messages[-1]["content"]
    if "Both programs were executed" in text or "Which program solves" in text:
        return "Answer: A"
    if "INPUTS" in text:
        stdin = "standard input" in text
        return "```json\n" + json.dumps(["1\n2\n"] if stdin else [[[1]], [["x"]]]) + "\n```"
    whole = "\n".join(m["content"] for m in messages)
    for key, code in SOLUTIONS.items():
        if key in whole:
            return f"```python\n{code}```"
    return "I do not know."
