#!/usr/bin/env bash
# The S* paper's four arms on a fixed HumanEval subset with the embedded 0.5B model.
#
#   bash bench/bench_presets.sh [N_PROBLEMS] [OUT_DIR]
#
# The subset is HumanEval/0 .. HumanEval/(N-1) (default 20), in task order: the whole
# 164 would take hours per arm on 2 CPU cores. Results: OUT_DIR/<preset>/ run
# directories, a table on stderr and OUT_DIR/presets.png.
set -euo pipefail
n="${1:-20}"
out="${2:-bench/runs/presets}"
bench_dir="$out/humaneval"
mkdir -p "$out"
if [ ! -d "$bench_dir" ]; then
    agentsstar import humaneval builtin "$bench_dir"
fi
ids=()
for i in $(seq 0 $((n - 1))); do ids+=(--ids "HumanEval-$i"); done
for preset in zero-shot self-debug majority sstar; do
    if [ -f "$out/$preset/config.json" ]; then
        agentsstar eval --resume "$out/$preset"
    else
        agentsstar eval "$bench_dir" --preset "$preset" --run-dir "$out/$preset" "${ids[@]}" -j 2
    fi
done
agentsstar report "$out/zero-shot" "$out/self-debug" "$out/majority" "$out/sstar" \
    --plot "$out/presets.png"
