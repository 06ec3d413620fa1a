"""The MCP server: ``solve`` and ``check`` on one open ``Run``, over stdio or
streamable HTTP (built on the official SDK's low-level ``Server``).

Every call runs in the request's own task: when the client cancels it, the SDK
cancels that task, the pipeline stops and the sandbox kills the programs it was
running. Whatever a call does wrong comes back as a tool error (``isError``) with one
line; the server itself goes on serving.
"""

from __future__ import annotations

import json
import signal
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import anyio
import mcp.types as types
import structlog
import uvicorn
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from mcp.shared.exceptions import MCPError
from pydantic import BaseModel

from agentsstar.assembly import Run, open_run
from agentsstar.config import RunConfig
from agentsstar.errors import (
    ConfigError,
    InfrastructureError,
    UserError,
    leaves,
    unwrap_group,
)
from agentsstar.mcp import tools
from agentsstar.mcp.progress import ProgressRelay
from agentsstar.mcp.schemas import CheckArgs, CheckOutput, SolveArgs, SolveOutput, tool_schema

log = structlog.get_logger(__name__)

NAME = "agentsstar"
HOST = "127.0.0.1"  # never another interface: the tools run code on this machine

SOLVE_DOC = (
    "Write a Python program for a programming problem with S*: sample several "
    "candidates, debug each on the public tests by running it, then pick one by "
    "running the survivors on synthesised inputs and asking the model to judge where "
    "they differ. Give either `problem` (a problem-file object) or `prompt` with "
    "`tests`. Returns the chosen code, its public-test score, every candidate's score "
    "and cluster, token usage and a plain account of why this program was chosen. "
    "Sends progress notifications; cancelling the call stops the run."
)
CHECK_DOC = (
    "Run a Python program on tests in agentsstar's sandbox (time and memory limits, "
    "no network) and return a verdict per test: accepted, wrong_answer, "
    "runtime_error, time_limit, memory_limit or output_limit, with the actual output."
)


def _tool(
    name: str,
    title: str,
    doc: str,
    args: type[BaseModel],
    output: type[BaseModel],
    *,
    idempotent: bool = False,
) -> types.Tool:
    return types.Tool(
        name=name,
        title=title,
        description=doc,
        input_schema=tool_schema(args, optional_null=False),
        output_schema=tool_schema(output, optional_null=True),
        annotations=types.ToolAnnotations(read_only_hint=True, idempotent_hint=idempotent or None),
    )


TOOLS = [
    _tool("solve", "Solve a programming problem with S*", SOLVE_DOC, SolveArgs, SolveOutput),
    _tool(
        "check",
        "Run a program on tests in the sandbox",
        CHECK_DOC,
        CheckArgs,
        CheckOutput,
        idempotent=True,
    ),
]


def _error(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)


def _result(out: BaseModel) -> types.CallToolResult:
    data = out.model_dump(mode="json")
    # Clients that ignore structured content still get it, as JSON text.
    text = json.dumps(data, ensure_ascii=False)
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)], structured_content=data
    )


def describe_failure(exc: Exception) -> str:
    """One line for a failed call."""
    if isinstance(exc, tools.ToolCallError | UserError):
        return str(exc)
    if isinstance(exc, InfrastructureError):
        return f"{type(exc).__name__}: {exc}"
    if isinstance(exc, TimeoutError):
        return "the run's deadline passed before it finished"
    return f"internal error: {type(exc).__name__}: {exc}"


def _one(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The exception a caller should see from a failed task group."""
    exc = unwrap_group(group)
    if isinstance(exc, BaseExceptionGroup):
        # Not one of ours: the first real failure, not the cancellations it caused.
        cancelled = anyio.get_cancelled_exc_class()
        found = [e for e in leaves(exc) if not isinstance(e, cancelled)]
        return found[0] if found else exc
    return exc


def build_server(run: Run) -> Server[Any]:
    """An MCP server whose tools use ``run`` (opened once, shared by every call)."""

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=TOOLS)

    async def solve(ctx: ServerRequestContext[Any], arguments: dict[str, Any]) -> SolveOutput:
        call_run, problem = tools.prepare_solve(run, arguments)
        relay = ProgressRelay()
        async with anyio.create_task_group() as tg:
            tg.start_soon(relay.forward, ctx.session.report_progress)
            try:
                out = await tools.solve(call_run, problem, relay)
            finally:
                relay.close()
        return out

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        arguments = params.arguments or {}
        if params.name not in ("solve", "check"):
            message = f"unknown tool {params.name!r}; tools: solve, check"
            raise MCPError(types.INVALID_PARAMS, message)
        try:
            try:
                if params.name == "solve":
                    return _result(await solve(ctx, arguments))
                return _result(await tools.check(run, arguments))
            except BaseExceptionGroup as group:
                raise _one(group) from None
        except Exception as exc:
            expected = tools.ToolCallError | UserError | InfrastructureError | TimeoutError
            if not isinstance(exc, expected):
                log.exception("mcp.tool_failed", tool=params.name)
            return _error(describe_failure(exc))

    return Server(
        NAME,
        version=_version(),
        instructions="agentsstar: `solve` writes a program for a problem with S* "
        "(sample, debug on public tests, select by execution); `check` runs a program "
        "on tests in a sandbox.",
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("agentsstar")
    except PackageNotFoundError:
        return "0"


@asynccontextmanager
async def _on_signals(stop: Callable[[], None]) -> AsyncIterator[None]:
    """SIGINT / SIGTERM call ``stop``, so the server winds down and the run (model,
    sandbox runners) is closed on the way out instead of killed mid-air."""

    async def watch() -> None:
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async for signum in signals:
                log.info("mcp.signal", signal=signal.Signals(signum).name)
                stop()
                return

    async with anyio.create_task_group() as tg:
        tg.start_soon(watch)
        yield
        tg.cancel_scope.cancel()


async def serve_stdio(cfg: RunConfig) -> None:
    """Serve over this process's stdin and stdout until the client closes stdin."""
    # While serving, the SDK points fd 1 at stderr: nothing a model library prints
    # can corrupt the protocol stream, warm-up included.
    with anyio.CancelScope() as scope:
        async with (
            _on_signals(scope.cancel),
            stdio_server() as (read, write),
            open_run(cfg) as run,
        ):
            server = build_server(run)
            await server.run(read, write, server.create_initialization_options())


def listen(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1 (``port`` 0: any free port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        raise ConfigError(f"--http {port}: cannot listen on {HOST}:{port}: {reason}") from None
    return sock


class _Uvicorn(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        # One owner for SIGINT / SIGTERM (``_on_signals``), which stops uvicorn and
        # then closes the run; uvicorn would also re-raise the signal when done.
        yield


async def serve_http(cfg: RunConfig, sock: socket.socket, ready: Callable[[str], None]) -> None:
    """Serve streamable HTTP at ``http://127.0.0.1:PORT/mcp`` on ``sock`` until a
    signal; ``ready`` is given the URL once the run is open."""
    async with open_run(cfg) as run:
        server = build_server(run)
        app = server.streamable_http_app(host=HOST)
        # Open event streams would hold a graceful shutdown forever; cut them.
        config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=3)
        web = _Uvicorn(config)

        def stop() -> None:
            web.should_exit = True

        async with _on_signals(stop):
            ready(f"http://{HOST}:{sock.getsockname()[1]}/mcp")
            await web.serve(sockets=[sock])
