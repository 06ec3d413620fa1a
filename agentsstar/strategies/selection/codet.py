"""``codet``: CodeT-style dual execution agreement (Chen et al., 2022).

The model writes tests with expected outputs. Those outputs are not trusted
individually: candidates are grouped by the exact set of generated tests they pass,
and a group scores (number of candidates) × (number of tests passed). Agreement
between independent programs and independent tests is the evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import Field

from agentsstar import prompts
from agentsstar.checking import stdout_matches, value_matches
from agentsstar.context import Context
from agentsstar.extract import extract_asserts, extract_items, extract_text_blocks
from agentsstar.problem import Problem
from agentsstar.records import Candidate, SelectionRecord
from agentsstar.strategies.base import StrategyBase
from agentsstar.strategies.selection import _inputs as inp


class CodeTSelection(StrategyBase):
    name: ClassVar[str] = "codet"
    num_tests: int = Field(default=10, ge=1, le=100)

    async def select(self, ctx: Context, candidates: Sequence[Candidate]) -> SelectionRecord:
        pooled = inp.pool(candidates)
        record = SelectionRecord(strategy=self.name, selected=None, pool=[c.index for c in pooled])
        if len(pooled) <= 1:
            record.selected = pooled[0].index if pooled else None
            return record
        reply = await ctx.chat(
            "selection", prompts.codet_messages(ctx.problem, self.num_tests), seed=ctx.seed + 90_000
        )
        tests, report = self.parse_tests(ctx.problem, reply.text)
        record.synthesis.append(report.record("codet tests"))
        inputs = [t[0] for t in tests]
        behaviour = await inp.run_all(ctx, pooled, inputs)
        record.inputs, record.discarded_inputs = behaviour.inputs, behaviour.discarded
        expected = {repr(t[0]): t[1] for t in tests}
        groups: dict[frozenset[int], list[int]] = {}
        for c in pooled:
            passed = frozenset(
                j
                for j, (x, r) in enumerate(
                    zip(behaviour.inputs, behaviour.results[c.index], strict=True)
                )
                if r.ok and self._matches(ctx, r.stdout, r.value, expected[repr(x)])
            )
            groups.setdefault(passed, []).append(c.index)
        ranked = sorted(
            groups.items(), key=lambda kv: (-len(kv[1]) * len(kv[0]), -len(kv[1]), min(kv[1]))
        )
        record.clusters = [members for _, members in ranked]
        record.selected = inp.representative(ranked[0][1], pooled)
        best_tests, best_members = ranked[0]
        if behaviour.inputs:
            record.note = (
                f"{len(tests)} generated tests; best group: {len(best_members)} candidates × "
                f"{len(best_tests)} tests passed"
            )
        else:
            record.note = inp.fallback_note([report], behaviour, pooled)
        return record

    def parse_tests(
        self, problem: Problem, text: str
    ) -> tuple[list[tuple[Any, Any]], inp.ParsedInputs]:
        """Tests with an input and an expected output, read as the prompt asks for
        them (asserts; stdin input and output blocks) and as JSON objects; the
        reading that yields more tests wins. Inputs are checked as any synthesised
        input is; the outputs are kept for the agreement score only."""
        readings: list[tuple[list[tuple[Any, Any]], inp.ParsedInputs]] = []
        entry = (problem.entry_point or "").split(".")[-1]
        if problem.kind == "function" and entry:
            asserts = extract_asserts(text, entry)
            if asserts:
                readings.append(self._read(problem, asserts, len(asserts), False))
        if problem.kind == "stdin":
            blocks, cut = extract_text_blocks(text, outputs=True)
            if len(blocks) >= 2:
                pairs = list(zip(blocks[0::2], blocks[1::2], strict=False))
                readings.append(self._read(problem, pairs, len(pairs), cut))
        found = extract_items(text)
        if found is not None:
            items, truncated = found
            tests = [i for i in items if isinstance(i, dict) and "output" in i]
            tests_json, report = self._read(
                problem, [(i, i["output"]) for i in tests], len(items), truncated
            )
            report.dropped += [
                (str(i)[:120], "not a test with an output") for i in items if i not in tests
            ]
            readings.append((tests_json, report))
        if not readings:
            return [], inp.parse_inputs(problem, text, self.num_tests)  # says why
        return max(readings, key=lambda r: len(r[0]))  # the first on a tie

    def _read(
        self, problem: Problem, raw: list[tuple[Any, Any]], parsed: int, truncated: bool
    ) -> tuple[list[tuple[Any, Any]], inp.ParsedInputs]:
        """(input as written, expected output) pairs as checked tests and their report."""
        report = inp.parse_inputs(problem, "", self.num_tests, items=[x for x, _ in raw])
        report.parsed, report.truncated = parsed, truncated
        by_input: dict[str, Any] = {}
        for item, out in raw:
            one = inp.parse_inputs(problem, "", 1, items=[item])
            if one.inputs:
                by_input.setdefault(repr(one.inputs[0]), out)
        pairs: list[tuple[Any, Any]] = []
        for x in report.inputs:
            out = by_input[repr(x)]
            if problem.kind == "stdin" and not isinstance(out, str):
                out = str(out)
            pairs.append((x, out))
        return pairs, report

    @staticmethod
    def _matches(ctx: Context, stdout: str, value: str | None, expected: Any) -> bool:
        if ctx.problem.kind == "function":
            return value_matches(value, expected, ctx.problem.checker)
        return stdout_matches(stdout, str(expected), ctx.problem.checker)
