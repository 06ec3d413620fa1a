"""Reading what ``view`` shows, read-only: a result file, a run directory's rows.

A run may still be in progress (or have been killed mid-line), so its
``results.jsonl`` is parsed here without ``RunStore.finished``, which repairs a torn
line by truncating the file: a viewer must never change the run it looks at.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import structlog
from pydantic import ValidationError

from agentsstar.errors import ConfigError, ProblemFileError
from agentsstar.evaluation.store import CONFIG, RESULTS, ProblemRecord
from agentsstar.problem import Problem, load_problems
from agentsstar.records import Result

log = structlog.get_logger(__name__)


def _read_json(path: Path, what: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not {what}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}: not {what}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


def load_result(path: Path) -> tuple[Result, dict[str, Any]]:
    """The result in ``path`` and its raw JSON (which may hold fields this version of
    agentsstar does not know; the page shows them generically)."""
    raw = _read_json(path, "an agentsstar result")
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: not an agentsstar result (expected a JSON object)")
    try:
        result = Result.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise ConfigError(
            f"{path}: not an agentsstar result ({loc}: {first['msg'].lower()})"
        ) from None
    return result, raw


def is_run_dir(path: Path) -> bool:
    return (path / CONFIG).is_file()


def is_arms_dir(path: Path) -> bool:
    """An eval of several arms: ``arms.json`` naming run directories inside it."""
    return not is_run_dir(path) and (path / "arms.json").is_file()


def load_config(run_dir: Path) -> dict[str, Any]:
    if not run_dir.is_dir():
        raise ConfigError(f"{run_dir}: no such directory")
    if not is_run_dir(run_dir):
        raise ConfigError(f"{run_dir}: not a run directory (no {CONFIG})")
    config = _read_json(run_dir / CONFIG, "a run's config")
    if not isinstance(config, dict):
        raise ConfigError(f"{run_dir / CONFIG}: not a run's config (expected a JSON object)")
    return config


def load_records(run_dir: Path) -> list[ProblemRecord]:
    """The finished problems, in the order they finished (the last line wins for an id)."""
    path = run_dir / RESULTS
    if not path.exists():
        raise ConfigError(f"{run_dir}: not a run directory (no {RESULTS})")
    records: dict[str, ProblemRecord] = {}
    for line in path.read_bytes().splitlines(keepends=True):
        if not line.endswith(b"\n"):
            break  # a line still being written, or torn by a kill: not finished
        try:
            rec = ProblemRecord.model_validate_json(line)
        except ValueError:
            break
        records[rec.id] = rec
    return list(records.values())


def load_bench(config: dict[str, Any]) -> dict[str, Problem]:
    """The run's problems by id, for their statements; empty when the benchmark the
    run was made from is no longer where it was (the pages then go without)."""
    bench = config.get("bench")
    if not isinstance(bench, str) or not Path(bench).exists():
        return {}
    try:
        return {p.id: p for p in load_problems(bench)}
    except ProblemFileError as exc:
        log.warning("benchmark unreadable; pages without statements", error=str(exc))
        return {}
