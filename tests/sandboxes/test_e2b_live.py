"""E2BSandbox against the real E2B service; runs only when ``E2B_API_KEY`` is set.

E2B_API_KEY=e2b_... python -m pytest -m live tests/sandboxes/test_e2b_live.py
"""

from __future__ import annotations

import os

import pytest

from agentsstar.sandboxes import Limits, Program, Verdict
from agentsstar.sandboxes.e2b import E2BSandbox

pytestmark = [
    pytest.mark.live,
    pytest.mark.anyio,
    pytest.mark.timeout(600),
    pytest.mark.skipif(not os.environ.get("E2B_API_KEY"), reason="needs E2B_API_KEY"),
]


async def test_real_e2b_sandbox_runs_programs_with_local_verdicts() -> None:
    pytest.importorskip("e2b_code_interpreter")
    limits = Limits(time_s=1.0, memory_mb=128, output_bytes=10_000)
    add = Program(code="a, b = map(int, input().split())\nprint(a + b)\n", kind="stdin")
    double = Program(code="def f(x):\n    return [x, 2 * x]\n", kind="function", entry_point="f")
    loop = Program(code="while True:\n    pass\n", kind="stdin")
    async with E2BSandbox(max_sandboxes=1) as box:
        added = await box.run(add, ["1 2\n", "40 2\n"], limits)
        doubled = await box.run(double, [[3]], limits)
        [looped] = await box.run(loop, [""], limits)
        assert box.isolation is not None  # the runner said hello from inside E2B
    assert [(r.verdict, r.stdout) for r in added] == [(Verdict.OK, "3\n"), (Verdict.OK, "42\n")]
    assert [(r.verdict, r.value) for r in doubled] == [(Verdict.OK, "[3, 6]")]
    assert looped.verdict is Verdict.TIME_LIMIT
