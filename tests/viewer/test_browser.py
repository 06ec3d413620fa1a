"""The pages in a real headless browser: Debian's chromium driven by playwright.

Install both with ``scripts/install-browser.sh`` (``scripts/test.sh`` calls it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentsstar.problem import Problem
from agentsstar.records import Result
from agentsstar.viewer import result_page

from .conftest import HOSTILE

CHROMIUM = Path("/usr/bin/chromium")

if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing: run scripts/install-browser.sh (apt-get install chromium)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is missing: pip install 'agentsstar[dev]'"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM))
        yield b
        b.close()


class Watched:
    """A page with every console error and uncaught exception it produced."""

    def __init__(self, browser: Any) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed {r.url}"))


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    w = Watched(browser)
    yield w
    w.page.close()


def test_result_page_renders_clean_and_a_candidate_opens_to_its_code(
    watched: Watched, result: Result, problem: Problem, tmp_path: Path
) -> None:
    path = tmp_path / "page.html"
    path.write_text(result_page(result, problem=problem))
    page = watched.page
    page.goto(path.as_uri())
    assert page.title() == "reverse-words · agentsstar"
    [hostile] = [c.index for c in result.candidates if c.code == HOSTILE]
    block = page.locator(f"#cand-{hostile}")
    code = block.locator("pre.code").first
    assert not code.is_visible()  # collapsed until asked for
    block.locator("summary").first.click()
    assert code.is_visible()
    assert code.inner_text() == HOSTILE
    # The hostile comment's script never ran, and nothing went wrong on the page.
    assert page.evaluate("window.PWNED") is None
    assert watched.errors == []


def test_run_index_sorts_on_click_and_links_to_pages(
    watched: Watched, result: Result, problem: Problem, tmp_path: Path
) -> None:
    from agentsstar.evaluation.store import ProblemRecord, RunStore

    # A small run directory written the way an eval writes one.
    store = RunStore(tmp_path / "run")
    store.create({"bench": "/nowhere", "run": {"model": "scripted"}})
    for i, (name, tokens) in enumerate([("b-two", 300), ("a-one", 2000), ("c-three", 40)]):
        one = result.model_copy(update={"problem_id": name})
        rec = ProblemRecord(id=name, passed=i != 1, seconds=1.0 + i, candidates=4)
        rec.usage.prompt_tokens = tokens
        store.save(rec, one)
    from agentsstar.viewer import write_run_view

    assert write_run_view(store.dir, tmp_path / "view") == 3
    page = watched.page
    page.goto((tmp_path / "view" / "index.html").as_uri())

    def column(n: int) -> list[str]:
        cells = page.locator(f"table.sortable tbody tr td:nth-child({n})")
        return [t.strip() for t in cells.all_inner_texts()]

    assert column(1) == ["a-one", "b-two", "c-three"]  # by id, without any script
    page.locator("table.sortable th", has_text="tokens").click()
    assert column(1) == ["c-three", "b-two", "a-one"]  # 40 < 300 < 2,000: numbers, not text
    page.locator("table.sortable th", has_text="tokens").click()
    assert column(1) == ["a-one", "b-two", "c-three"]
    page.locator("table.sortable a", has_text="b-two").click()
    page.wait_for_load_state()
    assert page.title() == "b-two · agentsstar"
    assert page.locator("h1").inner_text() == "b-two"
    assert watched.errors == []
