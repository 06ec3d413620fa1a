#!/usr/bin/env bash
# The full HumanEval table (docs/benchmarks.md): seven arms on the same samples, in one
# multi-arm eval sharing one cache; run it again with the same RUN_DIR to resume.
#
#   [JOBS=2] bash bench/humaneval_table.sh RUN_DIR [BENCH_DIR]
#   agentsstar report RUN_DIR --plot table.png
#
# zero-shot and self-debug share the greedy sample; majority, sstar, codet, llm-judge
# and oracle share the N=8 samples (and all but majority, the self-debug revisions).
set -euo pipefail
run_dir=${1:?usage: humaneval_table.sh RUN_DIR [BENCH_DIR]}
bench=${2:-}
jobs=${JOBS:-2}  # problems in flight; the verdicts do not depend on it
here=$(cd "$(dirname "$0")" && pwd)
if [ -f "$run_dir/arms.json" ]; then
    exec agentsstar eval --resume "$run_dir" -j "$jobs"
fi
if [ -z "$bench" ]; then
    bench=$(mktemp -d)/humaneval
    agentsstar import humaneval builtin "$bench"
fi
exec agentsstar eval "$bench" --preset zero-shot --preset self-debug --preset majority \
    --preset sstar --config "$here/configs/codet.toml" --config "$here/configs/llm-judge.toml" \
    --config "$here/configs/oracle.toml" -n 8 -j "$jobs" --run-dir "$run_dir"
