"""Test inputs from a generator program the model writes, run in the sandbox.

A small model that cannot write a large or tricky input by hand can often write a
few lines of Python that build one (``random`` with a fixed seed, a loop up to the
statement's bound). The program runs in the sandbox under the usual limits, like any
model-written code; what it prints, a JSON list of inputs, goes through the same
cleaning as inputs the model writes directly. A generator that loops, crashes or
prints nonsense is contained and recorded, and yields nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agentsstar.backends.base import Message
from agentsstar.context import Context
from agentsstar.errors import SandboxError
from agentsstar.extract import extract_code
from agentsstar.grading import FUNCTION_PREAMBLE
from agentsstar.problem import Problem
from agentsstar.sandboxes.base import Limits, Program, Verdict

# A generator gets more room than a candidate: building a large input takes longer.
GENERATOR_LIMITS = Limits(time_s=10.0, memory_mb=512, output_bytes=4 << 20)
MAX_OUTPUT_CHARS = 4_000_000

Clean = Callable[[Sequence[Any]], list[Any]]


@dataclass
class GeneratorOutcome:
    """What one generator call produced, and why nothing if it produced nothing."""

    inputs: list[Any] = field(default_factory=list)
    program: str | None = None
    error: str | None = None  # no program, crashed, timed out, printed no JSON list...
    printed: int = 0  # inputs it printed, before cleaning


def generator_messages(problem: Problem, count: int) -> list[Message]:
    """Ask for a program that prints test inputs, with examples from the problem."""
    examples = [t.input for t in problem.public_tests[:2]]
    if problem.kind == "stdin":
        shape = (
            "each input is one string: the complete standard input of one run "
            "(lines separated by \\n)"
        )
    else:
        shape = (
            f"each input is a JSON list of the arguments of `{problem.entry_point}` "
            "(one list element per argument)"
        )
    signature = (
        f"\n\nStarter code:\n```python\n{problem.starter_code}\n```"
        if (problem.starter_code)
        else ""
    )
    example_text = "\n".join(json.dumps(x) for x in examples) or "(none given)"
    user = (
        f"Problem:\n{problem.prompt}{signature}\n\n"
        f"Inputs of the problem's own examples ({shape}):\n{example_text}\n\n"
        f"Write a short Python program that builds {count} NEW test inputs of exactly "
        "that shape and prints them as one JSON list with `print(json.dumps(inputs))`. "
        "Include edge cases (smallest, empty where allowed, equal values, negative "
        "numbers where allowed) and a few larger random ones within the limits the "
        "problem states (use `random.seed(0)`). Print nothing else. Do not solve the "
        "problem and do not print expected outputs."
    )
    return [
        Message("system", "You write small, correct Python test-input generators."),
        Message("user", user),
    ]


async def generated_inputs(
    ctx: Context,
    count: int,
    clean: Clean,
    *,
    seed_offset: int = 0,
    limits: Limits = GENERATOR_LIMITS,
) -> GeneratorOutcome:
    """Ask for a generator, run it in the sandbox, clean what it prints."""
    reply = await ctx.chat(
        "selection",
        generator_messages(ctx.problem, count),
        seed=ctx.seed + 70_000 + seed_offset,
    )
    program = extract_code(reply.text)
    if program is None:
        return GeneratorOutcome(error="the reply held no program")
    outcome = GeneratorOutcome(program=program)
    # Generators copy the starter code's annotations (``List[int]``) as candidates do,
    # and without the candidates' typing preamble they died on NameError (seen on
    # HumanEval/1 in the full table).
    code = FUNCTION_PREAMBLE + program
    [result] = await ctx.sandbox.run(Program(code=code, kind="stdin"), [""], limits)
    if result.verdict is Verdict.SANDBOX_ERROR:
        raise SandboxError(f"sandbox failed while running an input generator: {result.error}")
    if result.verdict is not Verdict.OK:
        reason = _tail(result.error or result.stderr)
        outcome.error = f"the generator ended in {result.verdict.value}: {reason}"
        return outcome
    printed = _json_list(result.stdout)
    if printed is None:
        outcome.error = f"the generator printed no JSON list: {_tail(result.stdout)}"
        return outcome
    outcome.printed = len(printed)
    outcome.inputs = clean(printed)[:count]
    if not outcome.inputs:
        outcome.error = f"none of the {len(printed)} printed inputs fits the problem"
    return outcome


def _json_list(stdout: str) -> list[Any] | None:
    text = stdout.strip()[:MAX_OUTPUT_CHARS]
    # The list is usually the whole output; tolerate a stray line before it.
    for start in (0, text.find("[")):
        if start < 0:
            continue
        try:
            value = json.loads(text[start:])
        except ValueError:
            continue
        if isinstance(value, list):
            return value
    return None


def _tail(text: str | None, n: int = 200) -> str:
    text = (text or "").strip()
    return text if len(text) <= n else "…" + text[-n:]
