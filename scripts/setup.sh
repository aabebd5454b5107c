#!/usr/bin/env bash
# scripts/setup.sh: install what userservice needs from Debian's packages,
# then build and install the extension. Safe to run again.
# As root it uses apt-get directly; as a normal user, through sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi

. scripts/packages.sh
# shellcheck disable=SC2086
need_packages "${USERSERVICE_PACKAGES[@]}" ${EXTRA_PACKAGES:-}

export PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"
echo "== building with $PG_CONFIG"
make -s PG_CONFIG="$PG_CONFIG" >/dev/null
"${SUDO[@]}" make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
echo "== installed userservice into $("$PG_CONFIG" --sharedir)/extension"
