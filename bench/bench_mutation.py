"""How many mutants of the public inputs tell a pool's right and wrong programs apart,
on the selection benchmark's stdin pools. No model: mutation alone, executed.

    python bench/bench_mutation.py [--limit 24] [--baseline OLD_MUTATION_PY]

Per pool: the mutants that split the pair (both programs run, at least one without
failing, outputs different under the problem's checker) out of those made, as sstar
makes them (``mutated_inputs`` 24, seed 0). ``--baseline`` names another version of
``_mutation.py`` (for example ``git show REV:agentsstar/strategies/selection/_mutation.py
> /tmp/old_mutation.py``) to print beside the current one.
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio

from agentsstar.backends.scripted import ScriptedBackend
from agentsstar.context import Context
from agentsstar.model import Model
from agentsstar.problem import load_problem
from agentsstar.sandboxes import LocalSandbox
from agentsstar.strategies.selection import _mutation
from agentsstar.strategies.selection._inputs import result_key

HERE = Path(__file__).parent / "selection" / "problems"


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("baseline_mutation", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def main(limit: int, versions: list[tuple[str, Any]]) -> None:
    print("| pool | " + " | ".join(name for name, _ in versions) + " |")
    print("|---|" + "---|" * len(versions))
    totals = [0] * len(versions)
    # No model call is made; the context needs a model all the same.
    model = Model(ScriptedBackend(lambda messages, params: ""))
    async with LocalSandbox() as box:
        for path in sorted(HERE.glob("*.json")):
            problem = load_problem(path)
            stem = path.name.removesuffix(".json")
            right = (HERE / f"{stem}.right.py").read_text()
            wrong = (HERE / f"{stem}.wrong.py").read_text()
            ctx = Context(problem=problem.public(), model=model, sandbox=box, seed=0)
            cells = []
            for k, (_, module) in enumerate(versions):
                xs = module.mutants(problem, limit=limit, seed=0)
                ra, rb = await ctx.execute(right, xs), await ctx.execute(wrong, xs)
                split = sum(
                    (a.ok or b.ok) and result_key(a, problem.kind) != result_key(b, problem.kind)
                    for a, b in zip(ra, rb, strict=True)
                )
                totals[k] += split > 0
                cells.append(f"{split}/{len(xs)}")
            print(f"| {stem} | " + " | ".join(cells) + " |", flush=True)
    pools = len(list(HERE.glob("*.json")))
    print("| pools split | " + " | ".join(f"{t}/{pools}" for t in totals) + " |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=24)
    parser.add_argument("--baseline", type=Path, help="another _mutation.py to compare")
    args = parser.parse_args()
    versions: list[tuple[str, Any]] = []
    if args.baseline:
        versions.append(("baseline", load(args.baseline)))
    versions.append(("current", _mutation))
    anyio.run(main, args.limit, versions)
