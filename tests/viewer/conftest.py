"""Real results to render: ``solve`` on an example problem, with a scripted model
whose candidates differ (one hostile, one revised, one in a cluster of its own)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import anyio
import pytest

from agentsstar import load_problem, solve
from agentsstar.backends.base import GenerationParams, Message
from agentsstar.backends.scripted import ScriptedBackend
from agentsstar.problem import Problem
from agentsstar.records import Result
from agentsstar.strategies import SelfDebug, SStarSelection, TemperatureSampling

EXAMPLES = Path(__file__).parents[2] / "examples"

# Model-written code that would break a page that did not escape it.
HOSTILE = (
    "# </details></pre><script>window.PWNED = 1; console.error('pwned')</script>\n"
    "print(' '.join(input().split()[::-1]))\n"
)
BUGGY = "print(input().strip())\n"
FIXED = "line = input()\nprint(' '.join(reversed(line.split())))\n"
# Passes the public tests, but drops words after the fifth: a cluster of its own.
FIVE_WORDS = "print(' '.join(input().split()[:5][::-1]))\n"
PLAIN = "print(' '.join(input().split()[::-1]))\n"
SAMPLES = (HOSTILE, BUGGY, FIVE_WORDS, PLAIN)
# Asked for a program that prints test inputs: one long line, one short.
GENERATOR = (
    "import json\nprint(json.dumps([' '.join('w%d' % i for i in range(9)) + '\\n', 'q\\n']))\n"
)


def scripted_model() -> ScriptedBackend:
    turn = itertools.count()

    def reply(messages: Sequence[Message], params: GenerationParams) -> str:
        text = messages[-1].content
        if "generators" in messages[0].content:
            return f"```python\n{GENERATOR}```"
        if "Both programs were executed" in text:
            return "Every word must be kept.\nAnswer: A"
        if "behave differently" in text:
            return '```json\n["a b c d e f\\n", "x  y\\n"]\n```'
        if "INPUTS" in text:
            return '```json\n["one two\\n", "1 2 3 4 5 6 7\\n", "z\\n", "</td><b>bold</b>\\n"]\n```'
        if "Your program failed" in text:
            return f"The line must be split into words first.\n```python\n{FIXED}```"
        code = SAMPLES[next(turn) % len(SAMPLES)]
        return f"Here is a program.\n```python\n{code}```"

    return ScriptedBackend(reply)


async def _solve(problem: Problem) -> Result:
    return await solve(
        problem,
        model=scripted_model(),
        sampling=TemperatureSampling(n=4),
        revision=SelfDebug(rounds=1),
        selection=SStarSelection(num_inputs=4),
        score_candidates=True,
    )


@pytest.fixture(scope="session")
def problem() -> Problem:
    return load_problem(EXAMPLES / "reverse-words.json")


@pytest.fixture(scope="session")
def result(problem: Problem) -> Result:
    return anyio.run(_solve, problem)
