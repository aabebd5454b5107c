#!/usr/bin/env bash
# scripts/run.sh: set everything up and run the service: install, build,
# start a PostgreSQL 15 cluster kept in this folder (.pgdata), create the
# extension in database "userservice" and show it working. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
bash scripts/setup.sh

BIN="$(/usr/lib/postgresql/15/bin/pg_config --bindir)"
PORT="${USERSERVICE_PORT:-54329}"
DATA="$ROOT/.pgdata"
SOCK="$ROOT/.pgrun"

# PostgreSQL refuses to run as root: as root, the cluster belongs to the
# postgres user, which must be able to reach this folder.
if [ "$(id -u)" -eq 0 ]; then
    RUN=(runuser -u postgres --)
    if ! runuser -u postgres -- test -x "$ROOT"; then
        # e.g. a clone under /root: keep the cluster outside, link it here.
        real="/var/tmp/userservice-$(echo "$ROOT" | md5sum | cut -c1-8)"
        mkdir -p "$real"
        [ -e "$DATA" ] || ln -s "$real/pgdata" "$DATA"
        [ -e "$SOCK" ] || ln -s "$real/pgrun" "$SOCK"
        DATA="$real/pgdata"; SOCK="$real/pgrun"
    fi
    install -d -o postgres "$SOCK"
else
    RUN=()
    mkdir -p "$SOCK"
fi

if [ ! -s "$DATA/PG_VERSION" ]; then
    echo "== creating cluster in $DATA"
    if [ "$(id -u)" -eq 0 ]; then install -d -o postgres "$DATA"; fi
    "${RUN[@]}" "$BIN/initdb" -D "$DATA" -E UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 -U postgres >/dev/null
fi
if ! "${RUN[@]}" "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    echo "== starting cluster on port $PORT, socket $SOCK"
    "${RUN[@]}" "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
        -o "-p $PORT -k $SOCK -c listen_addresses=127.0.0.1" start >/dev/null
fi

PSQL=(psql -X -h "$SOCK" -p "$PORT" -U postgres)
"${PSQL[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'userservice'" | grep -q 1 ||
    "${PSQL[@]}" -d postgres -qc "CREATE DATABASE userservice"
"${PSQL[@]}" -d userservice -qc "CREATE EXTENSION IF NOT EXISTS userservice; ALTER EXTENSION userservice UPDATE" 2>&1 | grep -v "^NOTICE" || true
# A cluster made by the run.sh of 1.2 keeps its secret in postgresql.conf,
# where every role can read it: the update moved it into signing_keys; now
# remove it and rotate, as the README's upgrade procedure says.
if grep -q '^userservice.jwt_secret' "$DATA/postgresql.conf"; then
    "${RUN[@]}" sed -i '/^userservice.jwt_secret/d' "$DATA/postgresql.conf"
    "${RUN[@]}" "$BIN/pg_ctl" -D "$DATA" reload >/dev/null
    "${PSQL[@]}" -d userservice -qAtc "SELECT userservice.create_signing_key('HS256')" >/dev/null
    "${PSQL[@]}" -d userservice -qAtc "SELECT userservice.retire_signing_key(kid) FROM userservice.signing_keys WHERE omit_kid AND state = 'verifying'" >/dev/null
    echo "== moved the old jwt_secret out of postgresql.conf and rotated to a new signing key"
fi
# The role PostgREST logs in as (the README's postgrest.conf points at it).
"${PSQL[@]}" -d userservice -q >/dev/null <<'SQL'
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticator') THEN
        CREATE ROLE authenticator LOGIN NOINHERIT PASSWORD 'change me';
    END IF;
END $$;
GRANT userservice_anon, userservice_user, userservice_admin TO authenticator;
SQL
# A random signing key for this local cluster, made once (PostgREST reads it with jwks(true)).
"${PSQL[@]}" -d userservice -tAc "SELECT count(*) FROM userservice.signing_keys WHERE state = 'signing'" | grep -qx 0 &&
    "${PSQL[@]}" -d userservice -qAtc "SELECT 'signing key ' || userservice.create_signing_key('HS256') || ' created'"

echo "== demo (psql -f scripts/demo.sql)"
"${PSQL[@]}" -d userservice -f scripts/demo.sql

cat <<MSG

userservice is running.
  connect: psql -h $SOCK -p $PORT -U postgres userservice
  PostgREST: db-uri = "postgres://authenticator:change%20me@127.0.0.1:$PORT/userservice"
  stop:    ${RUN[*]} $BIN/pg_ctl -D $DATA stop
MSG
