"""A small reader of the pages for tests: which elements there are, and the text
inside an element with a given id, as a browser's parser would see them."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

VOID = {"meta", "link", "br", "img", "hr", "input", "wbr", "col", "area", "base", "source"}


class Scan(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.starts: Counter[str] = Counter()
        self.ends: Counter[str] = Counter()
        self.attrs: list[tuple[str, dict[str, str | None]]] = []
        self.texts: dict[str, list[str]] = {}  # id -> text inside that element
        self._open: list[tuple[str, str | None, str | None]] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts[tag] += 1
        a = dict(attrs)
        self.attrs.append((tag, a))
        if tag in VOID:
            return
        self._open.append((tag, a.get("id"), a.get("class")))
        if a.get("id"):
            self.texts.setdefault(str(a["id"]), [])

    def handle_endtag(self, tag: str) -> None:
        self.ends[tag] += 1
        # Pop to the matching open tag, as a browser would.
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                return

    def handle_data(self, data: str) -> None:
        for _, ident, _ in self._open:
            if ident:
                self.texts[ident].append(data)

    def text(self, ident: str) -> str:
        return "".join(self.texts[ident])
