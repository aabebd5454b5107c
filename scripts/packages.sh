# shellcheck shell=bash
# scripts/packages.sh: install the Debian packages that are missing. One
# helper for scripts/setup.sh, test/reliability, test/bench and test/fuzz.
#
#   . scripts/packages.sh; need_packages PKG...    sourced by a bash script
#   bash scripts/packages.sh PKG...                 run (from a Makefile)
#
# need_packages installs every PKG that dpkg does not list as installed,
# with apt-get (after apt-get update): as root directly, as any other user
# through sudo. Where it cannot (no apt-get, no sudo, or the install
# fails) it stops the calling script with one line that names exactly what
# to install. NEEDED_BY names the caller in its messages (default: $0).

# What building, installing and testing userservice needs (scripts/setup.sh).
USERSERVICE_PACKAGES=(build-essential postgresql-15 postgresql-contrib postgresql-server-dev-15
                      postgresql-common libsodium-dev libicu-dev libipc-run-perl pkg-config
                      python3-psycopg2)

need_packages() {
    local p missing=() sudo=() me="${NEEDED_BY:-$(basename "$0")}"
    for p in "$@"; do
        [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 ||
            { echo "$me: missing ${missing[*]}: install as root with 'apt-get install ${missing[*]}'" >&2; exit 1; }
        sudo=(sudo)
    fi
    command -v apt-get >/dev/null 2>&1 ||
        { echo "$me: missing ${missing[*]} (Debian packages), and there is no apt-get: install them" >&2; exit 1; }
    echo "== $me: installing ${missing[*]}" >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null ||
        { echo "$me: could not install ${missing[*]}: install as root with 'apt-get install ${missing[*]}'" >&2; exit 1; }
}

# Run, not sourced: install the packages named on the command line.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    need_packages "$@"
fi
