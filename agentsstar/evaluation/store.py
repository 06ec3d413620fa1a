"""The run directory: ``config.json``, ``results.jsonl`` and ``results/<id>.json``.

``results.jsonl`` is the commit log of a run: a problem counts as finished only once
its line is there. The full record is written (atomically) *before* the line is
appended, and each line is appended whole and fsynced, so a run killed at any moment,
``kill -9`` included, loses only the problems in flight and never records half of one.
A torn last line (the process died mid-write) is ignored and cut off on resume.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any

import anyio
from pydantic import BaseModel, Field

from agentsstar.errors import ConfigError
from agentsstar.files import safe_id, write_atomic
from agentsstar.records import Usage

RESULTS = "results.jsonl"
CONFIG = "config.json"

# Kinds of ``error_kind`` that mean the problem was not judged: counted apart, and run
# again by ``eval --resume --retry-errors``. ("unscored", no private tests, is not one.)
ERROR_KINDS = frozenset({"infrastructure", "timeout", "config", "internal"})


class ProblemRecord(BaseModel):
    """One line of ``results.jsonl``."""

    id: str
    passed: bool | None  # None: ended in an error, or nothing to score against
    error: str | None = None
    error_kind: str | None = None  # one of ERROR_KINDS, or "unscored"
    usage: Usage = Field(default_factory=Usage)
    seconds: float = 0.0
    difficulty: str | None = None
    selected: int | None = None
    candidates: int = 0
    candidates_passed: int | None = None  # for oracle pass@N, when scored
    host: str | None = None  # where it ran (set by distributed evals)
    pid: int | None = None


def _legacy_name(problem_id: str) -> str:
    # How runs made before agentsstar 0.2 named their per-problem files.
    return re.sub(r"[^A-Za-z0-9._-]+", "_", problem_id)[:120] or "problem"


class RunStore:
    """One run directory. ``save`` is the only way a problem becomes finished."""

    def __init__(self, run_dir: Path) -> None:
        self.dir = run_dir
        self.results = run_dir / RESULTS
        self._append_lock = anyio.Lock()

    def result_path(self, problem_id: str) -> Path:
        """Where the full record of ``problem_id`` is (or will be) kept."""
        path = self.dir / "results" / f"{safe_id(problem_id)}.json"
        legacy = self.dir / "results" / f"{_legacy_name(problem_id)}.json"
        return legacy if not path.exists() and legacy.exists() else path

    def create(self, config: dict[str, Any]) -> None:
        if (self.dir / CONFIG).exists():
            raise ConfigError(
                f"{self.dir}: already holds a run; use --resume {self.dir} to continue it"
            )
        (self.dir / "results").mkdir(parents=True, exist_ok=True)
        write_atomic(self.dir / CONFIG, json.dumps({**config, "created": time.time()}, indent=2))
        self.results.touch()

    def load_config(self) -> dict[str, Any]:
        path = self.dir / CONFIG
        try:
            data: dict[str, Any] = json.loads(path.read_text())
        except FileNotFoundError:
            raise ConfigError(f"{self.dir}: not a run directory (no {CONFIG})") from None
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: invalid JSON: {exc.msg}") from None
        return data

    def finished(self) -> dict[str, ProblemRecord]:
        """Records of finished problems; a torn trailing line is truncated away."""
        if not self.results.exists():
            return {}
        raw = self.results.read_bytes()
        done: dict[str, ProblemRecord] = {}
        good_end = 0
        for line in raw.splitlines(keepends=True):
            if not line.endswith(b"\n"):
                break  # torn write from a killed process
            try:
                rec = ProblemRecord.model_validate_json(line)
            except ValueError:
                break
            done[rec.id] = rec
            good_end += len(line)
        if good_end != len(raw):
            with self.results.open("r+b") as f:
                f.truncate(good_end)
        return done

    def forget_errors(self, ids: Collection[str]) -> list[ProblemRecord]:
        """Make those of ``ids`` that ended in an error unfinished again, so a resume
        runs them anew; return their records. One atomic rewrite of ``results.jsonl``:
        a kill leaves either the old file or the new one."""
        finished = self.finished()
        errors = [r for r in finished.values() if r.error_kind in ERROR_KINDS and r.id in ids]
        if errors:
            dropped = {r.id for r in errors}
            kept = [r for r in finished.values() if r.id not in dropped]
            write_atomic(self.results, "".join(r.model_dump_json() + "\n" for r in kept))
        return errors

    def update_config(self, changes: dict[str, Any]) -> None:
        """Merge ``changes`` into ``config.json`` (atomically)."""
        config = {**self.load_config(), **changes}
        write_atomic(self.dir / CONFIG, json.dumps(config, indent=2))

    async def save_async(self, record: ProblemRecord, full: BaseModel | None) -> None:
        """``save`` from the event loop: the fsyncs run in a worker thread, and one
        problem's line is appended at a time."""
        async with self._append_lock:
            await anyio.to_thread.run_sync(self.save, record, full)

    def save(self, record: ProblemRecord, full: BaseModel | None) -> None:
        """Make ``record`` finished: its full result first, then its line."""
        if full is not None:
            write_atomic(self.result_path(record.id), full.model_dump_json(indent=2))
        line = record.model_dump_json() + "\n"
        # One write of the whole line, then fsync: the line is either all there or torn
        # (and a torn line is discarded on resume).
        fd = os.open(self.results, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
