"""Tests only: stands in for the ``e2b_code_interpreter`` SDK package in a CLI
subprocess (this directory goes first on its ``PYTHONPATH``), so that
``agentsstar run --sandbox e2b`` creates its sandboxes in a ``FakeE2B`` through the
ordinary code path (``AsyncSandbox.create``). At exit it writes what the fake saw to
``$FAKE_E2B_REPORT`` as JSON."""

from __future__ import annotations

import atexit
import json
import os

from agentsstar.testing import FakeE2B

cloud = FakeE2B()


class AsyncSandbox:
    create = cloud.create  # a bound method: the fake service's create, SDK signature


def _report() -> None:
    path = os.environ.get("FAKE_E2B_REPORT")
    if not path:
        return
    report = {
        "create_requests": cloud.create_requests,
        "created": cloud.created,
        "killed": cloud.killed,
        "live": cloud.live,
        "commands": [{"user": user, "cmd": cmd} for _, user, cmd in cloud.commands],
    }
    with open(path, "w") as f:
        json.dump(report, f)


atexit.register(_report)
