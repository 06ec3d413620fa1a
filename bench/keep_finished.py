"""Copy the finished problems of a (multi-arm) run directory somewhere that outlives it.

    python bench/keep_finished.py RUN_DIR DEST

A long eval (the HumanEval table takes about ten hours on two cores) spans sittings and,
here, machines: the run directory lives outside the repository, and a replaced machine
takes it with it. This copies what ``--resume`` needs to skip the finished problems into
DEST (kept in the repository): ``arms.json``, each arm's ``config.json``, the whole lines
of its ``results.jsonl`` and the ``results/<id>.json`` each line points at. The model-call
cache is left out (finished problems do not need it; it is large).

A line counts only if it is whole and its record file is there (the store writes the
record first), so a copy taken while the run goes is a consistent, resumable run dir.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from agentsstar.evaluation.report import ARMS_FILE as ARMS
from agentsstar.evaluation.store import CONFIG, RESULTS, RunStore
from agentsstar.files import write_atomic


def keep_run(src: Path, dest: Path) -> int:
    """Copy one run dir's finished problems; the number of problems kept."""
    store = RunStore(src)
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "results").mkdir(exist_ok=True)
    shutil.copyfile(src / CONFIG, dest / CONFIG)
    lines = []
    text = store.results.read_text() if store.results.exists() else ""
    for line in text.splitlines(keepends=True):
        if not line.endswith("\n"):
            break  # torn last line: the problem is still in flight
        record = store.result_path(json.loads(line)["id"])
        if record.exists():
            shutil.copyfile(record, dest / "results" / record.name)
            lines.append(line)
    # Atomic, so a copy killed midway leaves the previous one whole (the lines are
    # copied raw, not re-serialised, so the copy reads exactly as the run does).
    write_atomic(dest / RESULTS, "".join(lines))
    return len(lines)


def main(src: Path, dest: Path) -> None:
    if (src / ARMS).exists():
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / ARMS, dest / ARMS)
        arms = json.loads((src / ARMS).read_text())["arms"]
        counts = {arm: keep_run(src / arm, dest / arm) for arm in arms}
    else:
        counts = {src.name: keep_run(src, dest)}
    print(" ".join(f"{arm} {n}" for arm, n in counts.items()))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: python bench/keep_finished.py RUN_DIR DEST")
    main(Path(sys.argv[1]), Path(sys.argv[2]))
