"""A Python mirror of the batching engine's KV cache: which cells each sequence holds.

llama.cpp's unified KV cache stores one cell per evaluated token; a cell may belong to
several sequences at once (a prompt evaluated for a group of sibling requests, or
copied with ``llama_memory_seq_cp``), and is freed when no sequence holds it any more.
llama.cpp does not report how many cells are in use, and the engine must know that
exactly to admit a request only when everything admitted can still finish. So every
KV operation the engine performs is mirrored here: ``append`` (a decoded token),
``copy`` (``seq_cp`` of a prefix) and ``truncate`` (``seq_rm`` of a tail).

Each sequence holds positions ``0..n-1`` (no holes), remembered as the cell id and
the token at each position; the tokens are what prefix matching compares.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import count


class CellLedger:
    """Cells held by each of ``n_seq`` sequences, with reference counts."""

    def __init__(self, n_seq: int) -> None:
        self._cells: list[list[int]] = [[] for _ in range(n_seq)]
        self._tokens: list[list[int]] = [[] for _ in range(n_seq)]
        self._refs: dict[int, int] = {}
        self._ids = count()

    @property
    def used(self) -> int:
        """Cells held by at least one sequence."""
        return len(self._refs)

    def tokens(self, seq: int) -> Sequence[int]:
        """The tokens whose cells ``seq`` holds, by position."""
        return self._tokens[seq]

    def length(self, seq: int) -> int:
        return len(self._cells[seq])

    def append(self, seqs: Iterable[int], token: int) -> None:
        """One decoded token: a new cell at the next position of every one of ``seqs``."""
        cell = next(self._ids)
        holders = 0
        for seq in seqs:
            self._cells[seq].append(cell)
            self._tokens[seq].append(token)
            holders += 1
        self._refs[cell] = holders

    def copy(self, src: int, dst: int, n: int) -> None:
        """``dst`` (empty) now also holds the first ``n`` cells of ``src``."""
        if self._cells[dst]:
            raise ValueError(f"sequence {dst} is not empty")
        for cell in self._cells[src][:n]:
            self._refs[cell] += 1
        self._cells[dst] = self._cells[src][:n]
        self._tokens[dst] = list(self._tokens[src][:n])

    def truncate(self, seq: int, n: int) -> None:
        """``seq`` keeps only its first ``n`` cells; cells nobody holds any more are freed."""
        for cell in self._cells[seq][n:]:
            self._refs[cell] -= 1
            if not self._refs[cell]:
                del self._refs[cell]
        del self._cells[seq][n:]
        del self._tokens[seq][n:]

    def freed_by(self, keep: Mapping[int, int]) -> int:
        """How many cells would be freed if each ``seq`` in ``keep`` kept only ``keep[seq]``."""
        dropped: Counter[int] = Counter()
        for seq, n in keep.items():
            dropped.update(self._cells[seq][n:])
        return sum(1 for cell, k in dropped.items() if k == self._refs[cell])


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the longest common prefix of two token lists."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i
