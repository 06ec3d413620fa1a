"""Writing files so that a crash never leaves half of one, and naming them safely."""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

# A run of unsafe characters, with any dots next to it ("76_B. Mice" -> "76_B-Mice").
_UNSAFE = re.compile(r"\.*[^A-Za-z0-9._-]+\.*")
_MAX_ID = 100


CACHE_ENV = "AGENTSSTAR_CACHE_DIR"


def cache_root() -> Path:
    """agentsstar's cache directory: ``$AGENTSSTAR_CACHE_DIR``, else the platform's user
    cache (``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux) plus ``agentsstar``. Model
    files go in ``models/``, the sandbox runner in ``runner/``."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "agentsstar"


def safe_id(raw: str) -> str:
    """``raw`` made into a portable file stem: ``HumanEval/0`` -> ``HumanEval-0``.

    Keeps letters, digits, ``.``, ``_`` and ``-``; anything else becomes ``-``.
    Leading dots are dropped so no problem becomes a hidden file. Problem files and
    a run's per-problem results are both named with it.
    """
    cleaned = _UNSAFE.sub("-", raw).strip("-.")[:_MAX_ID].rstrip("-.")
    return cleaned or "problem"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` so that ``path`` is either the old file or the whole new one,
    also after a power cut (the data is fsynced before the rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
