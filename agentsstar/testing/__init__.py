"""Public test doubles for users' own tests (and ours).

``FakeOpenAIServer`` is a real OpenAI-compatible HTTP server on 127.0.0.1 with
scripted replies, a fixed delay and injected faults. The in-process double is
``agentsstar.backends.scripted.ScriptedBackend``.
"""

from __future__ import annotations

from agentsstar.testing.openai_server import FakeOpenAIServer, Fault, ReplyFn

__all__ = ["FakeOpenAIServer", "Fault", "ReplyFn"]
