"""Public test doubles for users' own tests (and ours).

``FakeOpenAIServer`` is a real OpenAI-compatible HTTP server on 127.0.0.1 with
scripted replies, a fixed delay and injected faults. ``FakeE2B`` stands in for the
E2B service and SDK (``E2BSandbox(create=FakeE2B().create)``); its sandboxes run
commands for real in local subprocesses (see ``agentsstar.testing.fake_e2b``). The
in-process model double is ``agentsstar.backends.scripted.ScriptedBackend``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agentsstar.testing.openai_server import FakeOpenAIServer, Fault, ReplyFn

if TYPE_CHECKING:
    from agentsstar.testing.fake_e2b import FakeE2B

__all__ = ["FakeE2B", "FakeOpenAIServer", "Fault", "ReplyFn"]


def __getattr__(name: str) -> Any:
    # Imported on first use: the fake loads the E2B SDK's types when it is installed.
    if name == "FakeE2B":
        from agentsstar.testing.fake_e2b import FakeE2B

        return FakeE2B
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
