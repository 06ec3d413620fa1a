"""``LlamaLocalBackend``: a GGUF model run in process by llama-cpp-python, on the CPU.

Concurrent calls are answered together by a continuous-batching engine
(``agentsstar.backends._batching``): one llama.cpp context holds several sequences
and every decode step advances all of them, which on a CPU costs little more than
advancing one. Lifecycle: the engine thread starts and loads the model on the first
call (or ``await load()``); every llama.cpp call happens in that one thread, never in
the event loop. A call hands its request over and waits; cancelling it drops the
request at the engine's next step without disturbing the others. ``aclose()`` stops
the thread and frees the model; a later call loads it again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import structlog

from agentsstar.backends._batching import DEFAULT_PARALLEL, BatchEngine, EngineStats
from agentsstar.backends._batching_seq import Request
from agentsstar.backends.base import BackendBase, Completion, GenerationParams, Message
from agentsstar.errors import AgentsstarError, MissingDependencyError, ModelError

log = structlog.get_logger(__name__)

# A model file, or a function that finds (and may assemble) one; called off the loop.
ModelSource = str | os.PathLike[str] | Callable[[], str | os.PathLike[str]]


def import_llama_cpp() -> Any:
    """Import llama_cpp, or say which extra to install."""
    try:
        import llama_cpp
    except ImportError as exc:
        raise MissingDependencyError(
            "llama-cpp-python", "local", "the embedded local model"
        ) from exc
    return llama_cpp


def usable_cpus() -> int:
    """CPUs this process may run on (affinity-aware where the OS says so)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class LlamaLocalBackend(BackendBase):
    """Chat completions from a GGUF model loaded in this process, batched.

    Args:
        model_path: the ``.gguf`` file, or a zero-argument function returning it (run in
            the engine thread at load time, e.g. ``local_models.resolve_model``).
        name: the name in records; default ``local:<file stem>``.
        n_ctx: context window of one request, in tokens (prompt plus reply).
        n_threads: CPU threads for llama.cpp; default: every usable CPU.
        chat_format: override the chat template stored in the GGUF (rarely needed).
        n_parallel: requests decoded together; more wait for a free slot.
        kv_size: KV cache cells shared by all requests; default ``n_ctx`` times half of
            ``n_parallel`` (at least ``n_ctx``). A request that does not fit beside
            the running ones waits for them.
        n_batch: most tokens per decode step (prompt chunks and generated tokens).
        flash_attn: llama.cpp's flash attention; on by default: a quarter more
            tokens per second with 4 or 8 requests in flight (docs/benchmarks.md).
            Replies equal ``llama_cpp.Llama(flash_attn=...)``'s with the same setting.

    Raises (at load, i.e. on the first call):
        MissingDependencyError: llama-cpp-python is not installed (extra ``local``).
        ModelNotFoundError: the model cannot be located or assembled.
        ModelError: llama.cpp cannot load or run the file.
    """

    def __init__(
        self,
        model_path: ModelSource,
        *,
        name: str | None = None,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        chat_format: str | None = None,
        n_parallel: int = DEFAULT_PARALLEL,
        kv_size: int | None = None,
        n_batch: int = 512,
        flash_attn: bool = True,
    ) -> None:
        self._source = model_path
        if name is None:
            stem = "model" if callable(model_path) else Path(model_path).stem
            name = f"local:{stem}"
        self.name = name
        self.n_ctx = n_ctx
        self.n_threads = n_threads or usable_cpus()
        self.n_parallel = max(1, n_parallel)
        self.kv_size = max(n_ctx, kv_size or n_ctx * (self.n_parallel // 2))
        self.n_batch = n_batch
        self.flash_attn = flash_attn
        self._chat_format = chat_format
        self.model_file: Path | None = None
        self._engine: BatchEngine | None = None
        self._lock = anyio.Lock()
        # Each waiting call parks a thread on its request's event; keep them off the
        # default thread pool, which sandboxes and file I/O share.
        self._waiters = anyio.CapacityLimiter(max(64, 4 * self.n_parallel))

    @property
    def stats(self) -> EngineStats | None:
        """The running engine's counters (None before the first load)."""
        return self._engine.stats if self._engine is not None else None

    # -- lifecycle ---------------------------------------------------------------------------
    def _open_model(self) -> Any:
        # Runs in the engine thread: every llama.cpp call stays in that thread.
        from agentsstar.backends._batching_llama import NativeModel

        llama_cpp = import_llama_cpp()
        source = self._source() if callable(self._source) else self._source
        path = Path(source)
        log.info("loading local model", model=self.name, path=str(path))
        try:
            native = NativeModel(
                llama_cpp,
                path,
                kv_size=self.kv_size,
                n_batch=self.n_batch,
                n_seq=self.n_parallel,
                n_threads=self.n_threads,
                chat_format=self._chat_format,
                flash_attn=self.flash_attn,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(f"{self.name}: llama.cpp could not load {path}: {exc}") from exc
        self.model_file = path
        return native

    async def _running(self) -> BatchEngine:
        engine = self._engine
        if engine is not None and engine.ready.is_set() and engine.load_error is None:
            return engine  # the common case: no lock, no thread hop
        async with self._lock:
            if self._engine is None:
                engine = BatchEngine(
                    self._open_model, name=self.name, n_ctx=self.n_ctx, n_seq=self.n_parallel
                )
                engine.start()
                self._engine = engine
            engine = self._engine
            # A cancelled wait leaves the load running in the engine thread; the next
            # call finds it there, and aclose() waits for it.
            await anyio.to_thread.run_sync(engine.ready.wait, abandon_on_cancel=True)
            if engine.load_error is not None:
                self._engine = None  # a later call tries again
                error = engine.load_error
                if isinstance(error, AgentsstarError):
                    raise error
                raise ModelError(f"{self.name}: could not load the model: {error}") from error
        return engine

    async def load(self) -> None:
        """Load the model now (otherwise the first ``complete`` does)."""
        await self._running()

    async def warm(self) -> None:
        """``ModelBackend.warm``: load the weights before the run."""
        await self.load()

    async def aclose(self) -> None:
        """Stop the engine (calls still waiting fail) and free the model."""
        async with self._lock:
            engine, self._engine = self._engine, None
        if engine is not None:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(engine.close)

    # -- generation -----------------------------------------------------------------------------
    async def complete(self, messages: Sequence[Message], params: GenerationParams) -> Completion:
        """One chat completion, decoded in a batch with the other calls in flight."""
        engine = await self._running()
        request = Request(list(messages), params)
        engine.submit(request)
        try:
            await anyio.to_thread.run_sync(
                request.done.wait, abandon_on_cancel=True, limiter=self._waiters
            )
        except anyio.get_cancelled_exc_class():
            request.cancel()  # the engine drops it at its next step
            raise
        return request.outcome()
