"""``agentsstar mcp``: S* as Model Context Protocol tools for coding assistants.

- ``server``: the MCP server (official SDK) over stdio or streamable HTTP;
- ``tools``: what ``solve`` and ``check`` do with their arguments, apart from the protocol;
- ``schemas``: the arguments and results, and the JSON Schemas declared to clients;
- ``explain``: the plain-language account of why a program was chosen;
- ``progress``: the pipeline's events as progress notifications.

Needs the ``mcp`` extra (``pip install 'agentsstar[mcp]'``); only ``server`` imports it.
"""
