"""``agentsstar mcp``: serve ``solve`` and ``check`` to MCP clients (coding assistants).

stdio by default (the client starts the process); ``--http PORT`` serves streamable
HTTP on 127.0.0.1 only. The model, sandbox and strategy options are ``run``'s; the run
is opened once, before the first call, and shared by every call.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

import anyio
import typer

from agentsstar.cli._common import console, setup_logging
from agentsstar.cli._options import RunOptions, run_options
from agentsstar.errors import MissingDependencyError


def _require_sdk() -> None:
    try:
        import mcp  # noqa: F401
    except ImportError:
        raise MissingDependencyError("mcp", "mcp", "agentsstar mcp") from None


def register(app: typer.Typer) -> None:
    @app.command()
    @run_options
    def mcp(
        options: RunOptions,
        http: Annotated[
            int | None,
            typer.Option(
                "--http",
                min=0,
                max=65535,
                metavar="PORT",
                help="Serve streamable HTTP on 127.0.0.1:PORT/mcp instead of stdio "
                "(0: any free port).",
            ),
        ] = None,
    ) -> None:
        """Serve S* as MCP tools (solve, check) to coding assistants."""
        setup_logging(options.verbose)
        _require_sdk()
        from agentsstar.mcp import server

        if len(options.preset or []) > 1 or len(options.config or []) > 1:
            raise typer.BadParameter(
                "mcp takes one --preset and one --config", param_hint="--preset / --config"
            )
        [(_, preset, config)] = options.arms()
        cfg = options.resolve(preset, config)
        if options.no_cache:
            cfg = cfg.model_copy(update={"cache": None})
        if http is None:
            anyio.run(server.serve_stdio, cfg)
            return
        sock = server.listen(http)

        def ready(url: str) -> None:
            console.print(f"agentsstar mcp: serving streamable HTTP at {url}", highlight=False)

        anyio.run(partial(server.serve_http, cfg, sock, ready))
