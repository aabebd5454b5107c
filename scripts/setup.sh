#!/usr/bin/env bash
# scripts/setup.sh: install what userservice needs from Debian's packages,
# then build and install the extension. Safe to run again.
# As root it uses apt-get directly; as a normal user, through sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi

PACKAGES=(build-essential postgresql-15 postgresql-contrib postgresql-server-dev-15
          postgresql-common libsodium-dev libicu-dev libipc-run-perl pkg-config python3-psycopg2
          ${EXTRA_PACKAGES:-})

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"
echo "== building with $PG_CONFIG"
make -s PG_CONFIG="$PG_CONFIG" >/dev/null
"${SUDO[@]}" make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
echo "== installed userservice into $("$PG_CONFIG" --sharedir)/extension"
