"""One request in the batching engine: what was asked, and its reply as it grows.

``Request`` crosses threads: the event loop creates it and waits on ``done``; the
engine thread fills in the outcome and sets ``done``. ``cancel()`` may be called from
any thread; the engine notices at its next step. ``Reply`` lives in the engine thread
only: the tokens sampled so far, their text, and the stop rules.

Sampling follows ``llama_cpp.Llama.create_chat_completion``'s defaults exactly, so a
seeded reply is the one the unbatched backend gave: the frequency penalty (over the
last 64 sampled tokens), then greedy at temperature 0, else top-k 40, top-p 0.95,
min-p 0.05, the temperature, and a draw seeded per request.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agentsstar.backends.base import Completion, GenerationParams, Message

# llama.cpp's "pick a random seed" value, for requests that name none.
RANDOM_SEED = 0xFFFFFFFF
# Sampled tokens the penalty sampler remembers (``Llama``'s ``last_n_tokens_size``).
PENALTY_LAST_N = 64


@dataclass(eq=False)
class Request:
    """A chat completion handed to the engine (created on the event loop's side)."""

    messages: Sequence[Message]
    params: GenerationParams
    done: threading.Event = field(default_factory=threading.Event)
    completion: Completion | None = None
    error: BaseException | None = None
    _cancelled: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        """Ask the engine to drop this request at its next step (any thread)."""
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def succeed(self, completion: Completion) -> None:
        self.completion = completion
        self.done.set()

    def fail(self, error: BaseException) -> None:
        self.error = error
        self.done.set()

    def outcome(self) -> Completion:
        """The completion, or the error the engine recorded (call after ``done``)."""
        if self.error is not None:
            raise self.error
        assert self.completion is not None
        return self.completion


def new_sampler(
    llama_cpp: Any,
    temperature: float,
    seed: int | None,
    *,
    frequency_penalty: float = 0.0,
    n_vocab: int = 0,
) -> Any:
    """A sampler chain for one request, as ``Llama`` builds it for the same arguments.

    ``frequency_penalty`` lowers each token's logit by the penalty times how often the
    request has sampled it among its last ``PENALTY_LAST_N`` tokens (the chain
    remembers what it samples, so each request is penalised for its own reply only).
    ``n_vocab`` is the model's vocabulary size, which llama.cpp's penalty sampler
    takes. (``Llama`` always adds the penalty sampler, and typical-p of 1.0; at a
    penalty of 0 and typical-p 1.0 they leave the logits unchanged, and so are left
    out then.)
    """
    chain = llama_cpp.llama_sampler_chain_init(llama_cpp.llama_sampler_chain_default_params())
    add = llama_cpp.llama_sampler_chain_add
    if frequency_penalty != 0.0:
        # n_vocab, last n, repeat (1.0: off), frequency, presence (0.0: off).
        add(
            chain,
            llama_cpp.llama_sampler_init_penalties(
                n_vocab, PENALTY_LAST_N, 1.0, frequency_penalty, 0.0
            ),
        )
    if temperature == 0.0:
        add(chain, llama_cpp.llama_sampler_init_greedy())
        return chain
    # llama.cpp takes a uint32 seed; Python ints wrap the way ctypes would wrap them.
    draw_seed = RANDOM_SEED if seed is None else seed & 0xFFFFFFFF
    if temperature > 0.0:
        add(chain, llama_cpp.llama_sampler_init_top_k(40))
        add(chain, llama_cpp.llama_sampler_init_top_p(0.95, 1))
        add(chain, llama_cpp.llama_sampler_init_min_p(0.05, 1))
        add(chain, llama_cpp.llama_sampler_init_temp(temperature))
    add(chain, llama_cpp.llama_sampler_init_dist(draw_seed))
    return chain


class Reply:
    """The reply to ``request`` as tokens arrive; says when it is finished and why.

    ``prompt`` is the rendered prompt, ``max_tokens`` the cap after the context window
    is taken into account, ``stops`` the stop strings as UTF-8 (searched in the bytes
    of the reply, so a stop string split across tokens is still found).
    """

    def __init__(
        self, request: Request, prompt: list[int], max_tokens: int, stops: Sequence[str]
    ) -> None:
        self.request = request
        self.prompt = prompt
        self.max_tokens = max_tokens
        self.stops = tuple(s.encode("utf-8") for s in stops if s)
        self.tokens: list[int] = []
        self.text = bytearray()
        self.finish_reason: str | None = None

    def add(self, token: int, piece: bytes, end_of_generation: bool) -> bool:
        """Take one sampled token; True when the reply is complete."""
        if end_of_generation:
            self.finish_reason = "stop"
            return True
        self.tokens.append(token)
        before = len(self.text)
        self.text += piece
        cut = self._first_stop(before)
        if cut is not None:
            del self.text[cut:]
            self.finish_reason = "stop"
            return True
        if len(self.tokens) >= self.max_tokens:
            self.finish_reason = "length"
            return True
        return False

    def _first_stop(self, before: int) -> int | None:
        # Only a stop string that ends in the new piece can be new; search from there.
        hits = []
        for stop in self.stops:
            at = self.text.find(stop, max(0, before - len(stop) + 1))
            if at >= 0:
                hits.append(at)
        return min(hits) if hits else None

    def completion(self) -> Completion:
        return Completion(
            text=bytes(self.text).decode("utf-8", errors="ignore"),
            prompt_tokens=len(self.prompt),
            completion_tokens=len(self.tokens),
            finish_reason=self.finish_reason,
        )
