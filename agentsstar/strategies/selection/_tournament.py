"""A seeded knockout: C entrants are decided in C−1 matches and ⌈log2 C⌉ rounds,
with every match of a round played concurrently."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from agentsstar.concurrency import map_all

Match = Callable[[int, int, int], Awaitable[int]]  # (a, b, match number) -> winner


async def knockout(entrants: Sequence[int], match: Match, seed_key: Callable[[int], object]) -> int:
    """Play ``entrants`` (already in seed order, strongest first) down to one.

    Top seed meets bottom seed; with an odd count the middle seed gets a bye. After
    each round the survivors are re-seeded with ``seed_key``.
    """
    alive = list(entrants)
    if not alive:
        raise ValueError("knockout needs at least one entrant")
    number = 0
    while len(alive) > 1:
        pairs = [(alive[i], alive[-1 - i]) for i in range(len(alive) // 2)]
        bye = [alive[len(alive) // 2]] if len(alive) % 2 else []
        numbered = [(a, b, number + k) for k, (a, b) in enumerate(pairs)]
        winners = await map_all(lambda m: match(*m), numbered)
        number += len(pairs)
        alive = sorted(winners + bye, key=seed_key)  # type: ignore[arg-type]
    return alive[0]
