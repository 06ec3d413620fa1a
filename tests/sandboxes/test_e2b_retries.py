"""E2BSandbox's retries against the fake service: what E2B sees, what is left running,
and what is not retried. ``FakeE2B`` models the SDK's own retries at its boundary, so
``create_requests`` is what the real service would count."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import anyio
import pytest

from agentsstar.errors import SandboxError
from agentsstar.retries import RetryPolicy
from agentsstar.sandboxes import Limits, Program
from agentsstar.sandboxes import e2b as e2b_module
from agentsstar.sandboxes.e2b import E2BSandbox
from agentsstar.testing import FakeE2B

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]

FAST = Limits(time_s=1.0, memory_mb=64, output_bytes=10_000)
QUICK_RETRY = RetryPolicy(attempts=4, max_seconds=30.0, initial_wait=0.01, max_wait=0.05)
ADD = Program(code="a, b = map(int, input().split())\nprint(a + b)\n", kind="stdin")
ADD_INPUTS = [f"{i} {i}\n" for i in range(3)]
ADD_OUTPUTS = [f"{2 * i}\n" for i in range(3)]


def e2b(cloud: FakeE2B, **kwargs: Any) -> E2BSandbox:
    kwargs.setdefault("create_retry", QUICK_RETRY)
    return E2BSandbox(create=cloud.create, **kwargs)


async def test_lost_create_answer_leaves_no_sandbox_running() -> None:
    # E2B made the sandbox but its answer was lost (a 502): the retry carries the same
    # idempotency key, so it gets that sandbox instead of making a second one that
    # nothing could kill.
    async with FakeE2B(lose_create_responses=1) as cloud:
        async with e2b(cloud) as box:
            results = await box.run(ADD, ADD_INPUTS, FAST)
        assert [r.stdout for r in results] == ADD_OUTPUTS
        assert (cloud.create_requests, cloud.created) == (2, 1)
        assert cloud.live == 0


async def test_each_new_sandbox_gets_its_own_key() -> None:
    # A sandbox killed after it was made (here: it died mid-batch) is replaced by a
    # new one, not handed back under the old key.
    async with FakeE2B(die_mid_batch=1, die_after_lines=1) as cloud, e2b(cloud) as box:
        results = await box.run(ADD, ADD_INPUTS, FAST)
    assert [r.stdout for r in results] == ADD_OUTPUTS
    assert cloud.created == 2 and cloud.live == 0


async def test_sdk_retries_do_not_multiply_the_policy() -> None:
    async with FakeE2B(fail_creates=[502] * 100) as cloud, e2b(cloud) as box:
        with pytest.raises(SandboxError, match="502") as info:
            await box.run(ADD, ADD_INPUTS, FAST)
    assert cloud.create_requests == QUICK_RETRY.attempts
    assert "\n" not in str(info.value)


async def test_transient_failures_are_retried() -> None:
    async with FakeE2B(fail_creates=[502, 503, 500]) as cloud, e2b(cloud) as box:
        results = await box.run(ADD, ADD_INPUTS, FAST)
    assert [r.stdout for r in results] == ADD_OUTPUTS
    assert (cloud.create_requests, cloud.created) == (4, 1)


@pytest.mark.parametrize(
    ("fake", "options", "needle"),
    [
        ({"templates": ["base"]}, {"template": "no-such-template"}, "404"),
        ({"fail_creates": [400]}, {}, "400"),
        ({"fail_creates": [401]}, {}, "rejected the API key"),
    ],
    ids=["bad-template", "bad-request", "bad-key"],
)
async def test_what_cannot_succeed_is_not_retried(
    fake: dict[str, Any], options: dict[str, Any], needle: str
) -> None:
    async with FakeE2B(**fake) as cloud, e2b(cloud, **options) as box:
        with pytest.raises(SandboxError, match=needle):
            await box.run(ADD, ADD_INPUTS, FAST)
    assert cloud.create_requests == 1


async def test_dns_failure_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real SDK against a host name that can never resolve (RFC 6761 .invalid).
    ci = pytest.importorskip("e2b_code_interpreter")
    monkeypatch.setenv("E2B_API_URL", "http://e2b.invalid")
    calls = 0

    @functools.wraps(ci.AsyncSandbox.create)
    async def create(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return await ci.AsyncSandbox.create(*args, **kwargs)

    retry = RetryPolicy(attempts=5, max_seconds=60.0, initial_wait=0.01, max_wait=0.05)
    async with E2BSandbox(api_key="e2b_0000", create=create, create_retry=retry) as box:
        with pytest.raises(SandboxError, match="dns error") as info:
            await box.run(ADD, ADD_INPUTS, FAST)
    assert calls == 1
    assert "\n" not in str(info.value)


async def test_envd_refusing_the_user_is_not_called_a_bad_key() -> None:
    # envd (inside the new sandbox) answers 401 for a user the template lacks; the
    # API key was fine, since the sandbox was made.
    async with FakeE2B() as cloud, e2b(cloud, user="nobody") as box:
        with pytest.raises(SandboxError) as info:
            await box.run(ADD, ADD_INPUTS, FAST)
        message = str(info.value)
        assert "API key" not in message
        assert "envd" in message and "'nobody'" in message and "runner" in message
        assert cloud.create_requests == 1  # another sandbox would refuse it too
        assert cloud.live == 0


async def test_request_timeout_zero_means_no_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    # Scaled down: the SDK's default request timeout and our margin over it are 0.1 s
    # here; a create answered after 0.5 s must still be waited for with
    # request_timeout=0, not cut at "default + margin" and sent again.
    monkeypatch.setattr(e2b_module, "SDK_REQUEST_TIMEOUT_S", 0.1)
    monkeypatch.setattr(e2b_module, "SAFETY_MARGIN_S", 0.1)
    async with FakeE2B(start_delay_s=[0.5]) as cloud, e2b(cloud, request_timeout=0) as box:
        results = await box.run(ADD, ADD_INPUTS, FAST)
    assert [r.stdout for r in results] == ADD_OUTPUTS
    assert cloud.create_requests == 1


async def test_cancelled_create_leaves_no_sandbox_running() -> None:
    # Cancelled while E2B was making its sandbox: the create finishes (shielded) and
    # what it made is killed, instead of running on where nothing could kill it.
    async with FakeE2B(start_delay_s=1.0) as cloud:
        box = e2b(cloud)
        async with anyio.create_task_group() as tg:
            tg.start_soon(box.run, ADD, ADD_INPUTS, FAST)
            with anyio.fail_after(30):
                while cloud.created == 0:
                    await anyio.sleep(0.01)
            tg.cancel_scope.cancel()
        assert cloud.created == 1 and cloud.live == 0 and cloud.killed == 1
        await box.aclose()


def test_errors_are_classified_by_type_without_the_sdk() -> None:
    # A fresh interpreter where the SDK cannot be imported: the fake raises the
    # stand-in types, which E2BSandbox still tells apart (a 429 is retried, a
    # rejected key is not).
    code = """
import sys
sys.modules["e2b"] = None
sys.modules["e2b_code_interpreter"] = None
import anyio
from agentsstar.retries import RetryPolicy
from agentsstar.sandboxes import Limits, Program
from agentsstar.sandboxes.e2b import E2BSandbox
from agentsstar.testing import FakeE2B
from agentsstar.errors import SandboxError

RETRY = RetryPolicy(attempts=4, max_seconds=30.0, initial_wait=0.01, max_wait=0.05)
ADD = Program(code="print(int(input()) * 2)", kind="stdin")

async def main():
    async with FakeE2B(rate_limit_creates=2) as cloud:
        async with E2BSandbox(create=cloud.create, create_retry=RETRY) as box:
            [r] = await box.run(ADD, ["21\\n"], Limits(time_s=1.0))
        print("RESULT", r.stdout.strip(), cloud.create_requests, type(cloud).__module__)
    async with FakeE2B(fail_creates=[401]) as cloud:
        async with E2BSandbox(create=cloud.create, create_retry=RETRY) as box:
            try:
                await box.run(ADD, ["1\\n"], Limits(time_s=1.0))
            except SandboxError as exc:
                print("RESULT", "key" in str(exc), cloud.create_requests)
    print("RESULT", "e2b" in sys.modules and sys.modules["e2b"] is not None)

anyio.run(main)
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    # (structlog's warnings go to stdout too.)
    results = [line.split()[1:] for line in proc.stdout.splitlines() if line.startswith("RESULT")]
    assert results == [["42", "3", "agentsstar.testing.fake_e2b"], ["True", "1"], ["False"]]


async def test_real_sdk_sends_one_key_and_no_retries_of_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The real SDK against a loopback server that answers every create with a 502:
    # E2B would see exactly ``attempts`` requests (the SDK alone would make 4 per
    # call), all under one idempotency key.
    pytest.importorskip("e2b_code_interpreter")
    keys: list[str | None] = []

    class BadGateway(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            keys.append(self.headers.get("Idempotency-Key"))
            body = json.dumps({"code": 502, "message": "bad gateway"}).encode()
            self.send_response(502)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), BadGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("E2B_API_URL", f"http://127.0.0.1:{server.server_port}")
        retry = RetryPolicy(attempts=3, max_seconds=60.0, initial_wait=0.01, max_wait=0.05)
        async with E2BSandbox(api_key="e2b_0000", create_retry=retry) as box:
            with pytest.raises(SandboxError, match="502"):
                await box.run(ADD, ADD_INPUTS, FAST)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert len(keys) == 3
    assert keys[0] is not None and keys[0].startswith("agentsstar-")
    assert set(keys) == {keys[0]}
