"""The public FakeOpenAIServer test double: protocol, concurrency, faults, shutdown."""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request
from typing import Any

import anyio
import pytest

from agentsstar.backends.base import GenerationParams, Message
from agentsstar.backends.openai_compat import OpenAICompatBackend
from agentsstar.testing import FakeOpenAIServer, Fault


def _post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
    req = urllib.request.Request(
        url + "/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read()), dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read()), dict(err.headers)


def test_lists_its_model() -> None:
    with FakeOpenAIServer(model="qwen-fake") as server:
        url = server.base_url + "/models"
        with urllib.request.urlopen(url, timeout=10) as resp:
            data = json.loads(resp.read())
    assert [m["id"] for m in data["data"]] == ["qwen-fake"]


def test_other_paths_and_wrong_keys_are_refused() -> None:
    def status(url: str, *, key: str | None = None, body: bytes | None = None) -> int:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        try:
            with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=10):
                return 200
        except urllib.error.HTTPError as err:
            return err.code

    chat = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).encode()
    with FakeOpenAIServer(api_key="sesame") as server:
        base = server.base_url
        assert status(base + "/models", key="sesame") == 200
        assert status(base + "/chat/completions", key="sesame", body=chat) == 200
        assert status(base + "/models", key="wrong") == 401
        assert status(base + "/chat/completions", body=chat) == 401
        assert status(base + "/nowhere", key="sesame") == 404
        assert status(base + "/nowhere", key="sesame", body=chat) == 404


def test_binds_loopback_only() -> None:
    with FakeOpenAIServer() as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        assert server.port > 0


def test_faults_are_consumed_in_order_then_replies_resume() -> None:
    faults = [Fault.rate_limit(retry_after=2), Fault.server_error(503)]
    with FakeOpenAIServer(lambda m, b: "fine", faults=faults) as server:
        body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
        first = _post(server.base_url, body)
        second = _post(server.base_url, body)
        third = _post(server.base_url, body)
    assert first[0] == 429 and first[2]["Retry-After"] == "2"
    assert first[1]["error"]["type"] == "rate_limit_error"
    assert second[0] == 503
    assert third[0] == 200
    assert third[1]["choices"][0]["message"]["content"] == "fine"
    assert third[1]["usage"]["total_tokens"] == (
        third[1]["usage"]["prompt_tokens"] + third[1]["usage"]["completion_tokens"]
    )
    assert server.request_count == 3


def test_malformed_request_is_a_400() -> None:
    with FakeOpenAIServer() as server:
        status, body, _ = _post(server.base_url, {"model": "m"})
    assert status == 400
    assert "messages" in body["error"]["message"]


def test_a_failing_reply_function_is_a_500() -> None:
    def broken(messages: list[dict[str, Any]], body: dict[str, Any]) -> str:
        raise RuntimeError("boom")

    with FakeOpenAIServer(broken) as server:
        status, body, _ = _post(server.base_url, {"model": "m", "messages": []})
    assert status == 500
    assert "boom" in body["error"]["message"]


@pytest.mark.anyio
async def test_requests_are_served_concurrently() -> None:
    # Every reply waits until all N requests are inside the server at once: this
    # only completes if the server really handles them concurrently. 32 opening at
    # once also overflows a small listen backlog (resets, and the backend here does
    # not retry), as socketserver's default of 5 did.
    n = 32
    barrier = threading.Barrier(n, timeout=20)

    def meet(messages: list[dict[str, Any]], body: dict[str, Any]) -> str:
        barrier.wait()
        return "met"

    texts: list[str] = []
    with FakeOpenAIServer(meet) as server:
        backend = OpenAICompatBackend("m", base_url=server.base_url, timeout=30)

        async def one() -> None:
            completion = await backend.complete([Message("user", "x")], GenerationParams())
            texts.append(completion.text)

        async with anyio.create_task_group() as tg:
            for _ in range(n):
                tg.start_soon(one)
        await backend.aclose()
    assert texts == ["met"] * n


def test_stop_wakes_delayed_handlers_and_closes_connections() -> None:
    server = FakeOpenAIServer(delay=60).start()
    errors: list[BaseException] = []

    def call() -> None:
        try:
            _post(server.base_url, {"model": "m", "messages": []})
        except BaseException as exc:
            errors.append(exc)

    client = threading.Thread(target=call)
    client.start()
    # Wait (bounded) until the request is inside the server, then stop it.
    for _ in range(200):
        if server.request_count:
            break
        threading.Event().wait(0.01)
    server.stop()
    client.join(timeout=10)
    assert not client.is_alive()
    assert errors  # the client saw the connection close instead of a reply


def test_stop_closes_idle_keep_alive_connections() -> None:
    # A client that keeps its connection open after a reply (as HTTP/1.1 clients do)
    # must not keep the server's handler thread, or stop(), waiting.
    server = FakeOpenAIServer().start()
    body = json.dumps({"model": "m", "messages": []}).encode()
    request = (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode()
        + b"\r\n\r\n" + body
    )  # fmt: skip
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(request)
        reply = b""
        while b'"usage"' not in reply:
            reply += conn.recv(65536)
        server.stop()
        leftovers = b""
        while chunk := conn.recv(65536):  # returns b"" once the server closed it
            leftovers += chunk
    assert reply.startswith(b"HTTP/1.1 200")
    assert leftovers == b""
