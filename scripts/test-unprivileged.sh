#!/usr/bin/env bash
# Run the sandbox and hostile suites as an unprivileged user, so the path users
# without root get (user namespaces, and the partial-namespace fallback) is tested.
#
# Standalone and idempotent; for a Debian-based machine, run as root (CI=true, no
# stdin needed). It
#   1. creates the user $AGENTSSTAR_TEST_USER (default agentsstar-test) if needed,
#   2. makes a venv that user can read, from Debian's python3 (installed with
#      apt-get if missing: a pyenv Python under /root is unreadable to others),
#   3. installs a copy of this checkout plus pytest into it, and
#   4. runs tests/sandboxes/test_local.py, test_hostile.py and test_artefact.py as
#      that user with setpriv (util-linux), passing extra arguments to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
    echo "test-unprivileged.sh: run as root (it creates a user and a venv)" >&2
    exit 1
fi

user="${AGENTSSTAR_TEST_USER:-agentsstar-test}"
base="${AGENTSSTAR_UNPRIV_DIR:-/opt/agentsstar-unprivileged}"
venv="$base/venv"
src="$base/src"
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1

start=$(date +%s)
if ! id "$user" >/dev/null 2>&1; then
    useradd --system --create-home --home-dir "/home/$user" --shell /usr/sbin/nologin "$user"
fi
if ! command -v setpriv >/dev/null || ! /usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null; then
    apt-get update -qq
    apt-get install -y -qq python3 python3-venv util-linux >/dev/null
fi

mkdir -p "$base"
chmod 0755 "$base"
if [ ! -x "$venv/bin/python" ]; then
    /usr/bin/python3 -m venv "$venv"
fi
# A fresh copy each time: the user cannot write to (or read, under /root) the
# checkout, and pytest wants to write caches next to the tests.
rm -rf "$src"
mkdir -p "$src"
cp -r agentsstar tests pyproject.toml README.md "$src"/
find "$src" -name __pycache__ -prune -exec rm -rf {} +
"$venv/bin/python" -m pip install --quiet "$src" pytest pytest-timeout numpy
chown -R "$user:" "$src"
chmod -R a+rX "$venv"
echo "== unprivileged set-up took $(($(date +%s) - start)) s"

echo "== sandbox tests as $user (uid $(id -u "$user"))"
cd "$src"
exec setpriv --reuid="$user" --regid="$user" --init-groups --reset-env \
    env HOME="/home/$user" PATH="$venv/bin:/usr/bin:/bin" \
    "$venv/bin/python" -m pytest -q -ra -p no:cacheprovider \
    tests/sandboxes/test_local.py tests/sandboxes/test_hostile.py \
    tests/sandboxes/test_artefact.py "$@"
