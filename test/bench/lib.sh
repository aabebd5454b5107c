# shellcheck shell=bash disable=SC2034
# test/bench/lib.sh: what run.sh and profile.sh share: prerequisites, the
# throwaway cluster (stopped by an EXIT trap), installing the extensions and
# the recipe, loading the data set. Sourced, not run. Expects HERE,
# PG_CONFIG, PORT, KEEP, CLIENTS, SHARED_BUFFERS, SYNC_COMMIT (and
# optionally EXTRA_CONF, more postgresql.conf lines).

PW="bench-password-1"
SECRET="bench-secret-0123456789abcdefghijklmnopqrstuvwxyz"

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
say() { echo "== $*" >&2; }
# shellcheck source=../../scripts/packages.sh
. "$HERE/../../scripts/packages.sh"

# bench_prereqs [--no-pgcrypto] [PKG...]: find PostgreSQL; install what is
# missing from Debian's packages (need_packages: as root, or through sudo):
# every PKG, and pgcrypto (postgresql-contrib) unless --no-pgcrypto. A PKG
# gnuplot-nox counts as present when any gnuplot is.
bench_prereqs() {
    local need_pkgs=() p pgcrypto=1
    [ "${1:-}" = --no-pgcrypto ] && { pgcrypto=0; shift; }
    for p in "$@"; do
        [ "$p" = gnuplot-nox ] && command -v gnuplot >/dev/null 2>&1 && continue
        need_pkgs+=("$p")
    done
    [ -x "$PG_CONFIG" ] || command -v "$PG_CONFIG" >/dev/null 2>&1 ||
        die "no pg_config at $PG_CONFIG (install postgresql-15, or set PG_CONFIG)"
    SHAREDIR="$("$PG_CONFIG" --sharedir)"
    BIN="$("$PG_CONFIG" --bindir)"
    [ $pgcrypto = 0 ] || [ -f "$SHAREDIR/extension/pgcrypto.control" ] || need_pkgs+=(postgresql-contrib)
    need_packages "${need_pkgs[@]}"
    [ $pgcrypto = 0 ] || [ -f "$SHAREDIR/extension/pgcrypto.control" ] ||
        die "pgcrypto is not installed in $SHAREDIR (postgresql-contrib)"
    [ -f "$SHAREDIR/extension/userservice.control" ] ||
        die "userservice is not installed in $SHAREDIR: run 'make install PG_CONFIG=$PG_CONFIG' first"
    local b
    for b in initdb pg_ctl postgres psql pgbench createdb; do
        [ -x "$BIN/$b" ] || die "missing $BIN/$b"
    done
    CORES="$(nproc)"
}

# bench_cluster: initdb and start a cluster in a new temporary directory,
# with its own port and unix socket directory; the EXIT trap stops it and
# removes the directory (unless KEEP=1), also on failure or interrupt.
bench_cluster() {
    TMP="$(mktemp -d /tmp/userservice-bench.XXXXXX)"
    DATA="$TMP/data"
    SOCK="$TMP/sock"
    LOGS="$TMP/logs"
    mkdir -p "$SOCK" "$LOGS" || die "cannot create $TMP"
    RUN=()
    started=0
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM HUP
    if [ "$(id -u)" -eq 0 ]; then
        # initdb refuses root: the server runs as postgres, in a directory it owns.
        chown -R postgres "$TMP" && chmod 755 "$TMP" || die "cannot give $TMP to postgres"
        RUN=(runuser -u postgres --)
    fi

    say "cluster in $TMP (port $PORT), PostgreSQL from $BIN"
    "${RUN[@]}" "$BIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C -A trust >"$TMP/initdb.log" 2>&1 ||
        { cat "$TMP/initdb.log" >&2; die "initdb failed"; }
    cat >>"$DATA/postgresql.conf" <<CONF
# userservice benchmark
listen_addresses = ''
port = $PORT
unix_socket_directories = '$SOCK'
max_connections = $(( CLIENTS * 2 + 20 ))
shared_buffers = $SHARED_BUFFERS
synchronous_commit = $SYNC_COMMIT
max_wal_size = 4GB
checkpoint_timeout = 30min
jit = off
app.jwt_secret = '$SECRET'
${EXTRA_CONF:-}
CONF
    CONN=(-h "$SOCK" -p "$PORT" -U postgres)
    bench_start
}

bench_start() {
    "${RUN[@]}" "$BIN/pg_ctl" -D "$DATA" -l "$TMP/server.log" -w -t 120 start >/dev/null ||
        { tail -20 "$TMP/server.log" >&2; die "the server did not start"; }
    started=1
}

bench_stop() {
    "${RUN[@]}" "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 300 stop >/dev/null 2>&1 ||
        "${RUN[@]}" "$BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1
    started=0
}

bench_cleanup() {
    local rc=$?
    [ "${started:-0}" -eq 1 ] && bench_stop
    if [ "$KEEP" = 1 ]; then echo "== kept $TMP" >&2; else rm -rf "$TMP"; fi
    exit "$rc"
}

psql_() { "$BIN/psql" -X -q -v ON_ERROR_STOP=1 "${CONN[@]}" "$@"; }
q() { psql_ -d bench -At -c "$1"; }

# bench_setup: the database, the extensions, the recipe, and one real hash
# of each kind at its default cost (every loaded user gets these).
bench_setup() {
    "$BIN/createdb" "${CONN[@]}" bench || die "createdb failed"
    say "installing userservice, pgcrypto and the recipe"
    psql_ -d bench -c "CREATE EXTENSION userservice; CREATE EXTENSION pgcrypto;" \
          -c "SELECT userservice.create_signing_key('HS256', '$SECRET')" >/dev/null ||
        die "CREATE EXTENSION failed"
    psql_ -d bench -f "$HERE/recipe.sql" >/dev/null || die "recipe.sql failed"
    psql_ -d bench -f "$HERE/rls.sql" >/dev/null || die "rls.sql failed"
    US_VERSION="$(q "SELECT extversion FROM pg_extension WHERE extname = 'userservice'")"
    # The throttle's table: login_failures up to schema 1.2, login_throttle from 1.3.
    US_THROTTLE="$(q "SELECT relname FROM pg_class WHERE relnamespace = 'userservice'::regnamespace
                      AND relname IN ('login_throttle', 'login_failures')")"
    [ -n "$US_THROTTLE" ] || die "no userservice.login_throttle or login_failures"
    # The collation of the case-insensitive email index (newer versions fold
    # with ICU's root locale): raw SQL must spell the same key to use it.
    EMAIL_COLLATE="$(q "SELECT COALESCE(substring(pg_get_indexdef('userservice.uq_users_email'::regclass)
                                                  from 'COLLATE [^)]*'), '')")" ||
        die "no index userservice.uq_users_email"

    q "SELECT (userservice.create_user('seed@example.com', '$PW', 'Seed')).id" >/dev/null ||
        die "could not create the seed user"
    US_HASH="$(q "SELECT hashed_password FROM userservice.users WHERE email = 'seed@example.com'")"
    BF_HASH="$(q "SELECT crypt('$PW', gen_salt('bf', 10))")" || die "pgcrypto crypt failed"
    HASH_COST="$(psql_ -d bench -At -c "LOAD 'userservice'" \
        -c "SELECT current_setting('userservice.password_hash_memory') || ', t=' || current_setting('userservice.password_hash_iterations')")"
    say "argon2id hash at the default cost (m=$HASH_COST): $US_HASH"
}

# bench_load USERS on|off: (re)load USERS users with 3 posts each; "on" also
# fills the recipe's copies of the tables.
bench_load() {
    local t0=$SECONDS
    say "loading $1 users with 3 posts each"
    psql_ -d bench -v users="$1" -v us_hash="$US_HASH" -v bf_hash="$BF_HASH" \
        -v with_recipe="$2" -v throttle="$US_THROTTLE" -f "$HERE/load.sql" >/dev/null || die "loading $1 users failed"
    say "loaded $1 users in $(( SECONDS - t0 )) s"
}

# bench_batches CLIENTS: each pgbench client imports its own batch of 1,000
# users with prepared hashes (one JSON array per variant and client).
bench_batches() {
    psql_ -d bench >/dev/null <<SQL || die "could not prepare the import batches"
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;
CREATE TABLE bench.batches (variant text, client int, doc jsonb, PRIMARY KEY (variant, client));
INSERT INTO bench.batches
SELECT v, c, jsonb_agg(jsonb_build_object('email', 'imp' || c || '-' || i || '@example.com',
                                          'display_name', 'Imported ' || i,
                                          'password_hash', CASE v WHEN 'us' THEN '$US_HASH' ELSE '$BF_HASH' END)
                       ORDER BY i)
FROM (VALUES ('us'), ('recipe')) AS vs(v), generate_series(0, $1 - 1) c, generate_series(1, 1000) i
GROUP BY v, c;
SQL
}

# bench_tokens: a fresh token from each login, checked by each verifier.
bench_tokens() {
    US_TOKEN="$(q "SELECT access_token FROM userservice.login('user1@example.com', '$PW')")" ||
        die "userservice login failed"
    RECIPE_TOKEN="$(q "SELECT access_token FROM recipe.login('user1@example.com', '$PW')")" ||
        die "recipe login failed"
    q "SELECT userservice.verify_token('$US_TOKEN')" >/dev/null || die "verify_token refused a fresh token"
    q "SELECT recipe.verify_token('$RECIPE_TOKEN')" >/dev/null || die "recipe.verify_token refused a fresh token"
}

# bench_scripts DIR: copy the pgbench scripts of DIR to $TMP/scripts
# (RUN_SCRIPTS), with each /*key*/ marker replaced by the email index's
# COLLATE clause (or nothing).
bench_scripts() {
    local f
    RUN_SCRIPTS="$TMP/scripts"
    mkdir -p "$RUN_SCRIPTS" || die "cannot create $RUN_SCRIPTS"
    for f in "$1"/*.sql; do
        sed "s|/\*key\*/|$EMAIL_COLLATE|g" "$f" >"$RUN_SCRIPTS/$(basename "$f")" || die "cannot copy $f"
    done
}

# bench_vars SCALE: the -D variables every script may use.
bench_vars() {
    BENCH_VARS=(-D scale="$1" -D pw="$PW" -D hash="$US_HASH" -D token="$US_TOKEN" -D rtoken="$RECIPE_TOKEN")
}
