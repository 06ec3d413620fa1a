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

from agentsstar.cli import _options as opt
from agentsstar.cli._common import console, setup_logging
from agentsstar.errors import MissingDependencyError


def _require_sdk() -> None:
    try:
        import mcp  # noqa: F401
    except ImportError:
        raise MissingDependencyError("mcp", "mcp", "agentsstar mcp") from None


def register(app: typer.Typer) -> None:
    @app.command()
    def mcp(
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
        model: opt.Model = None,
        base_url: opt.BaseUrl = None,
        sandbox: opt.Sandbox = None,
        preset: opt.Preset = None,
        config: opt.ConfigFile = None,
        sampling: opt.Sampling = None,
        revision: opt.Revision = None,
        selection: opt.Selection = None,
        samples: opt.Samples = None,
        rounds: opt.Rounds = None,
        temperature: opt.Temperature = None,
        max_tokens: opt.MaxTokens = None,
        seed: opt.Seed = None,
        param: opt.Params = None,
        deadline: Annotated[
            float | None,
            typer.Option(
                "--deadline", min=0.001, help="Give up on a call after this many seconds."
            ),
        ] = None,
        verbose: opt.Verbose = 0,
    ) -> None:
        """Serve S* as MCP tools (solve, check) to coding assistants."""
        setup_logging(verbose)
        _require_sdk()
        from agentsstar.mcp import server

        cfg = opt.resolve(
            preset=preset,
            config=config,
            model=model,
            base_url=base_url,
            sandbox=sandbox,
            sampling=sampling,
            revision=revision,
            selection=selection,
            samples=samples,
            rounds=rounds,
            temperature=temperature,
            max_tokens=max_tokens,
            seed=seed,
            params=param,
            extra={"deadline_s": deadline} if deadline is not None else None,
        )
        if http is None:
            anyio.run(server.serve_stdio, cfg)
            return
        sock = server.listen(http)

        def ready(url: str) -> None:
            console.print(f"agentsstar mcp: serving streamable HTTP at {url}", highlight=False)

        anyio.run(partial(server.serve_http, cfg, sock, ready))
