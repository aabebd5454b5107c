# test/reliability/lib.sh: what the reliability scripts share. Sourced, not run.
#
# Every script works in a private directory ($WORK) with a private copy of
# the PostgreSQL installation that PG_CONFIG names (57 MB), builds the
# extension from a copy of this tree into it, and runs its clusters there on
# ports of its own: nothing is written to the system installation or to the
# source tree, and several scripts (or engineers) can run at once.
#
# As root, the clusters run as the postgres user (initdb refuses root).

REL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TREE="$(cd "$REL_DIR/../.." && pwd)"
PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"
PYTHON="${PYTHON:-/usr/bin/python3}"

die() { echo "!! $*" >&2; exit 1; }
say() { echo "== $*"; }

# shellcheck source=../../scripts/packages.sh
. "$TREE/scripts/packages.sh"
# rel_prereqs [PKG...]: install what every reliability script needs (the
# packages of scripts/setup.sh: the build, PostgreSQL 15 with pgbench and
# its TAP modules, python3-psycopg2) and every PKG, from Debian's packages
# when missing (as root, or through sudo); stop with a one-line message
# where that cannot be done. A PG_CONFIG of another installation must
# bring its own pgbench and headers.
rel_prereqs() {
    need_packages "${USERSERVICE_PACKAGES[@]}" "$@"
    [ -x "$PG_CONFIG" ] || die "no pg_config at $PG_CONFIG (install postgresql-server-dev-15, or set PG_CONFIG)"
}

# need_psycopg2: PYTHON (default /usr/bin/python3, Debian's) imports psycopg2.
need_psycopg2() {
    "$PYTHON" -c 'import psycopg2' 2>/dev/null ||
        die "$PYTHON has no psycopg2 (apt-get install python3-psycopg2, or set PYTHON)"
}

# Run a command as the cluster owner.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- env PATH="$PATH" "$@"
    else
        "$@"
    fi
}

# make_workdir NAME: a fresh private directory, owned by the cluster owner.
make_workdir() {
    WORK="${US_REL_WORK:-$(mktemp -d "/tmp/us-$1.XXXXXX")}"
    mkdir -p "$WORK"
    [ "$(id -u)" -eq 0 ] && chown postgres "$WORK"
    say "working in $WORK"
}

# private_pg: copy the installation of $PG_CONFIG into $WORK/pg, keeping its
# layout (PostgreSQL finds its share and lib directories relative to its
# binaries), and point PG_BIN / PRIV_PG_CONFIG at the copy.
private_pg() {
    local p
    [ -x "$PG_CONFIG" ] || die "no pg_config at $PG_CONFIG (set PG_CONFIG)"
    for p in "$("$PG_CONFIG" --bindir)/.." "$("$PG_CONFIG" --sharedir)" \
             "$("$PG_CONFIG" --includedir)" "$("$PG_CONFIG" --pkgincludedir)" \
             "$("$PG_CONFIG" --includedir-server)"; do
        p="$(cd "$p" && pwd)"
        mkdir -p "$WORK/pg$(dirname "$p")"
        [ -e "$WORK/pg$p" ] || cp -a "$p" "$WORK/pg$p"
    done
    PRIV_PG_CONFIG="$WORK/pg$(cd "$("$PG_CONFIG" --bindir)" && pwd)/pg_config"
    PG_BIN="$("$PRIV_PG_CONFIG" --bindir)"
    [ "$PG_BIN" = "$(dirname "$PRIV_PG_CONFIG")" ] || die "the copy of PostgreSQL is not relocatable"
}

# build_extension [COPT [EXTRA.c...]]: build this tree's extension in
# $WORK/build (a copy of src/, sql/, the Makefile and the control file) and
# install it into the private copy. COPT adds compiler flags (the sanitizer
# build); each EXTRA.c is compiled into the module too (test-only code).
build_extension() {
    local copt="${1:-}"
    shift || true
    rm -rf "$WORK/build"
    mkdir -p "$WORK/build"
    (cd "$TREE" && cp -a Makefile userservice.control src sql "$WORK/build/" &&
        { [ -d expected ] && cp -a expected "$WORK/build/" || true; } &&
        { [ -d test ] && cp -a test "$WORK/build/" || true; })
    rm -f "$WORK/build"/src/*.o "$WORK/build"/src/*.bc "$WORK/build"/*.so
    rm -rf "$WORK/build/test/fuzz" "$WORK/build/results" "$WORK/build/tmp_check"
    local extra
    for extra in "$@"; do cp "$extra" "$WORK/build/src/"; done
    make -s -C "$WORK/build" -j2 PG_CONFIG="$PRIV_PG_CONFIG" ${copt:+COPT="$copt"} >"$WORK/build.log" 2>&1 ||
        { cat "$WORK/build.log"; die "build failed"; }
    make -s -C "$WORK/build" install PG_CONFIG="$PRIV_PG_CONFIG" >>"$WORK/build.log" 2>&1 ||
        { cat "$WORK/build.log"; die "install failed"; }
    [ "$(id -u)" -eq 0 ] && chown -R postgres "$WORK/build"
    return 0
}

# free_port: a TCP port nobody listens on.
free_port() {
    local port
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 30000))
        if ! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null &&
           [ ! -e "/tmp/.s.PGSQL.$port" ]; then
            echo "$port"; return 0
        fi
    done
    die "no free port"
}

# cluster_init DIR [postgresql.conf lines...]: initdb DIR (UTF8, C.UTF-8),
# socket in DIR/sock, a free port on 127.0.0.1; sets PGDATA, PGHOST, PGPORT.
cluster_init() {
    local dir="$1"; shift
    PGDATA="$dir/data"; PGHOST="$dir/sock"; PGPORT="$(free_port)"
    export PGDATA PGHOST PGPORT
    mkdir -p "$PGHOST"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir" "$PGHOST"
    as_owner "$PG_BIN/initdb" -D "$PGDATA" -E UTF8 --locale=C.UTF-8 -A trust -U postgres >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log"; die "initdb failed"; }
    {
        echo "port = $PGPORT"
        echo "listen_addresses = '127.0.0.1'"
        echo "unix_socket_directories = '$PGHOST'"
        echo "log_line_prefix = '%m [%p] %e %q%a '"
        echo "log_min_messages = warning"
        local line
        for line in "$@"; do echo "$line"; done
    } >>"$PGDATA/postgresql.conf"
    CLUSTER_LOG="$dir/server.log"
}

cluster_start() {
    as_owner "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$CLUSTER_LOG" -w -t 120 start >/dev/null ||
        { tail -20 "$CLUSTER_LOG"; die "the server did not start"; }
}

cluster_stop() {
    as_owner "$PG_BIN/pg_ctl" -D "$PGDATA" -m "${1:-fast}" -w -t 120 stop >/dev/null 2>&1 || true
}

psql_c() {
    as_owner "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -At -h "$PGHOST" -p "$PGPORT" -U postgres -d "${PGDATABASE:-postgres}" "$@"
}

# Lines of a server log that mean a crash, an assertion or a sanitizer report.
LOG_ALARMS='PANIC|TRAP:|terminated by signal|AddressSanitizer|runtime error:|LeakSanitizer|was terminated by|terminating any other active server processes'
# The part of LOG_ALARMS that only a sanitizer or a failed Assert writes.
SANITIZER_ALARMS='TRAP:|AddressSanitizer|runtime error:|LeakSanitizer'
