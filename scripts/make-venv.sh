#!/usr/bin/env bash
# Create the virtualenv DIR with `python3 -m venv`, installing Debian's python3-venv when the
# interpreter lacks ensurepip (a fresh Debian machine does). A half-made venv is removed first.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-python3}"
venv="${1:-.venv}"

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
    exit 0
fi
rm -rf "$venv"
if ! "$python" -m venv "$venv"; then
    rm -rf "$venv"
    echo "make-venv: '$python -m venv' failed; installing python3-venv" >&2
    export DEBIAN_FRONTEND=noninteractive
    "$here/as-root.sh" apt-get update
    minor="$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    "$here/as-root.sh" apt-get install -y "python${minor}-venv" \
        || "$here/as-root.sh" apt-get install -y python3-venv
    "$python" -m venv "$venv"
fi
