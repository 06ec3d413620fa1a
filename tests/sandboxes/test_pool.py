"""How both sandboxes read the isolation a runner reports (no runner is started)."""

from __future__ import annotations

from typing import Any

import pytest
import structlog

from agentsstar.errors import SandboxError
from agentsstar.sandboxes import LocalSandbox
from agentsstar.sandboxes._pool import missing_isolation
from agentsstar.sandboxes.e2b import E2BSandbox
from agentsstar.testing.fake_e2b import FakeE2B

NAMESPACES = {"pid_ns": True, "net_ns": True, "mount_ns": True, "ipc_ns": True}


def hello(**isolation: Any) -> dict[str, Any]:
    return {"op": "hello", "isolation": isolation, "warnings": ["no mount: EPERM"]}


def test_missing_isolation() -> None:
    assert missing_isolation({**NAMESPACES, "uid": "separate"}) == []
    assert missing_isolation({**NAMESPACES, "uid": "userns"}) == []
    assert missing_isolation({**NAMESPACES, "uid": "same"}) == ["private uid"]
    # Candidates keep our uid in a user namespace: without the others it is no wall.
    partial = {**NAMESPACES, "net_ns": False, "uid": "userns"}
    assert missing_isolation(partial) == ["net_ns", "private uid"]
    assert missing_isolation({}) == ["pid_ns", "net_ns", "mount_ns", "ipc_ns", "private uid"]


def test_each_sandbox_warns_once_in_its_own_words() -> None:
    for box, event in (
        (LocalSandbox(), "sandbox.isolation_incomplete"),
        (E2BSandbox(create=FakeE2B().create), "e2b.isolation_incomplete"),
    ):
        with structlog.testing.capture_logs() as logs:
            box._note_isolation(hello(**NAMESPACES, uid="separate"))
            box._note_isolation(hello(uid="same"))
            box._note_isolation(hello(uid="same"))
        assert box.isolation == {"uid": "same"}
        assert [e["event"] for e in logs] == [event]
        assert logs[0]["details"] == ["no mount: EPERM"] and "private uid" in logs[0]["missing"]


def test_required_isolation_is_refused_with_the_runners_reasons() -> None:
    box = LocalSandbox(require_isolation=True)
    box._note_isolation(hello(**NAMESPACES, uid="separate"))
    with pytest.raises(SandboxError, match="unavailable: pid_ns.*private uid; no mount: EPERM"):
        box._note_isolation(hello(uid="same"))
