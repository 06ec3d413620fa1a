"""The page shell: inline style, a strict Content-Security-Policy, no outside fetch.

The policy is a second line of defence behind escaping: even if some model-written
text slipped through as markup, the browser would run no script the page did not
name by hash, and fetch nothing from anywhere.
"""

from __future__ import annotations

import base64
import hashlib

from agentsstar.viewer.components import Html, esc

CSS = """
:root { --fg:#1d2430; --muted:#667085; --line:#d0d5dd; --bg:#fff; --soft:#f4f6f9;
  --ok:#137333; --okbg:#e6f4ea; --bad:#b3261e; --badbg:#fce8e6; --warn:#8a5a00; --warnbg:#fff4d6;
  --acc:#1a56db; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
  background: var(--bg); margin: 0 auto; padding: 16px 24px 48px; max-width: 1200px; }
h1 { font-size: 22px; margin: 4px 0 2px; word-break: break-all; }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px;
  border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 16px 0 6px; }
h4 { font-size: 14px; margin: 14px 0 4px; }
a { color: var(--acc); }
.muted, .more { color: var(--muted); }
.sub { color: var(--muted); margin: 0 0 10px; }
pre { margin: 4px 0; padding: 8px 10px; background: var(--soft); border: 1px solid var(--line);
  border-radius: 4px; overflow: auto; max-height: 480px; white-space: pre; tab-size: 4;
  font: 12.5px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
pre.data { max-height: 160px; white-space: pre-wrap; word-break: break-all; margin: 0;
  padding: 4px 6px; }
pre.prose { white-space: pre-wrap; font-family: inherit; font-size: 14px; max-height: none; }
pre.diff span { display: block; }
.da { background: #e6ffec; color: #0a5c1f; } .dd { background: #ffebe9; color: #8e1519; }
.dr { color: #6f42c1; } .dh { color: var(--muted); font-weight: 600; }
table { border-collapse: collapse; margin: 4px 0 8px; width: 100%; }
th, td { border: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; }
td:first-child, th:first-child { width: 1%; white-space: nowrap; }
details { margin: 6px 0; }
details > summary { cursor: pointer; padding: 3px 0; }
details.cand { border: 1px solid var(--line); border-radius: 6px; padding: 4px 10px; }
details.cand[open] { padding-bottom: 10px; }
details.cand > summary { font-weight: 600; }
details.picked { border-color: var(--ok); box-shadow: inset 4px 0 0 var(--ok); }
.badge { display: inline-block; padding: 0 6px; border-radius: 9px; font-size: 12px;
  font-weight: 600; margin-left: 4px; border: 1px solid transparent; }
.badge.ok { color: var(--ok); background: var(--okbg); }
.badge.bad { color: var(--bad); background: var(--badbg); }
.badge.warn { color: var(--warn); background: var(--warnbg); }
.badge.info { color: var(--acc); background: #e8efff; }
.badge.plain { color: var(--muted); border-color: var(--line); }
.grid { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 6px 0; }
.grid > dt { color: var(--muted); } .grid > dd { margin: 0; }
.extras { margin: 6px 0; }
.diffrow td { background: #fffbe6; }
nav.top { font-size: 13px; margin-bottom: 6px; }
nav.toc a { margin-right: 12px; }
th.sortable { cursor: pointer; white-space: nowrap; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
"""


def _script_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode()).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


def document(title: str, body: Html, *, script: str | None = None) -> str:
    """A whole page; ``script`` (a literal of this package, never data) is inlined and
    allowed by its hash, any other script is refused by the policy."""
    allowed = _script_hash(script) if script else "'none'"
    policy = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src {allowed}; base-uri 'none'; form-action 'none'"
    )
    script_html = f"<script>{script}</script>" if script else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(policy)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="generator" content="agentsstar view">'
        # An empty icon: otherwise the browser asks for /favicon.ico, which the policy
        # refuses with a console error.
        '<link rel="icon" href="data:,">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>"
        f"<body>{body}{script_html}</body></html>\n"
    )
