"""``ModelCache``: model replies kept in SQLite, so a comparison samples once.

Two arms of an eval that ask the model the same thing (same backend, model, endpoint,
messages, temperature, max_tokens, seed and stop strings) get the same reply, paid
for once; a re-run from the same cache makes no model call at all. Every agentsstar
strategy seeds its calls, so a reply is a function of its request and caching it
changes nothing but the cost.

- The file is SQLite in WAL mode; each reply is one transaction, so ``kill -9`` at any
  moment leaves a usable cache (at worst without the reply being written).
- An identical request already in flight is sent once; the others wait for its reply.
- A corrupt, unreadable or locked file is an error (``CacheError``), never a silent
  miss: a miss would quietly change a comparison's samples.
- A reply served from the cache is marked ``cached`` so usage counts it apart.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from pathlib import Path

import anyio

from agentsstar.backends.base import Completion, GenerationParams, Message
from agentsstar.errors import CacheError

SCHEMA_VERSION = 1
# How long a writer waits for another process's write before the cache is called locked.
BUSY_TIMEOUT_S = 30.0


def request_key(identity: str, messages: Sequence[Message], params: GenerationParams) -> str:
    """A hash of everything that determines a reply. ``identity`` names the backend
    kind, model and endpoint (``ModelBackend.name`` plus its endpoint)."""
    payload = {
        "v": SCHEMA_VERSION,
        "backend": identity,
        "messages": [[m.role, m.content] for m in messages],
        "temperature": params.temperature,
        "max_tokens": params.max_tokens,
        "seed": params.seed,
        "stop": list(params.stop),
    }
    if params.frequency_penalty:  # only when set: keys made before it existed still hit
        payload["frequency_penalty"] = params.frequency_penalty
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ModelCache:
    """Replies by request key, in the SQLite file ``path`` (created if missing).

    One object may be shared by several ``Model`` objects (the arms of an eval); each
    call that misses runs the model once however many callers ask at that moment.

    Raises:
        CacheError: the file is not a usable cache (corrupt, not SQLite, unreadable).
    """

    def __init__(self, path: str | Path, *, busy_timeout: float = BUSY_TIMEOUT_S) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()  # one sqlite3 connection, used from worker threads
        self._inflight: dict[str, anyio.Event] = {}
        self.hits = 0
        self.misses = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                self.path, timeout=busy_timeout, check_same_thread=False, isolation_level=None
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS replies ("
                " key TEXT PRIMARY KEY, text TEXT NOT NULL, prompt_tokens INTEGER NOT NULL,"
                " completion_tokens INTEGER NOT NULL, finish_reason TEXT, created REAL NOT NULL)"
            )
            (ok,) = self._db.execute("PRAGMA quick_check").fetchone()
        except (sqlite3.Error, OSError) as exc:
            raise CacheError(f"{self.path}: not a usable model cache: {exc}") from exc
        if ok != "ok":
            raise CacheError(f"{self.path}: the model cache is corrupt ({ok}); delete it")

    def _get(self, key: str) -> Completion | None:
        with self._lock:
            try:
                row = self._db.execute(
                    "SELECT text, prompt_tokens, completion_tokens, finish_reason"
                    " FROM replies WHERE key = ?",
                    (key,),
                ).fetchone()
            except sqlite3.Error as exc:
                raise CacheError(f"{self.path}: cannot read the model cache: {exc}") from exc
        if row is None:
            return None
        text, prompt, completion, finish = row
        return Completion(text, prompt, completion, finish, cached=True)

    def _put(self, key: str, c: Completion) -> None:
        with self._lock:
            try:
                self._db.execute(
                    "INSERT OR REPLACE INTO replies VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        key,
                        c.text,
                        c.prompt_tokens,
                        c.completion_tokens,
                        c.finish_reason,
                        time.time(),
                    ),
                )
            except sqlite3.Error as exc:
                raise CacheError(f"{self.path}: cannot write the model cache: {exc}") from exc

    async def get_or_call(self, key: str, call: Callable[[], Awaitable[Completion]]) -> Completion:
        """The cached reply for ``key``, or ``call()``'s reply, stored; a reply from the
        cache (or shared with an identical request in flight) has ``cached=True``."""
        while True:
            found = await anyio.to_thread.run_sync(self._get, key)
            if found is not None:
                self.hits += 1
                return found
            pending = self._inflight.get(key)
            if pending is None:
                break
            await pending.wait()  # its owner stored the reply (or failed: then we call)
        done = self._inflight[key] = anyio.Event()
        try:
            completion = await call()
            self.misses += 1
            await anyio.to_thread.run_sync(self._put, key, replace(completion, cached=False))
            return completion
        finally:
            del self._inflight[key]
            done.set()

    def __len__(self) -> int:
        with self._lock:
            (n,) = self._db.execute("SELECT COUNT(*) FROM replies").fetchone()
        return int(n)

    def close(self) -> None:
        with self._lock:
            self._db.close()
