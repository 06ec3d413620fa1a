"""The llama.cpp side of the batching engine: one model, one context, one batch.

Everything here calls into llama.cpp through llama-cpp-python's low-level API, and
must only ever be used from the engine's thread. The context is made for several
sequences (``n_seq_max``) sharing one *unified* KV cache: a cell may belong to many
sequences, so a prompt shared by sibling requests is stored (and evaluated) once.
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agentsstar.backends._batching_chat import ChatTemplate, Prompt
from agentsstar.backends._batching_seq import new_sampler
from agentsstar.backends.base import Message

# One batch entry: token, position, the sequences it belongs to, whether to keep logits.
Entry = tuple[int, int, Sequence[int], bool]

_backend_ready = False


class DecodeError(RuntimeError):
    """``llama_decode`` refused a batch (the message says why)."""


class NativeModel:
    """A loaded GGUF model with a multi-sequence context.

    Raises (at construction):
        ValueError: llama.cpp cannot load the file or create the context.
    """

    def __init__(
        self,
        llama_cpp: Any,
        path: Path,
        *,
        kv_size: int,
        n_batch: int,
        n_seq: int,
        n_threads: int,
        chat_format: str | None,
        flash_attn: bool = False,
    ) -> None:
        global _backend_ready
        from llama_cpp import _internals

        self._c = llama_cpp
        # As Llama(verbose=False) does: llama.cpp's own log shows errors only (it would
        # otherwise print every load step, and warn that a unified KV cache larger than
        # the training context might overflow it, which one request's n_ctx rules out).
        logging.getLogger("llama-cpp-python").setLevel(logging.ERROR)
        if not _backend_ready:
            llama_cpp.llama_backend_init()
            _backend_ready = True
        model_params = llama_cpp.llama_model_default_params()
        model_params.n_gpu_layers = 0
        self._model: Any = _internals.LlamaModel(
            path_model=str(path), params=model_params, verbose=False
        )
        try:
            params = llama_cpp.llama_context_default_params()
            params.n_ctx = kv_size
            params.n_batch = n_batch
            params.n_ubatch = n_batch
            params.n_seq_max = n_seq
            params.kv_unified = True
            params.n_threads = n_threads
            params.n_threads_batch = n_threads
            # Off, as llama_cpp.Llama has it by default, so replies match the unbatched
            # backend; bench/bench_decode_ceiling.py measures it on.
            params.flash_attn_type = (
                llama_cpp.LLAMA_FLASH_ATTN_TYPE_ENABLED
                if flash_attn
                else llama_cpp.LLAMA_FLASH_ATTN_TYPE_DISABLED
            )
            self._ctx = llama_cpp.llama_init_from_model(self._model.model, params)
            if self._ctx is None:
                raise ValueError(f"could not create a context of {kv_size} tokens")
            self._mem = llama_cpp.llama_get_memory(self._ctx)
            self._batch = llama_cpp.llama_batch_init(n_batch, 0, n_seq)
            self.template = ChatTemplate(self._model, chat_format)
        except BaseException:
            self.close()
            raise
        self._vocab = self._model.vocab
        self._n_vocab = int(llama_cpp.llama_vocab_n_tokens(self._vocab))
        self.kv_size = int(llama_cpp.llama_n_ctx(self._ctx))
        self.n_batch = n_batch
        self._piece_buf = ctypes.create_string_buffer(64)

    def render(self, messages: Sequence[Message], stop: Sequence[str]) -> Prompt:
        return self.template.render(messages, stop)

    # -- sequences in the KV cache ---------------------------------------------------------
    def seq_cp(self, src: int, dst: int, n: int) -> None:
        """``dst`` also holds positions ``[0, n)`` of ``src`` (cells shared, not copied)."""
        self._c.llama_memory_seq_cp(self._mem, src, dst, 0, n)

    def seq_rm(self, seq: int, keep: int) -> None:
        """``seq`` keeps positions ``[0, keep)``."""
        if not self._c.llama_memory_seq_rm(self._mem, seq, keep, -1):
            raise DecodeError(f"llama.cpp could not trim sequence {seq} to {keep} tokens")

    def clear(self) -> None:
        self._c.llama_memory_clear(self._mem, True)

    # -- decoding and sampling -------------------------------------------------------------
    def decode(self, entries: Sequence[Entry]) -> None:
        batch = self._batch
        for i, (token, pos, seqs, logits) in enumerate(entries):
            batch.token[i] = token
            batch.pos[i] = pos
            batch.n_seq_id[i] = len(seqs)
            for k, seq in enumerate(seqs):
                batch.seq_id[i][k] = seq
            batch.logits[i] = logits
        batch.n_tokens = len(entries)
        status = self._c.llama_decode(self._ctx, batch)
        if status != 0:
            raise DecodeError(f"llama_decode returned {status} for {len(entries)} tokens")

    def new_sampler(self, temperature: float, seed: int | None, frequency_penalty: float) -> Any:
        return new_sampler(
            self._c,
            temperature,
            seed,
            frequency_penalty=frequency_penalty,
            n_vocab=self._n_vocab,
        )

    def free_sampler(self, sampler: Any) -> None:
        self._c.llama_sampler_free(sampler)

    def sample(self, sampler: Any, index: int) -> int:
        """Draw a token from the logits of batch entry ``index`` (the sampler accepts it)."""
        return int(self._c.llama_sampler_sample(sampler, self._ctx, index))

    def piece(self, token: int) -> bytes:
        """The bytes ``token`` stands for (control tokens render as nothing)."""
        n = self._c.llama_token_to_piece(
            self._vocab, token, self._piece_buf, len(self._piece_buf), 0, False
        )
        if n < 0:  # the buffer is too small: -n bytes are needed
            self._piece_buf = ctypes.create_string_buffer(-n)
            n = self._c.llama_token_to_piece(
                self._vocab, token, self._piece_buf, len(self._piece_buf), 0, False
            )
        return self._piece_buf.raw[:n]

    def is_end(self, token: int) -> bool:
        return bool(self._c.llama_vocab_is_eog(self._vocab, token))

    def close(self) -> None:
        """Free the batch, the context and the model (idempotent)."""
        if getattr(self, "_batch", None) is not None:
            self._c.llama_batch_free(self._batch)
            self._batch = None
        if getattr(self, "_ctx", None) is not None:
            self._c.llama_free(self._ctx)
            self._ctx = None
        if getattr(self, "_model", None) is not None:
            self._model.close()
            self._model = None
