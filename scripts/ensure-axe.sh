#!/usr/bin/env bash
# Install axe-core (the accessibility rules engine) from the npm registry into DIR, for the
# browser tests that inject it into pages (tests/e2e/web/test_web_accessibility.py). Nothing to
# do when DIR already holds it.
set -euo pipefail
dir="${1:-.cache/axe}"
if [ -f "$dir/node_modules/axe-core/axe.min.js" ]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "ensure-axe: npm is not installed (Debian: apt-get install npm)" >&2
    exit 1
fi
mkdir -p "$dir"
npm install --prefix "$dir" --no-audit --no-fund --silent axe-core@4
test -f "$dir/node_modules/axe-core/axe.min.js"
