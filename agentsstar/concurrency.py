"""The one way agentsstar runs things side by side and collects their results.

Every stage fans out (N samples, N revision chains, every candidate on every input,
every judged pair): ``map_all`` runs one call per item in an anyio task group and
returns the results in the items' order. A failure cancels the siblings and
propagates (as anyio's exception group, which the pipeline unwraps at its edge).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

import anyio

T = TypeVar("T")
R = TypeVar("R")


async def map_all(fn: Callable[[T], Awaitable[R]], items: Iterable[T]) -> list[R]:
    """``[await fn(x) for x in items]``, but all at once; results in the items' order."""
    todo = list(items)
    results: list[R | None] = [None] * len(todo)

    async def one(i: int, item: T) -> None:
        results[i] = await fn(item)

    async with anyio.create_task_group() as tg:
        for i, item in enumerate(todo):
            tg.start_soon(one, i, item)
    return results  # type: ignore[return-value]  # every slot was filled
