#!/usr/bin/env bash
# Headless browser for the viewer's browser tests (tests/viewer): Debian's chromium
# package, driven by playwright pointed at /usr/bin/chromium. Never `playwright
# install`: it downloads browsers from a CDN, which CI machines may not reach.
# Idempotent: does nothing when both are already there. Needs root (or sudo) for apt.
set -euo pipefail
export CI=true DEBIAN_FRONTEND=noninteractive

if [ ! -x /usr/bin/chromium ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi
    $SUDO apt-get update -q </dev/null
    $SUDO apt-get install -y -q --no-install-recommends chromium </dev/null
fi

if ! python -c 'import playwright' 2>/dev/null; then
    python -m pip install --disable-pip-version-check --quiet 'playwright>=1.40' </dev/null
fi

/usr/bin/chromium --version
