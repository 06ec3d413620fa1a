"""Small HTML building blocks. Every piece of text goes through ``esc``.

Model-written code, replies, inputs and outputs are untrusted: a program that prints
``</pre><script>`` must show as text. So nothing here accepts raw text as markup;
functions take text and return ``Html`` (already-escaped markup), and the only way
to make ``Html`` from a ``str`` is ``esc`` (or a literal in this package).
"""

from __future__ import annotations

import difflib
import html
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


class Html(str):
    """Markup that is safe to embed: built only from escaped text and literals."""

    __slots__ = ()


def esc(text: object) -> Html:
    return Html(html.escape(str(text), quote=True))


def join(parts: Iterable[Html | str]) -> Html:
    # A plain str among the parts is text, not markup: escape it.
    return Html("".join(p if isinstance(p, Html) else esc(p) for p in parts))


def tag(name: str, body: Html | str = "", *, cls: str | None = None, **attrs: object) -> Html:
    """``<name attrs>body</name>``; ``body`` is escaped unless it is ``Html``."""
    attrs_html = "".join(
        f' {k.rstrip("_").replace("_", "-")}="{esc(v)}"' for k, v in attrs.items() if v is not None
    )
    cls_html = f' class="{esc(cls)}"' if cls else ""
    inner = body if isinstance(body, Html) else esc(body)
    return Html(f"<{name}{cls_html}{attrs_html}>{inner}</{name}>")


def details(summary: Html | str, body: Html | str, *, open_: bool = False, cls: str = "") -> Html:
    """A collapsible block: readable without JavaScript."""
    opened = " open" if open_ else ""
    cls_html = f' class="{esc(cls)}"' if cls else ""
    head = summary if isinstance(summary, Html) else esc(summary)
    inner = body if isinstance(body, Html) else esc(body)
    return Html(f"<details{cls_html}{opened}><summary>{head}</summary>{inner}</details>")


# Long test inputs (CodeContests has megabytes) would make a page nobody can open;
# code is never cut, only data.
MAX_TEXT = 4000


def clip(text: str, limit: int = MAX_TEXT) -> Html:
    if len(text) <= limit:
        return esc(text)
    more = len(text) - limit
    return join([esc(text[:limit]), tag("span", f"… ({more:,} more characters)", cls="more")])


def as_text(value: Any) -> str:
    """A test input or output as a person reads it: strings as they are, the rest as JSON."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def pre(value: Any, *, cls: str = "data", limit: int | None = MAX_TEXT) -> Html:
    text = as_text(value)
    body = esc(text) if limit is None else clip(text, limit)
    return tag("pre", body, cls=cls)


def code_block(code: str | None) -> Html:
    if code is None:
        return tag("p", "no code could be extracted from the reply", cls="muted")
    return tag("pre", tag("code", code), cls="code")


def diff_block(before: str | None, after: str | None, *, label_a: str, label_b: str) -> Html:
    """A unified diff of two versions of a program, line by line coloured."""
    if before == after:
        return tag("p", "no change", cls="muted")
    lines = difflib.unified_diff(
        (before or "").splitlines(),
        (after or "").splitlines(),
        fromfile=label_a,
        tofile=label_b,
        lineterm="",
    )
    out = []
    for line in lines:
        if line.startswith(("+++", "---")):
            kind = "dh"
        elif line.startswith("@@"):
            kind = "dr"
        elif line.startswith("+"):
            kind = "da"
        elif line.startswith("-"):
            kind = "dd"
        else:
            kind = "dc"
        out.append(tag("span", line + "\n", cls=kind))
    return tag("pre", join(out), cls="diff")


def table(
    headers: Sequence[str], rows: Iterable[Sequence[Html | str]], *, cls: str = "", **attrs: object
) -> Html:
    head = join(tag("th", h, scope="col") for h in headers)
    body = join(tag("tr", join(tag("td", c) for c in row)) for row in rows)
    return tag("table", join([tag("thead", tag("tr", head)), tag("tbody", body)]), cls=cls, **attrs)


def badge(text: str, kind: str) -> Html:
    return tag("span", text, cls=f"badge {kind}")


def generic(value: Any) -> Html:
    """Any JSON value, for record fields this viewer does not know by name: a list of
    objects becomes a table, an object a key/value table, anything else text."""
    if isinstance(value, Mapping):
        if not value:
            return tag("span", "(empty)", cls="muted")
        return table(["field", "value"], [[str(k), generic(v)] for k, v in value.items()])
    if isinstance(value, list):
        if not value:
            return tag("span", "(none)", cls="muted")
        if all(isinstance(v, Mapping) for v in value):
            keys: list[str] = []
            for v in value:
                keys += [str(k) for k in v if str(k) not in keys]
            rows = [
                [str(i)] + [generic(v.get(k)) if k in v else "" for k in keys]
                for i, v in enumerate(value)
            ]
            return table(["#", *keys], rows)
        return tag("ol", join(tag("li", generic(v)) for v in value), start=0)
    if isinstance(value, str) and ("\n" in value or len(value) > 80):
        return pre(value)
    if value is None:
        return tag("span", "–", cls="muted")
    return tag("code", as_text(value))


def extras(raw: Mapping[str, Any] | None, known: Iterable[str]) -> dict[str, Any]:
    """Fields of a record that the page has no dedicated rendering for."""
    if not raw:
        return {}
    skip = set(known)
    return {k: v for k, v in raw.items() if k not in skip and v not in (None, [], {}, "")}


def extras_block(raw: Mapping[str, Any] | None, known: Iterable[str]) -> Html:
    more = extras(raw, known)
    if not more:
        return Html("")
    return tag("div", generic(more), cls="extras")
