#!/usr/bin/env bash
# Run a command as root: directly when we already are, through sudo (never prompting) otherwise.
set -euo pipefail
if [ "$(id -u)" -eq 0 ]; then
    exec "$@"
elif command -v sudo >/dev/null 2>&1; then
    exec sudo -n "$@"
else
    echo "as-root: need root (or sudo) to run: $*" >&2
    exit 1
fi
