"""``FakeOpenAIServer``: a real OpenAI-compatible HTTP server for tests and benchmarks.

It speaks the same protocol as ``vllm serve`` (``POST /v1/chat/completions``,
``GET /v1/models``) over a real socket on 127.0.0.1, so the whole client stack (SDK,
httpx, error translation, retries) runs exactly as in production. Replies come from a
plain function; faults (429 with ``Retry-After``, 5xx, a dropped connection) are
scripted in a queue::

    def reply(messages, body):
        return "```python\\nprint(sum(map(int, input().split())))\\n```"

    with FakeOpenAIServer(reply, delay=0.05) as server:
        server.inject(Fault.rate_limit(retry_after=0.01), Fault.drop())
        backend = OpenAICompatBackend("fake", base_url=server.base_url)

Requests are served concurrently (one thread each), so N concurrent requests with a
delay ``d`` all finish after about ``d``: benchmarks of pipeline concurrency rely on it.
The server binds 127.0.0.1 on a free port, bounds the threads and body sizes it
accepts, and shuts down (closing open connections) when the ``with`` block ends.
"""

from __future__ import annotations

import collections
import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

ReplyFn = Callable[[list[dict[str, Any]], dict[str, Any]], str]
FaultKind = Literal["status", "drop"]

MAX_BODY_BYTES = 8 * 1024 * 1024


def _default_reply(messages: list[dict[str, Any]], body: dict[str, Any]) -> str:
    return "ok"


def count_tokens(text: str) -> int:
    """The fake tokenizer: about four characters a token, at least one."""
    return max(1, len(text) // 4)


@dataclass(frozen=True, slots=True)
class Fault:
    """One scripted failure, consumed by one request.

    ``status``: answer with that HTTP status and an OpenAI-style error body (plus
    ``Retry-After`` / ``retry-after-ms`` headers when given). ``drop``: read the request,
    then close the connection without answering.
    """

    kind: FaultKind
    status: int = 500
    retry_after: float | None = None
    retry_after_ms: int | None = None
    message: str = "injected fault"

    @classmethod
    def rate_limit(
        cls, retry_after: float | None = None, *, retry_after_ms: int | None = None
    ) -> Fault:
        return cls("status", 429, retry_after, retry_after_ms, "Rate limit reached (injected)")

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        return cls("status", status, message=f"injected server error {status}")

    @classmethod
    def http(cls, status: int, message: str = "injected error") -> Fault:
        return cls("status", status, message=message)

    @classmethod
    def drop(cls) -> Fault:
        return cls("drop")


@dataclass
class _State:
    reply: ReplyFn
    delay: float
    model: str
    api_key: str | None
    faults: collections.deque[Fault] = field(default_factory=collections.deque)
    persistent_fault: Fault | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)  # time.monotonic() of each request
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    connections: set[socket.socket] = field(default_factory=set)
    idle: threading.Condition = field(default_factory=threading.Condition)

    def next_fault(self) -> Fault | None:
        with self.lock:
            if self.faults:
                return self.faults.popleft()
            return self.persistent_fault


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a stuck handler must never keep the process alive
    # server_close() would otherwise join every handler thread without a time limit;
    # FakeOpenAIServer.stop() waits for them itself, bounded.
    block_on_close = False
    allow_reuse_address = False
    # socketserver's default backlog of 5 overflows when a pipeline opens a dozen
    # connections at once, and the kernel then resets some of them; real servers
    # (uvicorn, vLLM) listen with a backlog in the thousands.
    request_queue_size = 1024
    state: _State
    slots: threading.BoundedSemaphore

    def process_request(self, request: Any, client_address: Any) -> None:
        # Bound the number of handler threads: beyond the limit, refuse the
        # connection rather than spawn without end.
        if not self.slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        state = self.state
        with state.lock:
            state.connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with state.lock:
                state.connections.discard(request)
            self.slots.release()
            with state.idle:
                state.idle.notify_all()


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 with Content-Length keeps connections alive, as real servers do.
    protocol_version = "HTTP/1.1"
    server: _Server
    # An idle keep-alive connection is closed after this, so threads are bounded in time.
    timeout = 30.0

    def log_message(self, format: str, *args: Any) -> None:
        return None  # stay quiet: tests and benchmarks read their own output

    def _send_json(
        self, status: int, payload: object, headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        kind = {
            400: "invalid_request_error",
            401: "authentication_error",
            404: "not_found_error",
            429: "rate_limit_error",
        }.get(status, "server_error")
        body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
        self._send_json(status, body, headers)

    def _refused(self, route: str) -> bool:
        """Answer 404 when the request is not for ``route``, 401 when its key is wrong;
        whether it was answered so."""
        if self.path.rstrip("/") != route:
            self._error(404, f"no route {self.path}")
            return True
        expected = self.server.state.api_key
        if expected is not None and self.headers.get("Authorization") != f"Bearer {expected}":
            self._error(401, "invalid api key")
            return True
        return False

    def do_GET(self) -> None:
        state = self.server.state
        if self._refused("/v1/models"):
            return
        entry = {"id": state.model, "object": "model", "created": 0, "owned_by": "agentsstar"}
        self._send_json(200, {"object": "list", "data": [entry]})

    def do_POST(self) -> None:
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            self._error(413, "request body too large")
            return
        raw = self.rfile.read(length)
        if self._refused("/v1/chat/completions"):
            return
        try:
            body = json.loads(raw)
            messages = body["messages"]
            if not isinstance(messages, list):
                raise TypeError("messages must be a list")
        except (ValueError, KeyError, TypeError) as exc:
            self._error(400, f"bad request: {exc}")
            return
        with state.lock:
            state.requests.append(body)
            state.arrivals.append(time.monotonic())
        fault = state.next_fault()
        # The delay applies to faults too, like a slow server; wait on the stop event
        # so shutting down never waits for a sleeping handler.
        if state.delay > 0 and state.stopping.wait(state.delay):
            self.close_connection = True
            return
        if fault is not None:
            self._fault(fault)
            return
        try:
            text = state.reply(messages, body)
        except Exception as exc:  # a broken reply function is a 500, visibly
            self._error(500, f"reply function raised {type(exc).__name__}: {exc}")
            return
        prompt_tokens = sum(count_tokens(str(m.get("content") or "")) for m in messages)
        completion_tokens = count_tokens(text)
        payload = {
            "id": f"chatcmpl-fake-{len(state.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": str(body.get("model", state.model)),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
        self._send_json(200, payload)

    def _fault(self, fault: Fault) -> None:
        if fault.kind == "drop":
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        headers: dict[str, str] = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = f"{fault.retry_after:g}"
        if fault.retry_after_ms is not None:
            headers["retry-after-ms"] = str(fault.retry_after_ms)
        self._error(fault.status, fault.message, headers)


class FakeOpenAIServer:
    """An OpenAI-compatible chat server on 127.0.0.1 for tests (see module docstring).

    Args:
        reply: ``fn(messages, body) -> str``; ``messages`` are the request's message
            dicts and ``body`` the whole JSON request (model, temperature, seed, ...).
            Called from server threads, possibly concurrently. Raising gives a 500.
        delay: seconds every chat request waits before it is answered.
        faults: failures consumed in order, one per chat request, before normal replies.
        model: the model id listed by ``GET /v1/models``.
        api_key: when set, requests must carry ``Authorization: Bearer <api_key>``.
        max_connections: connections served at once; more are refused.
    """

    def __init__(
        self,
        reply: ReplyFn | None = None,
        *,
        delay: float = 0.0,
        faults: Iterable[Fault] = (),
        model: str = "fake-model",
        api_key: str | None = None,
        max_connections: int = 256,
    ) -> None:
        if delay < 0:
            raise ValueError("delay must be >= 0")
        self._state = _State(
            reply=reply or _default_reply, delay=delay, model=model, api_key=api_key
        )
        self._state.faults.extend(faults)
        self._max_connections = max_connections
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------
    def start(self) -> FakeOpenAIServer:
        """Bind 127.0.0.1 on a free port and serve in a background thread."""
        if self._server is not None:
            raise RuntimeError("server already started")
        server = _Server(("127.0.0.1", 0), _Handler)
        server.state = self._state
        server.slots = threading.BoundedSemaphore(self._max_connections)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-openai-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving, wake delayed handlers and close open connections.

        Waits up to ``timeout`` seconds for handler threads to finish (a reply function
        that never returns is left behind in its daemon thread).
        """
        server, self._server = self._server, None
        if server is None:
            return
        state = self._state
        state.stopping.set()
        server.shutdown()  # no new connections from here on
        # Wake handlers blocked reading an idle keep-alive connection.
        with state.lock:
            open_connections = list(state.connections)
        for conn in open_connections:
            # OSError: already closed by its handler.
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        with state.idle:
            state.idle.wait_for(lambda: not state.connections, timeout=timeout)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=timeout)

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("server not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """The ``/v1`` URL to give a client, e.g. ``http://127.0.0.1:PORT/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    # -- scripting and inspection ------------------------------------------------------
    def inject(self, *faults: Fault) -> None:
        """Queue faults; each is consumed by the next chat request."""
        with self._state.lock:
            self._state.faults.extend(faults)

    def fail_always(self, fault: Fault | None) -> None:
        """Answer every chat request with ``fault`` once the queue is empty (None: stop)."""
        with self._state.lock:
            self._state.persistent_fault = fault

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Copies of the JSON bodies of every chat request received, in order."""
        with self._state.lock:
            return list(self._state.requests)

    @property
    def request_times(self) -> list[float]:
        """``time.monotonic()`` at which each chat request arrived, in order: the gaps
        show how long a client waited between retries."""
        with self._state.lock:
            return list(self._state.arrivals)

    @property
    def request_count(self) -> int:
        """Chat requests received, including the ones answered with a fault."""
        with self._state.lock:
            return len(self._state.requests)
