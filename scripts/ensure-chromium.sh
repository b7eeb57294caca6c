#!/usr/bin/env bash
# The browser tests drive Debian's Chromium at /usr/bin/chromium: install it when missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
echo "ensure-chromium: /usr/bin/chromium is missing; installing Debian's chromium" >&2
export DEBIAN_FRONTEND=noninteractive
"$here/as-root.sh" apt-get update
"$here/as-root.sh" apt-get install -y chromium
test -x /usr/bin/chromium
