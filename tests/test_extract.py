from __future__ import annotations

from agentsstar.extract import (
    Call,
    extract_asserts,
    extract_choice,
    extract_code,
    extract_json_list,
)


def test_last_python_block_wins() -> None:
    reply = "First try:\n```python\nx = 1\n```\nBetter:\n```python\nprint(2)\n```\n"
    assert extract_code(reply) == "print(2)\n"


def test_prefers_block_defining_entry_point() -> None:
    reply = "```python\ndef solve(a):\n    return a\n```\nUsage:\n```python\nprint(solve(3))\n```"
    assert extract_code(reply, "solve") == "def solve(a):\n    return a\n"
    reply2 = "```python\nclass Solution:\n    def f(self):\n        return 1\n```\n```python\nSolution().f()\n```"
    assert extract_code(reply2, "Solution.f").startswith("class Solution")


def test_unclosed_fence_and_bare_code() -> None:
    assert extract_code("```python\nprint(1)\nprint(2)") == "print(1)\nprint(2)\n"
    assert extract_code("def f(x):\n    return x\n") == "def f(x):\n    return x\n"
    assert extract_code("I cannot solve this problem, sorry.") is None


def test_skips_blocks_in_other_languages() -> None:
    assert extract_code("```bash\npip install x\n```\n```py\nprint(1)\n```") == "print(1)\n"


def test_json_lists() -> None:
    assert extract_json_list('Here:\n```json\n["1\\n", "2\\n"]\n```') == ["1\n", "2\n"]
    assert extract_json_list("tests:\n[[1, 2], [3, 4]]\nthanks") == [[1, 2], [3, 4]]
    assert extract_json_list("```\n[('a', True), (None,)]\n```") == [("a", True), (None,)]
    assert extract_json_list("no list here") is None


def test_choice() -> None:
    assert extract_choice("A is wrong because...\nAnswer: B") == "B"
    assert extract_choice("**Answer:** A") == "A"
    assert extract_choice("I think Program A is correct.") == "A"
    assert extract_choice("b") == "B"
    assert extract_choice("both are fine") is None


def test_asserts_are_read_as_tests_with_literal_expectations() -> None:
    reply = (
        "```python\nassert f([1, 2], 0.5) == False\nassert f([0] * 3, 2) is True\n"
        "assert not f([], 1)\nassert f('a')\nassert 3 == f(2, 1)\n"
        "assert Solution().f(1, k=2) == [1, 2]  # a method\n"
        "assert f(g(1)) == 2\nassert f(1) != 2\nassert f(1) == y\nassert g(1) == 1\n"
        "print(f(1))\nassert f(1,\n```"
    )
    assert extract_asserts(reply, "f") == [
        (Call([[1, 2], 0.5], {}), False),
        (Call([[0, 0, 0], 2], {}), True),
        (Call([[], 1], {}), False),
        (Call(["a"], {}), True),
        (Call([2, 1], {}), 3),
        (Call([1], {"k": 2}), [1, 2]),
    ]
