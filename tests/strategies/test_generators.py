"""Generator programs as an input source: run in the sandbox, contained, recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from agentsstar.backends.scripted import ScriptedBackend
from agentsstar.context import Context
from agentsstar.model import Model
from agentsstar.problem import load_problem
from agentsstar.sandboxes import LocalSandbox
from agentsstar.sandboxes.base import Limits
from agentsstar.strategies.selection._generators import generated_inputs

pytestmark = pytest.mark.anyio

PROBLEM = load_problem(Path(__file__).parent.parent.parent / "examples" / "count-primes.json")


@pytest.fixture
async def box() -> AsyncIterator[LocalSandbox]:
    async with LocalSandbox() as sandbox:
        yield sandbox


def ctx_for(box: LocalSandbox, program: str) -> tuple[Context, ScriptedBackend]:
    backend = ScriptedBackend(lambda m, p: f"Here it is:\n```python\n{program}\n```")
    return Context(problem=PROBLEM.public(), model=Model(backend), sandbox=box), backend


def strings_only(raw: Sequence[Any]) -> list[Any]:
    return [x for x in raw if isinstance(x, str) and x.strip()]


async def test_what_the_generator_prints_becomes_inputs(box: LocalSandbox) -> None:
    program = (
        "import json, random\nrandom.seed(0)\n"
        "inputs = ['1\\n1\\n', '2\\n2\\n3\\n'] + "
        "['1\\n%d\\n' % random.randint(10**5, 10**6) for _ in range(3)] + [42]\n"
        "print(json.dumps(inputs))\n"
    )
    ctx, backend = ctx_for(box, program)
    out = await generated_inputs(ctx, 10, strings_only)
    assert out.error is None
    assert out.printed == 6  # the stray 42 was printed, then cleaned away
    assert out.inputs[:2] == ["1\n1\n", "2\n2\n3\n"] and len(out.inputs) == 5
    prompt = backend.calls[0][0][-1].content
    assert '"3\\n10\\n1\\n2\\n"' in prompt  # the problem's own inputs as the example


async def test_a_generator_may_use_typing_names_as_candidates_do(box: LocalSandbox) -> None:
    # The 0.5B model copies the starter code's annotations into its generator.
    program = (
        "import json\ndef make(n: int) -> List[str]:\n"
        "    return ['1\\n%d\\n' % i for i in range(2, 2 + n)]\n"
        "print(json.dumps(make(3)))\n"
    )
    ctx, _ = ctx_for(box, program)
    out = await generated_inputs(ctx, 5, strings_only)
    assert out.error is None
    assert out.inputs == ["1\n2\n", "1\n3\n", "1\n4\n"]
    assert out.program == program  # recorded as the model wrote it


@pytest.mark.parametrize(
    ("program", "reason"),
    [
        ("while True:\n    pass\n", "the generator ended in time_limit"),
        ("raise ValueError('no idea')\n", "the generator ended in runtime_error: "),
        ("print('here are some inputs: 1 2 3')\n", "the generator printed no JSON list"),
        ("import json\nprint(json.dumps([1, 2]))\n", "none of the 2 printed inputs fits"),
    ],
)
async def test_a_bad_generator_is_contained_and_recorded(
    box: LocalSandbox, program: str, reason: str
) -> None:
    ctx, _ = ctx_for(box, program)
    out = await generated_inputs(ctx, 5, strings_only, limits=Limits(time_s=1.0))
    assert out.inputs == []
    assert out.error is not None and out.error.startswith(reason), out.error
    assert out.program is not None


async def test_a_reply_without_a_program(box: LocalSandbox) -> None:
    backend = ScriptedBackend(lambda m, p: "I cannot write that.")
    ctx = Context(problem=PROBLEM.public(), model=Model(backend), sandbox=box)
    out = await generated_inputs(ctx, 5, strings_only)
    assert (out.inputs, out.error, out.program) == ([], "the reply held no program", None)
