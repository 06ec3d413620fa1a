"""Importing the runner's modules from its zipapp, each compiled once.

zipimport (CPython 3.11 at least) compiles a module's source twice: once to import
it, and once before that only to learn its file name (``get_filename``). For the
runner's modules that cost ~10 ms at every runner start (a plain script is compiled
once). The artefact's ``__main__`` imports this module the usual way, then the
others through ``load``, whose finder reads each source from the archive and
compiles it once; the finder is gone again before ``main`` runs.
"""

from __future__ import annotations

import importlib
import sys
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from importlib.abc import Loader

_PACKAGE = __name__.rpartition(".")[0]


class _Finder:
    """Finds and loads this package's modules in the archive this module came from."""

    def __init__(self, archive_loader: Any) -> None:
        self.zip = archive_loader  # the zipimporter that loaded this module
        self.root = f"{archive_loader.archive}/{_PACKAGE}"
        self.sources: dict[str, bytes] = {}

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> ModuleSpec | None:
        if not fullname.startswith(_PACKAGE + ".") or "." in fullname[len(_PACKAGE) + 1 :]:
            return None
        origin = f"{self.root}/{fullname.rpartition('.')[2]}.py"
        try:
            self.sources[fullname] = self.zip.get_data(origin)
        except OSError:
            return None  # not ours: the usual finders say so
        spec = ModuleSpec(fullname, cast("Loader", self), origin=origin)
        spec.has_location = True  # so __file__ is set, as zipimport sets it
        return spec

    def create_module(self, spec: ModuleSpec) -> None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        spec = module.__spec__
        assert spec is not None and spec.origin is not None
        code = compile(self.sources.pop(spec.name), spec.origin, "exec", dont_inherit=True)
        exec(code, module.__dict__)

    def get_source(self, fullname: str) -> str:
        """For tracebacks of the runner's own bugs (``linecache``)."""
        data: bytes = self.zip.get_data(f"{self.root}/{fullname.rpartition('.')[2]}.py")
        return data.decode("utf-8")


def load(modules: list[str]) -> None:
    """Import the named modules of this package, each compiled once."""
    finder = _Finder(sys.modules[__name__].__loader__)
    sys.meta_path.insert(0, finder)
    try:
        for name in modules:
            importlib.import_module(f"{_PACKAGE}.{name}")
    finally:
        sys.meta_path.remove(finder)
