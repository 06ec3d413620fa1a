"""Third-party strategies arrive through the ``agentsstar.strategies`` entry points.

The example package in ``tests/fixtures/plugin_pkg`` is really installed (into a
temporary target directory, not the test environment) and used from a fresh process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).parent / "fixtures" / "plugin_pkg"


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    build = tmp_path_factory.mktemp("build")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(target), str(PKG)],
        check=True, capture_output=True, cwd=build, timeout=300,
    )  # fmt: skip
    return target


def python(code: str, path: Path | None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(path), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )


CODE = """
from agentsstar import registry
print(registry.names("selection"))
s = registry.make("selection", "shortest", {"passing_only": False})
print(type(s).__module__, s.passing_only)
try:
    registry.make("selection", "shortest", {"colour": 1})
except Exception as e:
    print(type(e).__name__, e)
"""


def test_plugin_strategy_is_found_built_and_validated(plugin_path: Path) -> None:
    out = python(CODE, plugin_path)
    assert out.returncode == 0, out.stderr
    names, built, error = out.stdout.splitlines()
    assert "'shortest'" in names and "'sstar'" in names
    assert built == "agentsstar_shortest False"
    assert error.startswith("ConfigError") and "no parameter 'colour'" in error


def test_without_the_package_the_name_is_unknown() -> None:
    out = python(CODE, None)
    assert out.returncode != 0
    assert "unknown selection strategy 'shortest'" in out.stderr
