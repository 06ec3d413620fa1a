"""Writing converted problems: validated, one ``<id>.json`` each, all or nothing.

An import either writes every problem it converted or none of them. Each problem is
validated with ``problem_from_dict`` and written into a hidden staging directory
inside OUT_DIR as it is converted (so memory stays flat on gigabyte sources); only
when the whole source has been converted without error are the staged files moved
into OUT_DIR, each by an atomic ``os.replace``. A bad record anywhere, or an
interrupt, removes the staging directory and leaves OUT_DIR as it was. A crash in
the final moves can leave a subset of the files, but never a half-written one.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import structlog

from agentsstar.errors import ConfigError
from agentsstar.files import safe_id
from agentsstar.problem import Problem, problem_from_dict

log = structlog.get_logger(__name__)

_TEST_FIELDS = ("public_tests", "private_tests")


def problem_json(problem: Problem) -> str:
    """The problem file text: one field per line and one test per line.

    Unset optional fields are left out, but only at the top level: a test's
    expected output may be ``null`` (a function that returns ``None``) and must stay.
    Tests are not spread over many lines because a problem can have thousands.
    """
    data = {k: v for k, v in problem.model_dump(mode="json").items() if v is not None}
    lines = []
    for key, value in data.items():
        if key in _TEST_FIELDS and value:
            tests = ",\n".join(f"    {_compact(t)}" for t in value)
            lines.append(f"  {_compact(key)}: [\n{tests}\n  ]")
        else:
            lines.append(f"  {_compact(key)}: {_compact(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class StagedWriter:
    """Collects validated problem files and moves them into ``out_dir`` on ``commit``.

    Use as a context manager; leaving it without ``commit`` (an error, an interrupt)
    discards everything staged. Without ``overwrite`` an ``out_dir`` that already
    holds ``*.json`` files is refused, so two imports never mix silently.
    """

    def __init__(self, out_dir: Path, *, overwrite: bool = False) -> None:
        self.out_dir = out_dir
        self.overwrite = overwrite
        self._stage: Path | None = None
        self._names: dict[str, str] = {}  # casefolded stem -> stem, across this import
        self.written: list[Path] = []

    def __enter__(self) -> StagedWriter:
        if self.out_dir.exists() and not self.out_dir.is_dir():
            raise ConfigError(f"{self.out_dir}: exists and is not a directory")
        if not self.overwrite and self.out_dir.is_dir() and any(self.out_dir.glob("*.json")):
            raise ConfigError(
                f"{self.out_dir}: already holds problem files; "
                "choose an empty directory or pass --overwrite"
            )
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            # Inside OUT_DIR so the final moves are renames on one file system.
            self._stage = Path(tempfile.mkdtemp(prefix=".import-", dir=self.out_dir))
        except OSError as exc:
            raise ConfigError(f"{self.out_dir}: cannot create: {exc.strerror}") from None
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._stage is not None:
            shutil.rmtree(self._stage, ignore_errors=True)
            self._stage = None

    def add(self, data: dict[str, Any], *, where: str) -> Problem:
        """Validate one converted problem and stage its file; returns the problem.

        The id is made file-safe and unique within this import (case-insensitively,
        for case-insensitive file systems): a clash gets ``-2``, ``-3``, ... appended.
        """
        if self._stage is None:
            raise RuntimeError("StagedWriter.add outside its with-block")
        stem = self._unique(safe_id(str(data.get("id", ""))))
        problem = problem_from_dict({**data, "id": stem}, source=where)
        try:
            (self._stage / f"{stem}.json").write_text(problem_json(problem), encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{self.out_dir}: cannot write {stem}.json: {exc.strerror}") from None
        return problem

    def _unique(self, stem: str) -> str:
        candidate, n = stem, 1
        while candidate.casefold() in self._names:
            n += 1
            candidate = f"{stem}-{n}"
        if n > 1:
            log.info("import.id_renamed", id=stem, renamed=candidate)
        self._names[candidate.casefold()] = candidate
        return candidate

    def commit(self) -> list[Path]:
        """Move every staged file into ``out_dir`` (atomic per file); returns their paths."""
        if self._stage is None:
            raise RuntimeError("StagedWriter.commit outside its with-block")
        for stem in self._names.values():
            target = self.out_dir / f"{stem}.json"
            try:
                os.replace(self._stage / f"{stem}.json", target)
            except OSError as exc:
                raise ConfigError(f"{target}: cannot write: {exc.strerror}") from None
            self.written.append(target)
        return self.written
