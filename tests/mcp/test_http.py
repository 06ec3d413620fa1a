"""``agentsstar mcp --http PORT``: streamable HTTP on 127.0.0.1, with the SDK's client."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from agentsstar.testing.openai_server import FakeOpenAIServer

from .conftest import ROOT, example, fake_model_args, server_env

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(180)]


def wait_for_url(proc: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(r"http://127\.0\.0\.1:\d+/mcp", log.read_text())
        if found:
            return found.group(0)
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}: {log.read_text()}")
        time.sleep(0.1)
    pytest.fail(f"server did not start: {log.read_text()}")


async def test_streamable_http_on_loopback(model_server: FakeOpenAIServer, tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with log.open("w") as err:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "agentsstar",
                "mcp",
                "--http",
                "0",
                *fake_model_args(model_server),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=ROOT,
            env=server_env(),
        )
    try:
        url = wait_for_url(proc, log)
        # Bound to loopback only: the port is not open on any other address.
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        listening = [c for c in _tcp_listeners() if c[1] == port]
        assert listening and all(host == "127.0.0.1" for host, _ in listening)
        problem = example("reverse-words")
        with anyio.fail_after(90):
            async with (
                streamable_http_client(url) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                names = {t.name for t in (await session.list_tools()).tools}
                progress: list[str] = []

                async def on_progress(p: float, total: float | None, msg: str | None) -> None:
                    progress.append(msg or "")

                result = await session.call_tool(
                    "solve",
                    {"prompt": problem["prompt"], "tests": problem["public_tests"], "samples": 2},
                    progress_callback=on_progress,
                )
        assert names == {"solve", "check"}
        assert not result.is_error
        assert result.structured_content["code"] == "print(' '.join(input().split()[::-1]))\n"
        assert result.structured_content["public_passed"] == 2
        assert any(m.startswith("revision") for m in progress)
        # SIGTERM: the server shuts down cleanly (closing its run) and exits 0.
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_port_in_use_is_one_line(model_server: FakeOpenAIServer) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "agentsstar",
                "mcp",
                "--http",
                str(port),
                *fake_model_args(model_server),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
            env={**server_env(), "PATH": "/usr/bin:/bin"},
        )
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"error: --http {port}: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


def _tcp_listeners() -> list[tuple[str, int]]:
    """(address, port) of every listening IPv4 TCP socket on this machine."""
    out = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] != "0A":  # LISTEN
            continue
        hex_addr, hex_port = fields[1].split(":")
        addr = socket.inet_ntoa(bytes.fromhex(hex_addr)[::-1])
        out.append((addr, int(hex_port, 16)))
    return out
