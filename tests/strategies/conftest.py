from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from agentsstar.sandboxes.local import LocalSandbox


@pytest.fixture
async def sandbox() -> AsyncIterator[LocalSandbox]:
    box = LocalSandbox()
    try:
        yield box
    finally:
        await box.aclose()
