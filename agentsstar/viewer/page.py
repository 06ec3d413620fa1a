"""One result as a page: the problem, every candidate and its rounds, the selection,
the pick, usage and timings.

Fields a record gains later are not lost: each section shows the fields it does not
know by name in a generic table (``components.extras_block``), so an older viewer
still shows a newer result's extra detail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agentsstar.problem import Problem
from agentsstar.records import (
    Candidate,
    Comparison,
    InputSource,
    InputSynthesis,
    PrivateScore,
    Result,
    SelectionRecord,
    TestOutcome,
    Usage,
)
from agentsstar.viewer.components import (
    Html,
    badge,
    code_block,
    details,
    diff_block,
    esc,
    extras_block,
    generic,
    join,
    pre,
    table,
    tag,
)
from agentsstar.viewer.document import document

Raw = Mapping[str, Any]


# The fields each section renders itself. Anything else a record holds (a field added
# to the model later, or one from a newer agentsstar in the file) is shown generically.
RESULT_SHOWN = {
    "problem_id", "model", "models", "strategies", "selected", "candidates", "selection",
    "usage", "timings", "private", "candidates_private", "budget",
}  # fmt: skip
CANDIDATE_SHOWN = {"index", "note", "attempts"}
ATTEMPT_SHOWN = {"round", "code", "reply", "public"}
SELECTION_SHOWN = {
    "strategy", "selected", "pool", "inputs", "discarded_inputs", "clusters", "comparisons",
    "upper_bound", "note", "synthesis", "sources", "input_sources",
}  # fmt: skip
COMPARISON_SHOWN = {
    "a", "b", "inputs", "outputs_a", "outputs_b", "predictions", "votes", "winner", "reason",
    "synthesis",
}  # fmt: skip
USAGE_SHOWN = {
    "llm_calls", "prompt_tokens", "completion_tokens", "cached_calls", "cached_tokens",
    "by_stage", "by_model",
}  # fmt: skip


def _at(raw: Raw | None, *path: str | int) -> Any:
    """``raw[path...]`` or None: the raw JSON of a sub-record, for its extra fields."""
    node: Any = raw
    for key in path:
        if isinstance(key, int):
            node = node[key] if isinstance(node, list) and 0 <= key < len(node) else None
        else:
            node = node.get(key) if isinstance(node, Mapping) else None
        if node is None:
            return None
    return node


def _dl(items: Sequence[tuple[str, Html | str]]) -> Html:
    return tag("dl", join(join([tag("dt", k), tag("dd", v)]) for k, v in items), cls="grid")


def _score(passed: int, total: int) -> Html:
    if total == 0:
        return badge("no public tests", "plain")
    return badge(f"public {passed}/{total}", "ok" if passed == total else "bad")


def _grade(grade: str) -> Html:
    return badge(grade.replace("_", " "), "ok" if grade == "accepted" else "bad")


def _cand_link(index: int | None) -> Html:
    if index is None:
        return tag("span", "none", cls="muted")
    return tag("a", f"#{index}", href=f"#cand-{index}")


# -- problem -----------------------------------------------------------------------


def _public_tests(result: Result, problem: Problem | None) -> list[tuple[Any, Any]]:
    if problem is not None:
        return [(t.input, t.output) for t in problem.public_tests]
    # Without the problem file the tests are still known: every candidate ran them.
    for cand in result.candidates:
        for attempt in cand.attempts:
            if attempt.public:
                return [(t.input, t.expected) for t in attempt.public]
    return []


def problem_section(result: Result, problem: Problem | None) -> Html:
    parts: list[Html] = []
    if problem is None:
        parts.append(
            tag(
                "p",
                "The problem statement is not in the result file; pass --problem FILE to show it.",
                cls="muted",
            )
        )
    else:
        facts: list[tuple[str, Html | str]] = [("kind", problem.kind)]
        if problem.entry_point:
            facts.append(("entry point", tag("code", problem.entry_point)))
        facts.append(("limits", f"{problem.time_limit_s:g} s, {problem.memory_limit_mb} MB"))
        if problem.difficulty:
            facts.append(("difficulty", problem.difficulty))
        facts.append(("private tests", str(len(problem.private_tests))))
        parts.append(_dl(facts))
        parts.append(tag("pre", problem.prompt, cls="prose"))
        if problem.starter_code:
            parts.append(details("starter code", code_block(problem.starter_code)))
    tests = _public_tests(result, problem)
    rows = [[str(i), pre(inp), pre(out)] for i, (inp, out) in enumerate(tests)]
    parts.append(tag("h3", f"Public tests ({len(tests)})"))
    parts.append(table(["#", "input", "expected"], rows) if rows else tag("p", "none", cls="muted"))
    return join(parts)


# -- candidates --------------------------------------------------------------------


def outcomes_table(outcomes: Sequence[TestOutcome]) -> Html:
    rows = []
    for i, t in enumerate(outcomes):
        rows.append(
            [
                str(i),
                _grade(t.grade),
                pre(t.input),
                pre(t.expected),
                pre(t.actual) if t.actual is not None else tag("span", "–", cls="muted"),
                pre(t.error) if t.error else "",
                f"{t.seconds:.3f}",
            ]
        )
    return table(["#", "verdict", "input", "expected", "actual", "error", "s"], rows)


def _round(cand: Candidate, k: int, raw: Raw | None) -> Html:
    attempt = cand.attempts[k]
    total = len(attempt.public)
    head = join(
        [
            esc("sample" if attempt.round == 0 else f"round {attempt.round}"),
            _score(attempt.public_passed, total) if attempt.code is not None else Html(""),
            badge("sandbox error", "warn") if attempt.infra_failed else Html(""),
        ]
    )
    parts = [tag("h4", head)]
    if k > 0:
        before = cand.attempts[k - 1]
        label_a = "sample" if before.round == 0 else f"round {before.round}"
        label_b = f"round {attempt.round}"
        parts.append(tag("div", "what changed:", cls="muted"))
        parts.append(diff_block(before.code, attempt.code, label_a=label_a, label_b=label_b))
    parts.append(code_block(attempt.code))
    if attempt.public:
        failed = total - attempt.public_passed
        label = f"public-test outcomes ({attempt.public_passed}/{total} passed)"
        parts.append(details(label, outcomes_table(attempt.public), open_=failed > 0 and k == 0))
    parts.append(details("model reply", tag("pre", attempt.reply, cls="prose")))
    parts.append(extras_block(raw, ATTEMPT_SHOWN))
    return join(parts)


def candidate_block(
    cand: Candidate,
    *,
    cluster: int | None,
    picked: bool,
    private: bool | None,
    raw: Raw | None,
) -> Html:
    final = cand.final
    rounds = len(cand.attempts) - 1
    summary = join(
        [
            esc(f"Candidate #{cand.index}"),
            badge("picked", "ok") if picked else Html(""),
            _score(final.public_passed, len(final.public))
            if final.code is not None
            else badge("no code", "bad"),
            badge(f"{rounds} revision{'s' if rounds != 1 else ''}", "plain"),
            badge(f"cluster {cluster}", "info") if cluster is not None else Html(""),
            Html("")
            if private is None
            else badge("private pass" if private else "private fail", "ok" if private else "bad"),
        ]
    )
    body: list[Html] = []
    if cand.note:
        body.append(tag("p", join([tag("b", "note: "), esc(cand.note)])))
    body.append(extras_block(raw, CANDIDATE_SHOWN))
    for k in range(len(cand.attempts)):
        body.append(_round(cand, k, _at(raw, "attempts", k)))
    cls = "cand picked" if picked else "cand"
    return Html(
        f'<div id="cand-{cand.index}">{details(summary, join(body), cls=cls, open_=False)}</div>'
    )


def candidates_section(result: Result, raw: Raw | None) -> Html:
    if not result.candidates:
        return tag("p", "no candidates", cls="muted")
    cluster_of: dict[int, int] = {}
    if result.selection:
        for ci, members in enumerate(result.selection.clusters):
            for m in members:
                cluster_of[m] = ci
    picked = result.selected.index if result.selected else None
    privates = result.candidates_private
    blocks = []
    for pos, cand in enumerate(result.candidates):
        private = privates[pos] if privates is not None and pos < len(privates) else None
        blocks.append(
            candidate_block(
                cand,
                cluster=cluster_of.get(cand.index),
                picked=cand.index == picked,
                private=private,
                raw=_at(raw, "candidates", pos),
            )
        )
    return join(blocks)


# -- selection ---------------------------------------------------------------------


def _inputs_list(inputs: Sequence[Any], sources: Sequence[str] = ()) -> Html:
    if not inputs:
        return tag("p", "none", cls="muted")
    if len(sources) == len(inputs):
        rows = [[str(i), s, pre(v)] for i, (v, s) in enumerate(zip(inputs, sources, strict=True))]
        return table(["#", "from", "input"], rows)
    return table(["#", "input"], [[str(i), pre(v)] for i, v in enumerate(inputs)])


def sources_table(sources: Sequence[InputSource]) -> Html:
    rows = []
    for src in sources:
        rows.append(
            [
                src.source,
                f"{src.offered:,}",
                f"{src.kept:,}",
                f"{src.invalid:,}",
                badge("split the pool", "info") if src.split else badge("no split", "plain"),
                pre(src.error) if src.error else "",
            ]
        )
    headers = ["source", "offered", "kept", "invalid", "told candidates apart?", "why nothing"]
    return table(headers, rows)


def synthesis_table(calls: Sequence[InputSynthesis]) -> Html:
    rows = []
    for call in calls:
        dropped: Html | str = ""
        if call.dropped:
            dropped = details(
                f"{len(call.dropped)} dropped",
                table(["item", "reason"], [[pre(d.item), d.reason] for d in call.dropped]),
            )
        rows.append(
            [
                call.purpose,
                f"{call.parsed:,}",
                f"{call.kept:,}",
                badge("reply cut short", "warn") if call.truncated else "",
                dropped,
            ]
        )
    return table(["model call", "items in reply", "kept", "", "dropped"], rows)


def comparison_block(n: int, comp: Comparison, raw: Raw | None) -> Html:
    counts = {v: comp.votes.count(v) for v in ("a", "b", "none")}
    summary = join(
        [
            esc(f"Comparison {n}: "),
            _cand_link(comp.a),
            esc(" vs "),
            _cand_link(comp.b),
            esc(" → winner "),
            _cand_link(comp.winner),
            badge(f"votes A {counts['a']} · B {counts['b']} · none {counts['none']}", "plain"),
        ]
    )
    rows = []
    for i in range(max(len(comp.inputs), len(comp.outputs_a), len(comp.outputs_b))):
        out_a = comp.outputs_a[i] if i < len(comp.outputs_a) else None
        out_b = comp.outputs_b[i] if i < len(comp.outputs_b) else None
        same = out_a == out_b
        rows.append(
            [
                str(i),
                pre(comp.inputs[i]) if i < len(comp.inputs) else "",
                pre(out_a) if out_a is not None else "",
                pre(out_b) if out_b is not None else "",
                badge("same", "plain") if same else badge("differs", "warn"),
            ]
        )
    body: list[Html] = [
        table(["#", "input", f"output of A (#{comp.a})", f"output of B (#{comp.b})", ""], rows)
        if rows
        else tag("p", "no inputs", cls="muted")
    ]
    votes = ", ".join(comp.votes) if comp.votes else "none"
    # Which program each predicted output matched (a, b, or none), in input order.
    predicted = ", ".join(comp.predictions) if comp.predictions else "not asked"
    # Which program each reference program's output matched, per reference and input.
    referenced = ", ".join(comp.reference_votes) if comp.reference_votes else "none ran"
    body.append(
        _dl(
            [
                ("reference programs", referenced),
                ("predicted outputs", predicted),
                ("votes", votes),
                ("reason", comp.reason or "–"),
            ]
        )
    )
    if comp.synthesis is not None:
        body.append(synthesis_table([comp.synthesis]))
    body.append(extras_block(raw, COMPARISON_SHOWN))
    return details(summary, join(body))


def clusters_table(result: Result, sel: SelectionRecord) -> Html:
    by_index = {c.index: c for c in result.candidates}
    rows = []
    for ci, members in enumerate(sel.clusters):
        scores = []
        for m in members:
            c = by_index.get(m)
            if c is not None:
                scores.append(f"{c.final.public_passed}/{len(c.final.public)}")
        has_pick = sel.selected in members
        rows.append(
            [
                join([esc(str(ci)), badge("picked", "ok") if has_pick else Html("")]),
                str(len(members)),
                join(join([_cand_link(m), esc(" ")]) for m in members),
                ", ".join(scores),
            ]
        )
    return table(["cluster", "size", "members", "public scores"], rows)


def selection_section(result: Result, raw: Raw | None) -> Html:
    sel = result.selection
    if sel is None:
        return tag("p", "no selection record (the run ended before selection)", cls="muted")
    facts: list[tuple[str, Html | str]] = [
        (
            "strategy",
            join(
                [esc(sel.strategy), badge("upper bound", "warn") if sel.upper_bound else Html("")]
            ),
        ),
        ("selected", _cand_link(sel.selected)),
        ("pool", join(join([_cand_link(m), esc(" ")]) for m in sel.pool) if sel.pool else "–"),
    ]
    if sel.note:
        facts.append(("note", sel.note))
    parts = [_dl(facts)]
    if sel.sources:
        parts.append(tag("h3", "Where the inputs came from"))
        parts.append(sources_table(sel.sources))
    if sel.synthesis:
        parts.append(details("model calls for inputs", synthesis_table(sel.synthesis)))
    parts.append(tag("h3", f"Synthesised inputs kept ({len(sel.inputs)})"))
    kept = _inputs_list(sel.inputs, sel.input_sources)
    # A long list of inputs would push the clusters and comparisons off the screen.
    parts.append(kept if len(sel.inputs) <= 10 else details(f"all {len(sel.inputs)} inputs", kept))
    if sel.discarded_inputs:
        parts.append(
            details(
                f"discarded inputs ({len(sel.discarded_inputs)})",
                _inputs_list(sel.discarded_inputs),
            )
        )
    more = extras_block(raw, SELECTION_SHOWN)
    if more:
        parts.append(tag("h3", "More of the selection record"))
        parts.append(more)
    parts.append(tag("h3", f"Clusters ({len(sel.clusters)})"))
    parts.append(clusters_table(result, sel) if sel.clusters else tag("p", "none", cls="muted"))
    parts.append(tag("h3", f"Comparisons ({len(sel.comparisons)})"))
    if sel.comparisons:
        parts.extend(
            comparison_block(n, c, _at(raw, "comparisons", n))
            for n, c in enumerate(sel.comparisons)
        )
    else:
        parts.append(tag("p", "none", cls="muted"))
    return join(parts)


# -- pick, usage, timings ----------------------------------------------------------


def private_badge(private: PrivateScore | None) -> Html:
    if private is None:
        return badge("not scored", "plain")
    kind = "ok" if private.accepted else "bad"
    return badge(f"private {private.passed}/{private.total}", kind)


def pick_section(result: Result) -> Html:
    if result.selected is None:
        return tag("p", "no program was selected", cls="muted")
    parts = [
        tag(
            "p",
            join(
                [
                    esc("Candidate "),
                    _cand_link(result.selected.index),
                    esc(" was picked. "),
                    private_badge(result.private),
                ]
            ),
        ),
        code_block(result.selected.code),
    ]
    if result.private is not None and result.private.outcomes:
        parts.append(
            details(
                f"private-test outcomes ({result.private.passed}/{result.private.total})",
                outcomes_table(result.private.outcomes),
            )
        )
    return join(parts)


_USAGE_COLS = ("llm_calls", "prompt_tokens", "completion_tokens", "cached_calls", "cached_tokens")


def _usage_rows(rows: Mapping[str, Any]) -> list[list[Html | str]]:
    out: list[list[Html | str]] = []
    for name, u in rows.items():
        out.append([name, *(f"{getattr(u, c, 0):,}" for c in _USAGE_COLS)])
    return out


def usage_section(result: Result, raw: Raw | None) -> Html:
    u: Usage = result.usage
    headers = [
        "",
        "model calls",
        "prompt tokens",
        "completion tokens",
        "cached calls",
        "cached tokens",
    ]
    rows = _usage_rows(u.by_stage)
    rows.append([tag("b", "total"), *(f"{getattr(u, c):,}" for c in _USAGE_COLS)])
    parts = [tag("h3", "Usage by stage"), table(headers, rows)]
    if u.by_model:
        parts += [tag("h3", "Usage by model"), table(headers, _usage_rows(u.by_model))]
    parts.append(extras_block(_at(raw, "usage"), USAGE_SHOWN))
    parts.append(tag("h3", "Timings"))
    parts.append(
        table(["stage", "seconds"], [[k, f"{v:.2f}"] for k, v in result.timings.items()])
        if result.timings
        else tag("p", "none recorded", cls="muted")
    )
    return join(parts)


def run_section(result: Result, raw: Raw | None) -> Html:
    facts: list[tuple[str, Html | str]] = [("model", result.model)]
    for stage, model in result.models.items():
        facts.append((f"model ({stage})", model))
    facts.append(("strategies", generic(result.strategies)))
    if result.budget is not None:
        b = result.budget
        facts.append(
            (
                "budget",
                badge(
                    f"{b.kind} budget ({b.limit:g}) ended the run in {b.stage}: "
                    f"{b.spent_tokens:,} tokens, {b.seconds:.1f} s",
                    "warn",
                ),
            )
        )
    parts = [_dl(facts), extras_block(raw, RESULT_SHOWN)]
    return join(parts)


# -- the page ----------------------------------------------------------------------


def _headline(result: Result) -> Html:
    n = len(result.candidates)
    best = sum(c.final.passes_all_public for c in result.candidates)
    bits = [
        esc(f"{n} candidate{'s' if n != 1 else ''}, {best} pass every public test · "),
        esc(f"selection: {result.selection.strategy if result.selection else '–'} · picked "),
        _cand_link(result.selected.index if result.selected else None),
        private_badge(result.private),
    ]
    if result.budget is not None:
        bits.append(badge(f"{result.budget.kind} budget hit", "warn"))
    total = result.timings.get("total")
    bits.append(
        esc(f" · {result.usage.total_tokens:,} tokens" + (f" · {total:.1f} s" if total else ""))
    )
    return tag("p", join(bits), cls="sub")


SECTIONS = (
    ("problem", "Problem"),
    ("pick", "The pick"),
    ("candidates", "Candidates"),
    ("selection", "Selection"),
    ("usage", "Usage and timings"),
    ("run", "Run"),
)


def result_page(
    result: Result,
    *,
    problem: Problem | None = None,
    raw: Raw | None = None,
    back: str | None = None,
) -> str:
    """The whole self-contained HTML page for one result."""
    raw = raw if raw is not None else result.model_dump(mode="json")
    nav = tag("nav", tag("a", "← all problems", href=back), cls="top") if back else Html("")
    toc = tag("nav", join(tag("a", title, href=f"#{key}") for key, title in SECTIONS), cls="toc")
    content = {
        "problem": problem_section(result, problem),
        "pick": pick_section(result),
        "candidates": candidates_section(result, raw),
        "selection": selection_section(result, _at(raw, "selection")),
        "usage": usage_section(result, raw),
        "run": run_section(result, raw),
    }
    sections = join(
        tag("section", join([tag("h2", title), content[key]]), id=key) for key, title in SECTIONS
    )
    body = join([nav, tag("h1", result.problem_id), _headline(result), toc, sections])
    return document(f"{result.problem_id} · agentsstar", body)
