"""``FakeE2B`` behaves like the E2B service and SDK where ``E2BSandbox`` depends on it:
login shell, users, chunked output, the SDK's own retries, idempotency keys."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

import agentsstar.testing
from agentsstar.testing import fake_e2b
from agentsstar.testing.fake_e2b import FakeE2B

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]


@pytest.fixture
async def cloud(anyio_backend: str) -> AsyncIterator[FakeE2B]:
    async with FakeE2B() as c:
        yield c


def test_exported_from_agentsstar_testing() -> None:
    assert agentsstar.testing.FakeE2B is FakeE2B
    assert "FakeE2B" in agentsstar.testing.__all__


async def test_commands_run_in_a_login_shell(cloud: FakeE2B) -> None:
    sandbox = await cloud.create()
    # envd runs `/bin/bash -l -c cmd`: the login profile sets PATH (this machine's
    # /etc/profile resets it) and python3 is still the template's, found on it.
    result = await sandbox.commands.run(
        "shopt -q login_shell && echo login; python3 -c 'import sys; print(sys.version_info[0])'",
        user="root",
    )
    assert result.stdout == "login\n3\n"
    assert cloud.commands == [(sandbox.sandbox_id, "root", cloud.commands[0][2])]


async def test_output_arrives_in_arbitrary_chunks() -> None:
    text = "héllo wörld ✓\n" * 20
    async with FakeE2B(chunk_bytes=3, seed=1) as cloud:
        sandbox = await cloud.create()
        await sandbox.files.write("out.txt", text)
        seen: list[str] = []
        result = await sandbox.commands.run("cat out.txt", on_stdout=seen.append)
    # Cut at random byte offsets (inside characters too), decoded as the SDK does.
    assert "".join(seen) == result.stdout == text
    assert len(seen) > text.count("\n") * 2
    assert any(not piece.endswith("\n") for piece in seen)


async def test_user_is_honoured(cloud: FakeE2B) -> None:
    sandbox = await cloud.create()
    default = await sandbox.commands.run("echo $USER $HOME; pwd")
    as_root = await sandbox.commands.run("echo $USER; pwd", user="root")
    assert default.stdout.split()[0] == "user" and default.stdout.endswith("/home/user\n")
    assert as_root.stdout.split()[0] == "root" and as_root.stdout.endswith("/root\n")
    info = await sandbox.files.write("note.txt", "x", user="user")
    assert info.path == "/home/user/note.txt"
    if os.geteuid() == 0:  # only root can really be another uid
        uid = await sandbox.commands.run("id -u")
        assert uid.stdout == "1000\n"
        assert os.stat(sandbox.host_path("/home/user/note.txt")).st_uid == 1000
    with pytest.raises(fake_e2b.AuthenticationException):
        await sandbox.commands.run("true", user="nobody")
    with pytest.raises(fake_e2b.AuthenticationException):
        await sandbox.files.write("/tmp/x", "x", user="nobody")


async def test_create_retries_like_the_sdk() -> None:
    async with FakeE2B(fail_creates=[502, 503, 429]) as cloud:
        await cloud.create()
        assert (cloud.create_calls, cloud.create_requests, cloud.created) == (1, 4, 1)
    async with FakeE2B(fail_creates=[502, 429, 503, 504]) as cloud:
        with pytest.raises(fake_e2b.SandboxException):  # 3 retries, then the 4th answer
            await cloud.create()
        assert cloud.create_requests == 4
    async with FakeE2B(fail_creates=[500, 502]) as cloud:
        with pytest.raises(fake_e2b.SandboxException):  # a 500 is not the SDK's to retry
            await cloud.create()
        assert cloud.create_requests == 1
    async with FakeE2B(fail_creates=[502]) as cloud:
        with pytest.raises(fake_e2b.SandboxException):
            await cloud.create(retries=0)
        assert cloud.create_requests == 1


async def test_idempotency_key_and_lost_answers() -> None:
    async with FakeE2B(lose_create_responses=1) as cloud:
        first = await cloud.create(idempotency_key="run-1")  # the SDK's retry got it
        again = await cloud.create(idempotency_key="run-1")
        assert first is again and cloud.created == 1 and cloud.create_requests == 3
    async with FakeE2B(lose_create_responses=1) as cloud:
        await cloud.create()  # no key: the retry made a second sandbox
        assert cloud.created == 2 and cloud.live == 2


async def test_late_answer_still_made_the_sandbox() -> None:
    async with FakeE2B(start_delay_s=[5.0]) as cloud:
        with pytest.raises(fake_e2b.TimeoutException):
            await cloud.create(request_timeout=0.1)
        assert cloud.created == 1 and cloud.live == 1
