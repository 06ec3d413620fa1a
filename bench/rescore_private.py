"""Re-score finished eval runs' programs on the private tests with today's grader.

The strategies' choices do not depend on private scoring, so re-scoring the stored
programs gives exactly what a re-run with the same samples would report. Used once,
after the fix that gave the private check the same ``typing`` preamble as the public
tests (before it, HumanEval programs annotated ``List`` without importing it passed
their public tests and then failed the private check on ``NameError``).

    python bench/rescore_private.py RUN_DIR [RUN_DIR ...]

Rewrites ``results/<id>.json`` (``private``, ``candidates_private``) and
``results.jsonl`` (``passed``, ``candidates_passed``), each by an atomic replace,
and prints every verdict that changed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import anyio

from agentsstar.context import score_private
from agentsstar.evaluation.store import RunStore
from agentsstar.files import write_atomic
from agentsstar.problem import Problem, load_problems
from agentsstar.sandboxes import LocalSandbox


async def rescore(run_dir: Path, box: LocalSandbox) -> None:
    config = json.loads((run_dir / "config.json").read_text())
    problems: dict[str, Problem] = {p.id: p for p in load_problems(Path(config["bench"]))}
    store = RunStore(run_dir)
    lines = [json.loads(x) for x in (run_dir / "results.jsonl").read_text().splitlines() if x]
    for line in lines:
        if line.get("error"):
            continue
        path = store.result_path(line["id"])
        record: dict[str, Any] = json.loads(path.read_text())
        problem = problems[line["id"]]
        selected = record.get("selected")
        if selected and selected.get("code") is not None:
            score = await score_private(box, problem, selected["code"])
            record["private"] = score.model_dump(mode="json")
            if bool(score.accepted) != bool(line["passed"]):
                print(f"{run_dir.name} {line['id']}: passed {line['passed']} -> {score.accepted}")
            line["passed"] = score.accepted
        if record.get("candidates_private") is not None:
            flags = []
            for cand in record["candidates"]:
                code = cand["attempts"][-1]["code"]
                ok = code is not None and (await score_private(box, problem, code)).accepted
                flags.append(ok)
            record["candidates_private"] = flags
            line["candidates_passed"] = sum(flags)
        write_atomic(path, json.dumps(record, indent=2))
    write_atomic(
        run_dir / "results.jsonl",
        "".join(json.dumps(x, separators=(",", ":")) + "\n" for x in lines),
    )


async def main(dirs: list[str]) -> None:
    async with LocalSandbox() as box:
        for d in dirs:
            await rescore(Path(d), box)


if __name__ == "__main__":
    anyio.run(main, sys.argv[1:])
