#!/usr/bin/env bash
# Make sure the local PostgreSQL used by the tests answers on 127.0.0.1:5432, starting the
# Debian cluster when it does not, and waiting up to 30 s for it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
host="${PGHOST_TEST:-127.0.0.1}"
port="${PGPORT_TEST:-5432}"

case ",${BASCULE_TEST_DATABASES:-sqlite,postgresql}," in
    *,postgresql,*) ;;
    *) exit 0 ;;  # PostgreSQL tests deselected: nothing to start
esac

if pg_isready -q -h "$host" -p "$port"; then
    exit 0
fi
# shellcheck disable=SC2012  # one directory per installed major version, e.g. 15
version="$(ls /etc/postgresql | sort -V | tail -n 1)"
echo "ensure-postgres: starting PostgreSQL ${version}/main" >&2
"$here/as-root.sh" pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 30); do
    if pg_isready -q -h "$host" -p "$port"; then
        exit 0
    fi
    sleep 1
done
echo "ensure-postgres: PostgreSQL does not answer on ${host}:${port} after 30 s" >&2
exit 1
