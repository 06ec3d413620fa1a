"""A scripted 'model' for strategy tests: candidates are chosen by seed, and the
selection-stage prompts are answered by simple rules, so each test states exactly
what the model would say."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agentsstar.backends.base import GenerationParams, Message
from agentsstar.backends.scripted import ScriptedBackend
from agentsstar.problem import Problem, TestCase

# What only the prediction prompt says (its input comes last, as the latest turn).
PREDICTING = "answer with that output only"
# What only the request for a reference program says.
REFERENCE = "the simplest program that is correct on small inputs"


def fence(code: str) -> str:
    return f"Here is my solution.\n```python\n{code}```\n"


@dataclass
class World:
    samples: list[str]  # code of sample i (chosen by seed % len)
    inputs: list[Any] = field(default_factory=list)  # reply to input generation
    inputs_again: list[Any] | None = None  # reply when asked again (None: ``inputs``)
    asked_again: list[GenerationParams] = field(default_factory=list)
    distinguishing: list[Any] = field(default_factory=list)
    judge: Callable[[str, str], str] = lambda a, b: "A"  # (code A, code B) -> "A"/"B"
    # The reply to "what is the expected output of this call", by the call's text
    # (e.g. "count_distinct([1, 1])"); the default states no output at all.
    predict: Callable[[str], str] = lambda call: "I am not sure."
    predict_calls: list[str] = field(default_factory=list)
    # Reference programs, by seed; none by default (the reply holds no program).
    references: list[str] = field(default_factory=list)
    reference_calls: int = 0
    fixes: dict[str, str] = field(default_factory=dict)  # buggy code -> fixed code
    codet_tests: list[dict[str, Any]] = field(default_factory=list)
    codet_reply: str | None = None  # the reply as written; else codet_tests as JSON
    prompts: list[str] = field(default_factory=list)
    judge_calls: list[tuple[str, str]] = field(default_factory=list)

    def backend(self) -> ScriptedBackend:
        return ScriptedBackend(self.reply)

    def reply(self, messages: Sequence[Message], params: GenerationParams) -> str:
        text = messages[-1].content
        self.prompts.append("\n".join(m.content for m in messages))
        if "Both programs were executed" in text or "Which program solves" in text:
            a, b = _programs(text)
            self.judge_calls.append((a, b))
            return f"Reasoning...\nAnswer: {self.judge(a, b)}"
        if REFERENCE in text:
            self.reference_calls += 1
            if not self.references:
                return "I would rather not write one."
            return fence(self.references[(params.seed or 0) % len(self.references)])
        if PREDICTING in messages[0].content:
            call = text.split("```python\n", 1)[1].split("\n```", 1)[0]
            self.predict_calls.append(call)
            return self.predict(call)
        if "would produce different outputs" in text:
            return "```json\n" + json.dumps(self.distinguishing) + "\n```"
        if "new test INPUTS" in text and params.frequency_penalty:  # asked again
            self.asked_again.append(params)
            again = self.inputs if self.inputs_again is None else self.inputs_again
            return "```json\n" + json.dumps(again) + "\n```"
        if "new test INPUTS" in text:
            return "```json\n" + json.dumps(self.inputs) + "\n```"
        if "test cases with their expected" in text:
            if self.codet_reply is not None:
                return self.codet_reply
            return "```json\n" + json.dumps(self.codet_tests) + "\n```"
        if "failed" in text and "public tests" in text:
            previous = _last_code(messages)
            return fence(self.fixes.get(previous, previous))
        seed = params.seed or 0
        return fence(self.samples[seed % len(self.samples)])


def _programs(text: str) -> tuple[str, str]:
    a = text.split("Program A:\n```python\n", 1)[1].split("```", 1)[0]
    b = text.split("Program B:\n```python\n", 1)[1].split("```", 1)[0]
    return a, b


def _last_code(messages: Sequence[Message]) -> str:
    for m in reversed(messages):
        if m.role == "assistant":
            return m.content.split("```python\n", 1)[1].split("```", 1)[0]
    raise AssertionError("no assistant message")


def distinct_problem(**extra: Any) -> Problem:
    """Count distinct values. The public test has no duplicates, so `len(xs)` passes it."""
    data: dict[str, Any] = {
        "id": "distinct",
        "prompt": "Return how many distinct integers the list xs holds.",
        "kind": "function",
        "entry_point": "count_distinct",
        "starter_code": "def count_distinct(xs: list[int]) -> int:\n",
        "public_tests": [TestCase(input=[[1, 2, 3]], output=3)],
        "private_tests": [
            TestCase(input=[[1, 1, 2]], output=2),
            TestCase(input=[[]], output=0),
            TestCase(input=[[5, 5, 5, 5]], output=1),
        ],
    }
    data.update(extra)
    return Problem(**data)


CORRECT = "def count_distinct(xs):\n    return len(set(xs))\n"
WRONG_LEN = "def count_distinct(xs):\n    return len(xs)\n"
WRONG_LEN_2 = "def count_distinct(xs):\n    n = 0\n    for _ in xs:\n        n += 1\n    return n\n"
WRONG_LEN_3 = "def count_distinct(xs):\n    return sum(1 for _ in xs)\n"
CRASHES = "def count_distinct(xs):\n    return len(xs) // (len(xs) - len(xs))\n"
# Two more ways to be wrong, each on its own kind of input, so that with the inputs
# [1, 1], [] and [1, 2, 2] CORRECT, WRONG_LEN, WRONG_TWOS and WRONG_EMPTY are four
# clusters: (1, 0, 2), (2, 0, 3), (1, 0, 3) and (1, 1, 2).
WRONG_TWOS = "def count_distinct(xs):\n    return len(set(xs)) + (1 if xs.count(2) == 2 else 0)\n"
WRONG_EMPTY = "def count_distinct(xs):\n    return len(set(xs)) if xs else 1\n"
SPLITTING_INPUTS = [[[1, 1]], [[]], [[1, 2, 2]]]


def prefer_set(a: str, b: str) -> str:
    """A judge that recognises the right program."""
    return "A" if "set(" in a else "B"


def ranking(*best_first: str) -> Callable[[str, str], str]:
    """A decisive judge: of two programs it picks the one earlier in ``best_first``,
    in whichever order they are shown, so both orders of a match agree."""

    def judge(a: str, b: str) -> str:
        return "A" if best_first.index(a) < best_first.index(b) else "B"

    return judge


def first_shown(a: str, b: str) -> str:
    """Pure position bias: always the program shown first."""
    return "A"


def second_shown(a: str, b: str) -> str:
    """Pure position bias the other way."""
    return "B"
