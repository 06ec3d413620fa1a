"""``LlamaLocalBackend``: a GGUF model run in process by llama-cpp-python, on the CPU.

Lifecycle: the model loads lazily on the first call (or ``await load()``), in a worker
thread so the event loop keeps running; ``aclose()`` frees it. One ``Llama`` object is
not thread-safe, so calls are serialised by an ``anyio.Lock`` and each runs in a worker
thread. A cancelled call cannot stop the C code mid-token, so the thread is never
abandoned: the lock is held until it really ends, and a logits processor makes the
model emit end-of-sequence at the next token so that happens quickly.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import structlog

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
    """Chat completions from a GGUF model loaded in this process.

    Args:
        model_path: the ``.gguf`` file, or a zero-argument function returning it (run in
            a worker thread at load time, e.g. ``local_models.resolve_model``).
        name: the name in records; default ``local:<file stem>``.
        n_ctx: context window in tokens (prompt plus reply).
        n_threads: CPU threads for llama.cpp; default: every usable CPU.
        chat_format: override the chat template stored in the GGUF (rarely needed).
        llama_options: further keyword arguments for ``llama_cpp.Llama``.

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
        **llama_options: Any,
    ) -> None:
        self._source = model_path
        if name is None:
            stem = "model" if callable(model_path) else Path(model_path).stem
            name = f"local:{stem}"
        self.name = name
        self.n_ctx = n_ctx
        self.n_threads = n_threads or usable_cpus()
        self._chat_format = chat_format
        self._options = llama_options
        self._llama: Any = None
        self.model_file: Path | None = None
        self._lock = anyio.Lock()

    # -- lifecycle ---------------------------------------------------------------------------
    def _load_blocking(self) -> Any:
        llama_cpp = import_llama_cpp()
        source = self._source() if callable(self._source) else self._source
        path = Path(source)
        log.info("loading local model", model=self.name, path=str(path))
        try:
            llama = llama_cpp.Llama(
                model_path=str(path),
                n_ctx=self.n_ctx,
                n_threads=self.n_threads,
                chat_format=self._chat_format,
                verbose=False,
                **self._options,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(f"{self.name}: llama.cpp could not load {path}: {exc}") from exc
        self.model_file = path
        return llama

    async def _loaded(self) -> Any:
        # Caller holds self._lock.
        if self._llama is None:
            # Not abandoned on cancel: a half-finished load in a stray thread would
            # leak a model's worth of memory.
            self._llama = await anyio.to_thread.run_sync(
                self._load_blocking, abandon_on_cancel=False
            )
        return self._llama

    async def load(self) -> None:
        """Load the model now (otherwise the first ``complete`` does)."""
        async with self._lock:
            await self._loaded()

    async def warm(self) -> None:
        """``ModelBackend.warm``: load the weights before the run."""
        await self.load()

    async def aclose(self) -> None:
        """Free the model; a later call loads it again."""
        async with self._lock:
            llama, self._llama = self._llama, None
            if llama is not None:
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(llama.close)

    # -- generation -----------------------------------------------------------------------------
    async def complete(self, messages: Sequence[Message], params: GenerationParams) -> Completion:
        """One chat completion, serialised with every other call on this backend."""
        async with self._lock:
            llama = await self._loaded()
            stop_now = threading.Event()
            finished = threading.Event()
            work = functools.partial(
                self._generate_blocking, llama, messages, params, stop_now, finished
            )
            try:
                result = await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
            except anyio.get_cancelled_exc_class():
                # The thread keeps running: ask it to stop at the next token and wait
                # (shielded, still holding the lock) until the Llama object is free.
                stop_now.set()
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(finished.wait)
                raise
        return result

    def _generate_blocking(
        self,
        llama: Any,
        messages: Sequence[Message],
        params: GenerationParams,
        stop_now: threading.Event,
        finished: threading.Event,
    ) -> Completion:
        try:
            if stop_now.is_set():
                raise ModelError(f"{self.name}: cancelled before start")
            response = llama.create_chat_completion(
                messages=[{"role": m.role, "content": m.content} for m in messages],
                temperature=params.temperature,
                max_tokens=params.max_tokens,
                seed=params.seed,
                stop=list(params.stop) or None,
                frequency_penalty=params.frequency_penalty,
                logits_processor=[_end_when(stop_now, llama.token_eos())],
            )
        except AgentsstarError:
            raise
        except (ValueError, RuntimeError) as exc:
            # e.g. "Requested tokens (5000) exceed context window of 4096": not transient.
            raise ModelError(f"{self.name}: {exc}") from exc
        finally:
            finished.set()
        choice = response["choices"][0]
        usage = response.get("usage") or {}
        return Completion(
            text=choice["message"].get("content") or "",
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            finish_reason=choice.get("finish_reason"),
        )


def _end_when(event: threading.Event, eos: int) -> Callable[[Any, Any], Any]:
    """A logits processor that forces end-of-sequence once ``event`` is set."""

    def process(input_ids: Any, scores: Any) -> Any:
        if event.is_set():
            scores[:] = float("-inf")
            scores[eos] = 0.0
        return scores

    return process
