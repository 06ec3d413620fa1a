"""A run directory as a folder of pages: ``index.html`` with a table of the problems,
and one page per problem that has a full result.

Everything is read and checked before anything is written, and each file is written
atomically, so a bad run directory leaves no half-made view behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentsstar.evaluation.store import ProblemRecord, RunStore
from agentsstar.files import write_atomic
from agentsstar.viewer.components import Html, badge, details, esc, generic, join, tag
from agentsstar.viewer.document import document
from agentsstar.viewer.load import load_bench, load_config, load_records, load_result
from agentsstar.viewer.page import result_page

# Click-to-sort on the headers. The table is complete and readable without it; the
# page's policy allows this script (by its hash) and no other.
SORT_SCRIPT = """
(function () {
  function key(td) {
    var v = td.getAttribute("data-v");
    if (v === null) v = td.textContent.trim();
    var n = Number(v);
    return v !== "" && !isNaN(n) ? n : v;
  }
  document.querySelectorAll("table.sortable").forEach(function (t) {
    var heads = t.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.classList.add("sortable");
      th.tabIndex = 0;
      th.title = "sort by this column";
      function sort() {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = t.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[col]), y = key(b.cells[col]);
          var r = typeof x === "number" && typeof y === "number"
            ? x - y : String(x).localeCompare(String(y), undefined, {numeric: true});
          return asc ? r : -r;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") sort(); });
    });
  });
})();
"""


def page_name(store: RunStore, problem_id: str) -> str:
    """The page of a problem is named like its result file."""
    return store.result_path(problem_id).stem + ".html"


def _td(content: Html | str, sort_key: object | None = None, *, cls: str | None = None) -> Html:
    return tag("td", content, cls=cls, data_v=sort_key)


def _verdict(rec: ProblemRecord) -> tuple[Html, int]:
    if rec.error:
        return badge(rec.error_kind or "error", "warn"), 0
    if rec.passed is None:
        return badge("not scored", "plain"), 1
    return (badge("passed", "ok"), 3) if rec.passed else (badge("failed", "bad"), 2)


def _row(rec: ProblemRecord, link: str | None) -> Html:
    verdict, rank = _verdict(rec)
    name: Html = tag("a", rec.id, href=link) if link else esc(rec.id)
    tokens = rec.usage.prompt_tokens + rec.usage.completion_tokens
    oracle = (
        f"{rec.candidates_passed}/{rec.candidates}" if rec.candidates_passed is not None else "–"
    )
    cells = [
        _td(name, rec.id),
        _td(verdict, rank),
        _td("–" if rec.selected is None else f"#{rec.selected}", rec.selected, cls="num"),
        _td(str(rec.candidates), rec.candidates, cls="num"),
        _td(oracle, rec.candidates_passed if rec.candidates_passed is not None else -1, cls="num"),
        _td(f"{tokens:,}", tokens, cls="num"),
        _td(f"{rec.usage.llm_calls:,}", rec.usage.llm_calls, cls="num"),
        _td(f"{rec.seconds:.1f}", round(rec.seconds, 3), cls="num"),
        _td(rec.difficulty or "–"),
        _td(rec.error or ""),
    ]
    return tag("tr", join(cells))


HEADERS = (
    "problem", "verdict", "picked", "candidates", "candidates passing private",
    "tokens", "model calls", "seconds", "difficulty", "error",
)  # fmt: skip


def index_page(
    run_dir: Path, config: dict[str, Any], records: Sequence[ProblemRecord], links: dict[str, str]
) -> str:
    scored = [r for r in records if r.passed is not None]
    passed = sum(bool(r.passed) for r in scored)
    errors = sum(1 for r in records if r.error)
    run = config.get("run", {})
    stages = _stages(config)
    head = tag("h1", f"Run {run_dir.name}")
    sub = tag(
        "p",
        join(
            [
                esc(f"{run.get('model', '?')} · {stages} · {len(records)} problems · "),
                badge(
                    f"passed {passed}/{len(scored)}",
                    "ok" if scored and passed == len(scored) else "info",
                ),
                badge(f"{errors} errors", "warn") if errors else Html(""),
            ]
        ),
        cls="sub",
    )
    rows = sorted(records, key=lambda r: r.id)
    thead = tag("thead", tag("tr", join(tag("th", h, scope="col") for h in HEADERS)))
    tbody = tag("tbody", join(_row(r, links.get(r.id)) for r in rows))
    tbl = tag("table", join([thead, tbody]), cls="sortable")
    hint = tag(
        "p",
        "Click a problem for its page; click a column header to sort (with JavaScript on).",
        cls="muted",
    )
    settings = details("run settings (config.json)", generic(config))
    body = join([head, sub, hint, tbl, settings])
    return document(f"Run {run_dir.name} · agentsstar", body, script=SORT_SCRIPT)


@dataclass
class RunView:
    """A run directory, read and checked, ready to be written as pages."""

    run_dir: Path
    config: dict[str, Any]
    records: list[ProblemRecord]
    with_pages: list[ProblemRecord]

    @property
    def store(self) -> RunStore:
        return RunStore(self.run_dir)

    def write(self, out_dir: Path) -> int:
        problems = load_bench(self.config)
        links: dict[str, str] = {}
        for rec in self.with_pages:
            result, raw = load_result(self.store.result_path(rec.id))
            name = page_name(self.store, rec.id)
            page = result_page(result, problem=problems.get(rec.id), raw=raw, back="index.html")
            write_atomic(out_dir / name, page)
            links[rec.id] = name
        index = index_page(self.run_dir, self.config, self.records, links)
        write_atomic(out_dir / "index.html", index)
        return len(links)


def read_run(run_dir: Path) -> RunView:
    """Read ``run_dir`` and check every result file in it, writing nothing."""
    config = load_config(run_dir)
    records = load_records(run_dir)
    store = RunStore(run_dir)
    with_pages = []
    for rec in records:
        path = store.result_path(rec.id)
        if path.exists():
            load_result(path)
            with_pages.append(rec)
    return RunView(run_dir, config, records, with_pages)


def write_run_view(run_dir: Path, out_dir: Path) -> int:
    """Write ``out_dir/index.html`` and a page per problem; return the pages written."""
    return read_run(run_dir).write(out_dir)


def _stages(config: dict[str, Any]) -> str:
    run = config.get("run", {})
    return " → ".join(
        str(run[s].get("name", "?")) if isinstance(run.get(s), dict) else "?"
        for s in ("sampling", "revision", "selection")
    )


def arms_index_page(eval_dir: Path, views: Sequence[tuple[str, RunView]]) -> str:
    rows = []
    for name, view in views:
        scored = [r for r in view.records if r.passed is not None]
        passed = sum(bool(r.passed) for r in scored)
        errors = sum(1 for r in view.records if r.error)
        cells = [
            _td(tag("a", name, href=f"{name}/index.html"), name),
            _td(str(view.config.get("run", {}).get("model", "?"))),
            _td(_stages(view.config)),
            _td(str(len(view.records)), len(view.records), cls="num"),
            _td(f"{passed}/{len(scored)}", passed / len(scored) if scored else -1, cls="num"),
            _td(str(errors), errors, cls="num"),
        ]
        rows.append(tag("tr", join(cells)))
    headers = ("arm", "model", "strategies", "problems", "passed", "errors")
    thead = tag("thead", tag("tr", join(tag("th", h, scope="col") for h in headers)))
    tbl = tag("table", join([thead, tag("tbody", join(rows))]), cls="sortable")
    body = join([tag("h1", f"Eval {eval_dir.name}"), tag("p", "one run per arm", cls="sub"), tbl])
    return document(f"Eval {eval_dir.name} · agentsstar", body, script=SORT_SCRIPT)


def write_arms_view(eval_dir: Path, out_dir: Path) -> int:
    """An eval of several arms: ``out_dir/index.html`` listing the arms, and each
    arm's run view in ``out_dir/<arm>/``. Returns the problem pages written."""
    from agentsstar.evaluation.report import run_dirs

    views = [(d.name, read_run(d)) for d in run_dirs([eval_dir])]  # all checked first
    pages = sum(view.write(out_dir / name) for name, view in views)
    write_atomic(out_dir / "index.html", arms_index_page(eval_dir, views))
    return pages
