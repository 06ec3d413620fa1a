"""``ScriptedBackend``: a public test double whose replies come from a Python function.

Use it in your own tests the way httpx users use ``MockTransport``::

    def reply(messages, params):
        return "```python\\nprint(int(input()) * 2)\\n```"

    model = Model(ScriptedBackend(reply))

The function may be sync or async, may return a ``str`` or a ``Completion``, and may
raise ``TransientModelError`` / ``ModelError`` to exercise failure handling.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence

from agentsstar.backends.base import BackendBase, Completion, GenerationParams, Message

ReplyFn = Callable[
    [Sequence[Message], GenerationParams],
    str | Completion | Awaitable[str | Completion],
]


def _count_tokens(text: str) -> int:
    # A rough, deterministic stand-in so usage accounting is exercised in tests.
    return max(1, len(text) // 4)


class ScriptedBackend(BackendBase):
    """Replies computed by ``fn(messages, params)``; records every call in ``calls``."""

    def __init__(self, fn: ReplyFn, *, name: str = "scripted") -> None:
        self._fn = fn
        self.name = name
        self.calls: list[tuple[tuple[Message, ...], GenerationParams]] = []

    async def complete(self, messages: Sequence[Message], params: GenerationParams) -> Completion:
        self.calls.append((tuple(messages), params))
        out = self._fn(messages, params)
        if inspect.isawaitable(out):
            out = await out
        if isinstance(out, Completion):
            return out
        prompt = sum(_count_tokens(m.content) for m in messages)
        return Completion(
            text=out,
            prompt_tokens=prompt,
            completion_tokens=_count_tokens(out),
            finish_reason="stop",
        )
