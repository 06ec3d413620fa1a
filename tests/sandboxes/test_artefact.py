"""The runner shipped as one zipapp: how it is built and written, and what a
candidate forked from it can (not) reach of it."""

from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import stat
import sys
import zipfile
from pathlib import Path

import pytest

from agentsstar.errors import SandboxError
from agentsstar.sandboxes import Limits, LocalSandbox, Program, Verdict, _artefact
from agentsstar.sandboxes._artefact import (
    ARCHIVE_PACKAGE,
    ARTEFACT_PREFIX,
    RUNNER_PACKAGE,
    artefact_name,
    runner_archive,
    runner_artefact,
)

pytestmark = [pytest.mark.timeout(120)]

FAST = Limits(time_s=1.0, memory_mb=64, output_bytes=10_000)
MODULES = sorted(p.name for p in RUNNER_PACKAGE.glob("*.py"))


def test_archive_holds_the_package_and_an_entry_point_importing_all_of_it() -> None:
    with zipfile.ZipFile(io.BytesIO(runner_archive())) as zf:
        names = zf.namelist()
        main = zf.read("__main__.py").decode()
        assert all(
            zf.read(f"{ARCHIVE_PACKAGE}/{m}") == (RUNNER_PACKAGE / m).read_bytes() for m in MODULES
        )
    assert sorted(names) == sorted(["__main__.py", *(f"{ARCHIVE_PACKAGE}/{m}" for m in MODULES)])
    # Nothing but the package and __main__ at the top: a top-level module would be
    # importable by plain name (and shadow the stdlib) while the archive is on sys.path.
    assert {n.split("/")[0] for n in names} == {"__main__.py", ARCHIVE_PACKAGE}
    loaded = ast.literal_eval(
        main.split(f"{ARCHIVE_PACKAGE}.zipload.load(")[1].split(")")[0].strip()
    )
    assert sorted([*loaded, "zipload"]) == sorted(m[:-3] for m in MODULES if m != "__init__.py")
    assert main.rstrip().endswith(f"{ARCHIVE_PACKAGE}.main.main()")


def test_archive_is_deterministic() -> None:
    fresh = runner_archive.__wrapped__()
    assert fresh == runner_archive()
    with zipfile.ZipFile(io.BytesIO(fresh)) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_runner_modules_import_only_the_stdlib_and_each_other() -> None:
    # The runner must never import agentsstar (nor anything not shipped with it):
    # neither exists where the archive is uploaded. Relative imports stay inside.
    for m in MODULES:
        tree = ast.parse((RUNNER_PACKAGE / m).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                tops = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    assert node.level == 1, f"{m}: {ast.unparse(node)}"
                    continue
                tops = [(node.module or "").split(".")[0]]
            else:
                continue
            for top in tops:
                assert top in sys.stdlib_module_names or top == "__future__", f"{m} imports {top}"


@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A fresh process's view: its own cache home and temporary directory."""
    monkeypatch.setattr(_artefact, "_written", None)
    monkeypatch.setattr(_artefact, "_private_dir", None)
    monkeypatch.delenv("AGENTSSTAR_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    return tmp_path / "cache" / "agentsstar" / "runner"


def test_agentsstar_cache_dir_overrides_the_user_cache(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTSSTAR_CACHE_DIR", str(tmp_path / "mine"))
    assert runner_artefact().parent == tmp_path / "mine" / "runner"


def test_artefact_is_named_by_its_hash_in_the_private_cache(cache: Path) -> None:
    path = runner_artefact()
    data = runner_archive()
    assert path == cache / artefact_name(data)
    assert path.name == f"{ARTEFACT_PREFIX}{hashlib.sha256(data).hexdigest()[:16]}.pyz"
    assert path.read_bytes() == data
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert runner_artefact() == path
    assert [p.name for p in cache.iterdir()] == [path.name]  # no partial files left


def test_artefact_is_shared_not_rewritten(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = runner_artefact()
    inode = first.stat().st_ino
    monkeypatch.setattr(_artefact, "_written", None)  # as another process would
    assert runner_artefact() == first and first.stat().st_ino == inode


def test_artefact_is_written_again_if_altered_or_removed(cache: Path) -> None:
    path = runner_artefact()
    data = runner_archive()
    path.write_bytes(b"tampered")
    assert runner_artefact() == path and path.read_bytes() == data
    path.unlink()
    assert runner_artefact() == path and path.read_bytes() == data
    path.unlink()
    cache.rmdir()
    assert runner_artefact() == path and path.read_bytes() == data


@pytest.mark.parametrize("problem", ["not private", "not a directory"])
def test_unusable_cache_falls_back_to_a_private_temp_dir(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, problem: str
) -> None:
    if problem == "not private":
        cache.mkdir(parents=True)
        cache.chmod(0o775)
    else:
        (tmp_path / "file").write_text("")
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    path = runner_artefact()
    assert path.parent.parent == tmp_path / "tmp"
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.read_bytes() == runner_archive()
    assert not cache.exists() or list(cache.iterdir()) == []
    path.unlink()
    path.parent.rmdir()
    assert runner_artefact().read_bytes() == runner_archive()  # made again


@pytest.mark.anyio
async def test_nowhere_to_write_the_runner_is_a_sandbox_error(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "missing"))
    async with LocalSandbox(max_workers=1) as box:
        with pytest.raises(SandboxError, match="runner did not start"):
            await box.run(Program(code="print(1)\n", kind="stdin"), [""], FAST)


# What a candidate sees of the runner it was forked from.
VIEW = """\
import importlib.util, json, sys
def view():
    return {
        "builtins": type(__builtins__).__name__,
        "archives": [p for p in sys.path if p.endswith(".pyz")],
        "modules": sorted(m for m in sys.modules if m.startswith(("agentsstar", "runner"))),
        "findable": importlib.util.find_spec(%r) is not None,
        "finders": [type(f).__module__ for f in sys.meta_path if "runner" in type(f).__module__],
    }
"""


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["stdin", "function"])
async def test_candidate_cannot_reach_the_runners_modules(sandbox: LocalSandbox, kind: str) -> None:
    code = VIEW % ARCHIVE_PACKAGE
    if kind == "stdin":
        program = Program(code=code + "print(json.dumps(view()))\n", kind="stdin")
        [r] = await sandbox.run(program, [""], FAST)
        seen = json.loads(r.stdout)
    else:
        program = Program(code=code, kind="function", entry_point="view")
        [r] = await sandbox.run(program, [[]], FAST)
        seen = json.loads(r.value or "null")
    assert r.verdict is Verdict.OK, r
    # As for a script run by python: __builtins__ is the builtins module.
    assert seen == {
        "builtins": "module",
        "archives": [],
        "modules": [],
        "findable": False,
        "finders": [],
    }


@pytest.mark.anyio
async def test_runner_starts_from_a_directory_it_hides() -> None:
    # Every runner module is imported before the runner covers the archive's
    # directory; the candidate cannot see the archive.
    path = runner_artefact()
    code = f"import os\nprint(os.path.exists({str(path)!r}))\n"
    async with LocalSandbox(max_workers=1, hide=[str(path.parent)]) as box:
        results = await box.run(Program(code=code, kind="stdin"), ["", ""], FAST)
    assert [r.verdict for r in results] == [Verdict.OK] * 2, results
    if box.isolation is None or not box.isolation.get("mount_ns"):
        pytest.skip("no mount namespace here: nothing is hidden")
    assert [r.stdout for r in results] == ["False\n"] * 2
    assert os.path.exists(path)  # hidden from the runner only


def test_a_job_line_that_is_not_an_object_is_answered_with_an_error() -> None:
    # The harness never sends one; a runner must still answer, not die.
    import subprocess

    init = {"op": "init", "isolate": False, "hide": [], "tmpfs_mb": 16, "preload": []}
    lines = [json.dumps(init), "[1, 2]", '"run"', ""]
    proc = subprocess.run(
        [sys.executable, "-I", str(runner_artefact())],
        input="\n".join(lines),
        capture_output=True,
        text=True,
        timeout=60,
    )
    replies = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [r["op"] for r in replies] == ["hello", "error", "error"], proc.stderr
    assert "JSON object" in replies[1]["message"]
    assert proc.returncode == 0
