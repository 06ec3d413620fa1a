"""Continuous batching: concurrent requests to the embedded model answered in one batch.

On a CPU, one decode step costs about the same for one sequence as for a few: it is
bound by reading the weights. So the engine keeps several requests in one llama.cpp
context (one *slot*, i.e. sequence id, each) and decodes one token of every one of
them per ``llama_decode`` call. Requests join and leave between steps.

- **Prompts are evaluated once.** Requests with the same prompt that arrive while it
  is being evaluated form a *group*: each prompt token goes into the batch once,
  tagged with every member's sequence id, and the members then sample their first
  tokens from the same logits. A request whose prompt starts like the tokens another
  slot holds (a sibling already generating, a finished reply a revision quotes) takes
  those cells with ``llama_memory_seq_cp`` and evaluates only the rest.
- **Finished slots are a cache.** A reply's cells stay until the slot or the space is
  needed (least recently used first), so the next request can start from them.
- **Admission never overcommits.** A request is admitted when a slot is free and the
  cells it may still need (its unshared prompt tokens plus ``max_tokens``) fit beside
  what the admitted requests may still need; otherwise it waits, first come first
  served. ``CellLedger`` mirrors the KV cache so the count is exact.
- **Each request samples alone**: its own sampler chain, seed, temperature and
  frequency penalty, its own stop strings and ``max_tokens``; cancelling it frees its
  slot at the next step.

All llama.cpp calls happen in the engine's one thread. Other threads only hand over
``Request`` objects (``submit``), flag them (``Request.cancel``) and wait on their
``done`` event.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog

from agentsstar.backends._batching_kv import CellLedger, common_prefix
from agentsstar.backends._batching_llama import DecodeError, Entry, NativeModel
from agentsstar.backends._batching_seq import Reply, Request
from agentsstar.errors import ModelError

log = structlog.get_logger(__name__)

# Requests decoded together by default (the benchmark in docs/benchmarks.md chose it).
DEFAULT_PARALLEL = 8
# When a request wakes an idle engine, how long to wait for its siblings (which the
# caller usually sends in the same instant) so they start as one group: the prompt is
# then evaluated once for all of them, and the batch is the same from run to run.
GATHER_S = 0.01
# Cells finished replies may keep as a prefix cache. With one unified KV cache every
# decoded token attends over all cells in use (other sequences' masked out), so a big
# cache would slow every step for a hit that only some requests get.
CACHE_CELLS = 1024


@dataclass
class EngineStats:
    """Running totals, for tests and benchmarks (updated by the engine thread)."""

    steps: int = 0
    prompt_evaluated: int = 0  # prompt tokens run through the model
    prompt_reused: int = 0  # prompt tokens taken from cells already in the cache
    generated: int = 0  # tokens sampled
    most_active: int = 0  # most requests being answered at once
    most_cells: int = 0  # most KV cells in use at once


class _Group:
    """Admitted requests with one prompt, evaluated together; ``done`` tokens so far."""

    def __init__(self, prompt: list[int], done: int) -> None:
        self.prompt = prompt
        self.done = done
        self.members: list[_Active] = []


@dataclass(eq=False)
class _Active:
    reply: Reply
    slot: int
    sampler: Any
    group: _Group | None = None
    pending: int | None = None  # sampled, to be decoded at the next step


class BatchEngine:
    """The engine thread and its state. ``open_model`` runs in that thread at start."""

    def __init__(
        self, open_model: Callable[[], NativeModel], *, name: str, n_ctx: int, n_seq: int
    ) -> None:
        self.name = name
        self.n_ctx = n_ctx
        self.n_seq = n_seq
        self.ready = threading.Event()
        self.load_error: BaseException | None = None
        self.stats = EngineStats()
        self._open_model = open_model
        self._cond = threading.Condition()
        self._inbox: deque[Request] = deque()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name=f"batch {name}", daemon=True)
        # Engine-thread state.
        self._model: NativeModel | None = None
        self._waiting: deque[Reply] = deque()
        self._active: list[_Active] = []
        self._groups: list[_Group] = []
        self._owner: list[_Active | None] = [None] * n_seq
        self._last_use = [0] * n_seq
        self._ledger = CellLedger(n_seq)
        self._clock = 0

    # -- any thread ------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def submit(self, request: Request) -> None:
        with self._cond:
            if self._closing:
                request.fail(self.load_error or ModelError(f"{self.name}: the model is closed"))
                return
            self._inbox.append(request)
            self._cond.notify()

    def close(self) -> None:
        """Stop the thread (outstanding requests fail) and free the model; blocks."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join()

    # -- the engine thread -----------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._model = self._open_model()
        except BaseException as exc:
            self.load_error = exc
            self._fail_inbox(exc)
            self.ready.set()
            return
        self.ready.set()
        log.info("local model ready", model=self.name, kv_cells=self._model.kv_size)
        try:
            while self._intake():
                self._drop_cancelled()
                self._admit()
                if self._active:
                    try:
                        self._step()
                    except DecodeError as exc:
                        self._abort_active(ModelError(f"{self.name}: {exc}"))
        except Exception:
            log.exception("batching engine failed", model=self.name)
        finally:
            self._shutdown()

    def _intake(self) -> bool:
        """Take new requests (sleeping while there is nothing to do); False on close."""
        with self._cond:
            idle = not (self._active or self._waiting)
            while not (self._inbox or self._closing or self._active or self._waiting):
                self._cond.wait()
            if idle and not self._closing:
                self._gather()
            if self._closing:
                return False
            new = list(self._inbox)
            self._inbox.clear()
        for request in new:
            self._accept(request)
        return True

    def _gather(self) -> None:
        # Caller holds self._cond. Wait while siblings keep arriving, up to GATHER_S.
        deadline = time.monotonic() + GATHER_S
        seen = len(self._inbox)
        while not self._closing:
            left = deadline - time.monotonic()
            if left <= 0 or (not self._cond.wait(min(left, 0.002)) and len(self._inbox) == seen):
                return
            seen = len(self._inbox)

    def _accept(self, request: Request) -> None:
        assert self._model is not None
        params = request.params
        try:
            prompt = self._model.render(request.messages, params.stop)
        except Exception as exc:  # e.g. a template that refuses a role order
            request.fail(ModelError(f"{self.name}: cannot apply the chat template: {exc}"))
            return
        n = len(prompt.tokens)
        if not 0 < n < self.n_ctx:
            # Llama's own wording, which callers of the unbatched backend saw.
            request.fail(
                ModelError(
                    f"{self.name}: Requested tokens ({n}) exceed context window of {self.n_ctx}"
                )
            )
            return
        room = self.n_ctx - n
        max_tokens = min(params.max_tokens, room) if params.max_tokens > 0 else room
        self._waiting.append(Reply(request, prompt.tokens, max_tokens, prompt.stops))

    def _drop_cancelled(self) -> None:
        for reply in [r for r in self._waiting if r.request.cancelled]:
            self._waiting.remove(reply)
            reply.request.fail(ModelError(f"{self.name}: cancelled"))
        for active in [a for a in self._active if a.reply.request.cancelled]:
            self._release(active)
            active.reply.request.fail(ModelError(f"{self.name}: cancelled"))

    # -- admission -------------------------------------------------------------------------
    def _admit(self) -> None:
        while self._waiting and self._start(self._waiting[0]):
            self._waiting.popleft()
        if self._waiting and not self._active:
            # Cannot happen (an idle engine fits any request under n_ctx); never spin.
            self._waiting.popleft().request.fail(
                ModelError(f"{self.name}: the request does not fit the context")
            )

    def _start(self, reply: Reply) -> bool:
        """Admit ``reply`` into a slot if it fits now; False to make it wait."""
        assert self._model is not None
        prompt = reply.prompt
        group = next((g for g in self._groups if g.prompt == prompt), None)
        if group is not None:  # a twin: join the group, sharing what it has evaluated
            source: int | None = group.members[0].slot
            shared = group.done
        else:
            source, shared = self._best_source(prompt)
        free = sorted(
            (s for s in range(self.n_seq) if self._owner[s] is None),
            key=lambda s: self._last_use[s],
        )
        if not free:
            return False
        for target, src, n in self._placements(free, source, shared, twin=group is not None):
            need = reply.max_tokens + (0 if group is not None else len(prompt) - n)
            keep = self._fit(need, free, target, src, n)
            if keep is not None:
                break
        else:
            return False
        for slot, kept in keep.items():
            if self._ledger.length(slot) > kept:
                self._model.seq_rm(slot, kept)
                self._ledger.truncate(slot, kept)
        if src is not None and target != src and n:
            self._model.seq_cp(src, target, n)
            self._ledger.copy(src, target, n)
        shared = n
        params = reply.request.params
        sampler = self._model.new_sampler(params.temperature, params.seed, params.frequency_penalty)
        active = _Active(reply, target, sampler)
        if group is None:
            group = _Group(prompt, shared)
            self._groups.append(group)
        group.members.append(active)
        active.group = group
        self._active.append(active)
        self._owner[target] = active
        self.stats.prompt_reused += shared
        self.stats.most_active = max(self.stats.most_active, len(self._active))
        return True

    def _placements(
        self, free: list[int], source: int | None, shared: int, *, twin: bool
    ) -> list[tuple[int, int | None, int]]:
        """Where a request may go, best first: (slot, slot to copy from, tokens to copy).

        An empty slot keeps every cache; the source's own idle slot is reused in place;
        else the least recently used cache is evicted; last, sharing nothing, so that
        the source's cells may be evicted too when that is what makes room.
        """
        options: list[tuple[int, int | None, int]] = []
        empty = [s for s in free if self._ledger.length(s) == 0]
        if empty:
            options.append((empty[0], source, shared))
        if source is not None and source in free:
            options.append((source, source, shared))
        others = [s for s in free if s != source]
        if others:
            options.append((others[0], source, shared))
        if not twin and source is not None:
            options.append((free[0], None, 0))
        return options

    def _fit(
        self, need: int, free: list[int], target: int, src: int | None, n: int
    ) -> dict[int, int] | None:
        """Slots to trim (slot -> tokens kept) so that ``need`` cells fit, or None."""
        keep = {target: n if target == src else 0}
        spare = [s for s in free if s not in keep and s != src]
        while need > self._room(keep):
            if not spare:
                return None
            keep[spare.pop(0)] = 0
        return keep

    def _best_source(self, prompt: list[int]) -> tuple[int | None, int]:
        """The slot holding the longest start of ``prompt``, and how many tokens to take.

        At least the last prompt token is always evaluated anew: sampling needs its logits.
        """
        best, best_n = None, 0
        for slot in range(self.n_seq):
            n = common_prefix(prompt, self._ledger.tokens(slot))
            if n > best_n:
                best, best_n = slot, n
        best_n = min(best_n, len(prompt) - 1)
        return (best, best_n) if best_n > 0 else (None, 0)

    def _room(self, keep: dict[int, int]) -> int:
        """Cells free for a new request after trimming slots to ``keep``, net of what
        the admitted requests may still need."""
        assert self._model is not None
        used = self._ledger.used - self._ledger.freed_by(keep)
        owed = sum(len(g.prompt) - g.done for g in self._groups)
        for a in self._active:
            made = 0 if a.group else self._ledger.length(a.slot) - len(a.reply.prompt)
            owed += a.reply.max_tokens - made
        return self._model.kv_size - used - owed

    # -- one decode step -------------------------------------------------------------------
    def _step(self) -> None:
        assert self._model is not None
        entries: list[Entry] = []
        samples: list[tuple[int, list[_Active]]] = []  # batch index -> who samples there
        for a in self._active:
            if a.pending is not None:
                samples.append((len(entries), [a]))
                entries.append((a.pending, self._ledger.length(a.slot), (a.slot,), True))
        n_generating = len(entries)
        progress: list[tuple[_Group, int]] = []
        for group in self._groups:
            budget = self._model.n_batch - len(entries)
            if budget <= 0:
                break
            seqs = tuple(m.slot for m in group.members)
            end = min(len(group.prompt), group.done + budget)
            last = len(group.prompt) - 1
            for pos in range(group.done, end):
                entries.append((group.prompt[pos], pos, seqs, pos == last))
            if end == len(group.prompt):
                samples.append((len(entries) - 1, list(group.members)))
            progress.append((group, end))
        if not entries:
            return
        self._model.decode(entries)
        for token, _, held_by, _ in entries:
            self._ledger.append(held_by, token)
        for group, end in progress:
            group.done = end
            if end == len(group.prompt):
                self._groups.remove(group)
                for member in group.members:
                    member.group = None
        stats = self.stats
        stats.steps += 1
        stats.prompt_evaluated += len(entries) - n_generating
        stats.most_cells = max(stats.most_cells, self._ledger.used)
        for index, members in samples:
            for a in members:
                token = self._model.sample(a.sampler, index)
                stats.generated += 1
                if a.reply.add(token, self._model.piece(token), self._model.is_end(token)):
                    self._release(a)
                    a.reply.request.succeed(a.reply.completion())
                else:
                    a.pending = token

    # -- leaving ---------------------------------------------------------------------------
    def _release(self, active: _Active) -> None:
        """Free ``active``'s slot and sampler; its cells stay as a cache."""
        assert self._model is not None
        self._active.remove(active)
        group = active.group
        if group is not None:
            group.members.remove(active)
            if not group.members:
                self._groups.remove(group)
        self._model.free_sampler(active.sampler)
        self._owner[active.slot] = None
        self._clock += 1
        self._last_use[active.slot] = self._clock
        self._trim_cache()

    def _trim_cache(self) -> None:
        """Evict idle slots, least recently used first, until they hold few cells."""
        assert self._model is not None
        idle = sorted(
            (s for s in range(self.n_seq) if self._owner[s] is None and self._ledger.length(s)),
            key=lambda s: self._last_use[s],
        )
        while idle and self._ledger.freed_by(dict.fromkeys(idle, 0)) > CACHE_CELLS:
            slot = idle.pop(0)
            self._model.seq_rm(slot, 0)
            self._ledger.truncate(slot, 0)

    def _abort_active(self, error: ModelError) -> None:
        """After a failed decode: fail what was running and start from an empty cache."""
        assert self._model is not None
        for active in list(self._active):
            self._release(active)
            active.reply.request.fail(error)
        self._model.clear()
        self._ledger = CellLedger(self.n_seq)

    def _fail_inbox(self, error: BaseException) -> None:
        with self._cond:
            self._closing = True
            pending = list(self._inbox)
            self._inbox.clear()
        for request in pending:
            request.fail(error)

    def _shutdown(self) -> None:
        closed = ModelError(f"{self.name}: the model was closed")
        self._fail_inbox(closed)
        for reply in self._waiting:
            reply.request.fail(closed)
        self._waiting.clear()
        if self._model is not None:
            for active in list(self._active):
                self._release(active)
                active.reply.request.fail(closed)
            self._model.close()
            self._model = None
