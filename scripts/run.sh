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
        # e.g. a clone under /root: keep the cluster in a directory of
        # /var/tmp that this script made (an unpredictable name, owned by
        # root), and link it here; an earlier run's is used again only if
        # it is still root's and no link.
        if [ -L "$DATA" ]; then
            real="$(dirname "$(readlink "$DATA")")"
            case "$real" in /var/tmp/userservice[.-]*) ;; *) echo "run.sh: .pgdata links outside /var/tmp/userservice.*: $real" >&2; exit 1 ;; esac
            if [ -L "$real" ] || [ ! -d "$real" ] || [ "$(stat -c %u "$real")" != 0 ]; then
                echo "run.sh: $real is not a directory of root's: refusing to use it" >&2; exit 1
            fi
        else
            real="$(mktemp -d /var/tmp/userservice.XXXXXXXX)"
            chmod 0711 "$real"
            ln -s "$real/pgdata" "$DATA"
            rm -rf "$SOCK"
            ln -s "$real/pgrun" "$SOCK"
        fi
        DATA="$real/pgdata"; SOCK="$real/pgrun"
    fi
    # Only the cluster's owner (and root) may reach the socket: local
    # connections are trusted.
    [ -L "$SOCK" ] && { echo "run.sh: $SOCK is a link: refusing to use it" >&2; exit 1; }
    install -d -m 0700 -o postgres "$SOCK"
else
    RUN=()
    mkdir -p "$SOCK"
    chmod 0700 "$SOCK"
fi

if [ ! -s "$DATA/PG_VERSION" ]; then
    echo "== creating cluster in $DATA"
    if [ "$(id -u)" -eq 0 ]; then install -d -o postgres "$DATA"; fi
    "${RUN[@]}" "$BIN/initdb" -D "$DATA" -E UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 -U postgres >/dev/null
fi
if ! "${RUN[@]}" "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    echo "== starting cluster on port $PORT, socket $SOCK"
    "${RUN[@]}" "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
        -o "-p $PORT -k $SOCK -c unix_socket_permissions=0700 -c listen_addresses=127.0.0.1" start >/dev/null
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
# The role PostgREST logs in as (the README's postgrest.conf points at it),
# with a random password kept in the data directory, readable by its owner only.
PWFILE="$DATA/authenticator.password"
if ! "${RUN[@]}" test -s "$PWFILE"; then
    "${RUN[@]}" sh -c "umask 077; od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > '$PWFILE'"
fi
AUTH_PW="$("${RUN[@]}" cat "$PWFILE")"
"${PSQL[@]}" -d userservice -q -v pw="$AUTH_PW" >/dev/null <<'SQL'
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticator') THEN
        CREATE ROLE authenticator LOGIN NOINHERIT;
    END IF;
END $$;
GRANT userservice_anon, userservice_user, userservice_admin TO authenticator;
ALTER ROLE authenticator PASSWORD :'pw';
SQL
# A random signing key for this local cluster, made once (PostgREST reads it with jwks(true)).
"${PSQL[@]}" -d userservice -tAc "SELECT count(*) FROM userservice.signing_keys WHERE state = 'signing'" | grep -qx 0 &&
    "${PSQL[@]}" -d userservice -qAtc "SELECT 'signing key ' || userservice.create_signing_key('HS256') || ' created'"

echo "== demo (psql -f scripts/demo.sql)"
"${PSQL[@]}" -d userservice -f scripts/demo.sql

cat <<MSG

userservice is running.
  connect: psql -h $SOCK -p $PORT -U postgres userservice
  PostgREST: db-uri = "postgres://authenticator:$AUTH_PW@127.0.0.1:$PORT/userservice"
  stop:    ${RUN[*]} $BIN/pg_ctl -D $DATA stop
MSG
