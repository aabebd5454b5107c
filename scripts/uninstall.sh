#!/usr/bin/env bash
# scripts/uninstall.sh: undo scripts/run.sh and the install. Stops the local
# cluster, removes it (.pgdata and .pgrun, and the data they link to under
# /var/tmp when run.sh kept it there), then removes the extension's files
# from PostgreSQL's directories (make uninstall: for every cluster of that
# installation). USERSERVICE_KEEP_FILES=1 keeps the files (the tests use it).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"
BIN="$("$PG_CONFIG" --bindir)"
if [ "$(id -u)" -eq 0 ]; then RUN=(runuser -u postgres --); SUDO=(); else RUN=(); SUDO=(sudo); fi

if [ -e .pgdata ] && [ -s "$(readlink -f .pgdata)/PG_VERSION" ]; then
    if "${RUN[@]}" "$BIN/pg_ctl" -D "$(readlink -f .pgdata)" status >/dev/null 2>&1; then
        echo "== stopping the cluster in $(readlink -f .pgdata)"
        "${RUN[@]}" "$BIN/pg_ctl" -D "$(readlink -f .pgdata)" -m fast -w stop >/dev/null
    fi
fi
# run.sh keeps the data in a directory of /var/tmp when the postgres user
# cannot reach this folder, with .pgdata and .pgrun as links into it.
kept=""
if [ -L .pgdata ]; then
    kept="$(dirname "$(readlink .pgdata)")"
    case "$kept" in /var/tmp/userservice[.-]*) ;; *) kept="" ;; esac
fi
for d in .pgdata .pgrun $kept; do
    if [ -e "$d" ] || [ -L "$d" ]; then
        echo "== removing $d"
        rm -rf "$d"
    fi
done
if [ "${USERSERVICE_KEEP_FILES:-}" != 1 ]; then
    echo "== removing the extension's files from $("$PG_CONFIG" --sharedir)/extension and $("$PG_CONFIG" --pkglibdir)"
    "${SUDO[@]}" make -s uninstall PG_CONFIG="$PG_CONFIG" >/dev/null
fi
echo "userservice is uninstalled from this folder's cluster${USERSERVICE_KEEP_FILES:+ (extension files kept)}."
