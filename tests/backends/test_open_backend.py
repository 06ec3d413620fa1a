"""``open_backend`` spec strings, options and default concurrency."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentsstar.backends import default_concurrency, llama_cpp_installed, open_backend, parse_spec
from agentsstar.backends._batching import DEFAULT_PARALLEL
from agentsstar.backends.openai_compat import OpenAICompatBackend
from agentsstar.errors import ConfigError, UnknownNameError


def test_parse_spec_keeps_everything_after_the_first_colon() -> None:
    assert parse_spec("local") == ("local", "")
    assert parse_spec("openai:Qwen/Qwen2.5-Coder-7B-Instruct") == (
        "openai",
        "Qwen/Qwen2.5-Coder-7B-Instruct",
    )
    assert parse_spec("local:/models/a:b.gguf") == ("local", "/models/a:b.gguf")


def test_openai_spec_with_options() -> None:
    backend = open_backend(
        "openai:Qwen/Qwen2.5-Coder-7B-Instruct", base_url="http://127.0.0.1:8000/v1", api_key=None
    )
    assert isinstance(backend, OpenAICompatBackend)
    assert backend.name == "openai:Qwen/Qwen2.5-Coder-7B-Instruct"
    assert backend.base_url == "http://127.0.0.1:8000/v1"


@pytest.mark.parametrize("spec", ["vllm:x", "scripted", "gpt-4o", ":x"])
def test_unknown_kinds_list_the_valid_ones(spec: str) -> None:
    with pytest.raises(UnknownNameError, match=r"openai:MODEL, litellm:PROVIDER/MODEL"):
        open_backend(spec)


@pytest.mark.parametrize("spec", ["openai", "openai:", "litellm"])
def test_kinds_that_need_a_model_say_so(spec: str) -> None:
    with pytest.raises(ConfigError, match="needs a model"):
        open_backend(spec)


def test_option_for_another_kind_is_an_error() -> None:
    with pytest.raises(ConfigError, match="'n_ctx' does not apply to openai"):
        open_backend("openai:m", base_url="http://127.0.0.1:1/v1", n_ctx=2048)


def test_default_concurrency_per_kind() -> None:
    # The embedded model batches: as many requests as its engine decodes together.
    assert default_concurrency("local") == DEFAULT_PARALLEL
    assert default_concurrency("local:smollm2-135m") == DEFAULT_PARALLEL
    assert default_concurrency("openai:m") == 32
    assert default_concurrency("litellm:anthropic/claude-3-5-haiku-latest") == 8
    with pytest.raises(UnknownNameError):
        default_concurrency("nope:x")


@pytest.mark.skipif(not llama_cpp_installed(), reason="llama-cpp-python not installed")
def test_local_specs_open_cheaply(tmp_path: Path) -> None:
    gguf = tmp_path / "any.gguf"
    gguf.write_bytes(b"GGUF")  # never loaded: opening a backend loads nothing
    assert open_backend(f"local:{gguf}").name == "local:any"
    with pytest.raises(UnknownNameError, match="unknown local model"):
        open_backend("local:qwen-9000")


@pytest.mark.skipif(not llama_cpp_installed(), reason="llama-cpp-python not installed")
def test_local_cache_dir_option_accepts_a_string(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    fake = tmp_path / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
    with fake.open("wb") as f:  # the right size makes it a cache hit; never loaded here
        f.truncate(98_362_432)
    backend = open_backend("local:smollm2-135m", cache_dir=str(tmp_path / "models"))
    assert backend.name == "local:smollm2-135m"
    resolve = backend._source  # type: ignore[attr-defined]  # what load() will call
    assert resolve() == fake
