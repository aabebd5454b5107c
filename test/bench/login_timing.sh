#!/usr/bin/env bash
# test/bench/login_timing.sh: can the refusals of login be told apart?
#
#   test/bench/login_timing.sh [--per-case N] [--warmup R] [--seed S]
#
# Three cases, each answered 28P01: an unknown email, a wrong password on
# an active account, the right password on an inactive account. On a
# throwaway cluster (lib.sh) it creates one account per sample and case, so
# that every call is the first attempt on its email (the same durable work
# in every case: one throttle reservation), raises login_max_failures so
# that nothing is throttled, and runs login_timing.py: the cases take turns
# in rounds (random order within a round), client wall time per call, WAL
# bytes and tuple counters (login_throttle, users) per call. It prints per
# case n, median, p10, p90, IQR, and per pair of cases the Mann-Whitney U
# test (z, two-sided p) and the median difference; the same as Markdown in
# OUT/login_timing.md, every sample in OUT/login_timing.csv. See README.md.
#
# Options (each also an environment variable):
#   --per-case N     PER_CASE     samples per case (at least 20)          200
#   --warmup R       WARMUP_ROUNDS rounds measured and thrown away        10
#   --seed S         SEED         seed of the order within the rounds     1
#   --pg-config P    PG_CONFIG    /usr/lib/postgresql/15/bin/pg_config
#   --out DIR        OUT          where results go                        test/bench/out
#   --port P         PORT         port of the throwaway cluster           54331
#   --keep           KEEP=1       keep the cluster's directory at the end
#   --raised-cost    RAISED_COST=1 raise password_hash_iterations to 3 once the
#                                 accounts exist: every stored hash is then
#                                 cheaper than the current cost (the padding's
#                                 case), the dummy hash of an unknown email is not
#   SYNC_COMMIT (on: every refusal commits its reservation, as in
#   production), SHARED_BUFFERS (128MB); PYTHON: a python3 with psycopg2
#   (default: the first of python3, /usr/bin/python3 that has it; with
#   none, python3-psycopg2 is installed from Debian, as root or via sudo).
set -uo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
PER_CASE="${PER_CASE:-200}"
WARMUP_ROUNDS="${WARMUP_ROUNDS:-10}"
SEED="${SEED:-1}"
PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"
OUT="${OUT:-$HERE/out}"
PORT="${PORT:-54331}"
KEEP="${KEEP:-0}"
SYNC_COMMIT="${SYNC_COMMIT:-on}"
SHARED_BUFFERS="${SHARED_BUFFERS:-128MB}"
CLIENTS=1

usage() { sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --per-case) PER_CASE="$2"; shift 2 ;;
        --raised-cost) RAISED_COST=1; shift ;;
        --warmup) WARMUP_ROUNDS="$2"; shift 2 ;;
        --seed) SEED="$2"; shift 2 ;;
        --pg-config) PG_CONFIG="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        --port) PORT="$2"; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "login_timing.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
for v in PER_CASE WARMUP_ROUNDS SEED PORT; do
    [[ "${!v}" =~ ^[0-9]+$ ]] || { echo "login_timing.sh: $v must be a whole number, not '${!v}'" >&2; exit 2; }
done
[ "$PER_CASE" -ge 20 ] || { echo "login_timing.sh: PER_CASE must be at least 20" >&2; exit 2; }

# Every call is a first attempt on its own email, so no budget could be
# spent; the raised limit makes sure a refusal is never PT429. Autovacuum
# off: its analyze of the growing login_throttle would write WAL into
# some calls' figures. No 1.2 secret (userservice.jwt_secret): the key
# comes from create_signing_key below.
EXTRA_CONF="userservice.login_max_failures = 1000
autovacuum = off
userservice.jwt_secret = ''"

# shellcheck source=lib.sh
. "$HERE/lib.sh"
# A python3 that has psycopg2: PYTHON, or one in PATH, or Debian's
# python3-psycopg2 in /usr/bin (installed when no python3 has psycopg2).
if [ -z "${PYTHON:-}" ]; then
    for p in python3 /usr/bin/python3; do
        if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import psycopg2' 2>/dev/null; then PYTHON="$p"; break; fi
    done
fi
if [ -z "${PYTHON:-}" ]; then
    need_packages python3 python3-psycopg2
    PYTHON=/usr/bin/python3
fi
"$PYTHON" -c 'import psycopg2' 2>/dev/null || die "$PYTHON has no psycopg2 (apt-get install python3-psycopg2, or set PYTHON)"
"$PYTHON" "$HERE/login_timing.py" --self-test >/dev/null || die "the statistics' self-test failed"
bench_prereqs --no-pgcrypto

mkdir -p "$OUT" || die "cannot create $OUT"
bench_cluster

"$BIN/createdb" "${CONN[@]}" bench || die "createdb failed"
psql_ -d bench -c "CREATE EXTENSION userservice" -c "SELECT userservice.create_signing_key('HS256')" >/dev/null ||
    die "CREATE EXTENSION or create_signing_key failed"
US_VERSION="$(q "SELECT extversion FROM pg_extension WHERE extname = 'userservice'")"
# One real hash at the default cost, the one every account gets (and the
# cost of the dummy hash an unknown email is verified against).
q "SELECT (userservice.create_user('seed@example.com', '$PW', 'Seed')).id" >/dev/null || die "could not create the seed user"
ACCOUNTS=$(( PER_CASE + WARMUP_ROUNDS ))
say "userservice $US_VERSION: $ACCOUNTS active and $ACCOUNTS inactive accounts"
psql_ -d bench -v n="$ACCOUNTS" >/dev/null <<'SQL' || die "could not create the accounts"
INSERT INTO userservice.users (email, hashed_password, display_name, is_active)
SELECT p || lpad(g::text, 5, '0') || '@example.com', u.hashed_password, 'Timing ' || g, p = 'tw'
FROM userservice.users u, generate_series(1, :n) g, (VALUES ('tw'), ('ti')) AS c(p)
WHERE u.email = 'seed@example.com';
VACUUM (ANALYZE) userservice.users;
CHECKPOINT;
SQL

SUFFIX=""
if [ "${RAISED_COST:-0}" = 1 ]; then
    psql_ -d bench -c "LOAD 'userservice'" -c "ALTER SYSTEM SET userservice.password_hash_iterations = 3" \
          -c "SELECT pg_reload_conf()" >/dev/null || die "could not raise the cost"
    sleep 1
    say "cost raised to t=3: every stored hash (t=2) is cheaper than the current cost"
    SUFFIX="_raised_cost"
fi
say "$PER_CASE samples per case (+ $WARMUP_ROUNDS warm-up rounds), 3 cases interleaved"
t0=$SECONDS
"$PYTHON" "$HERE/login_timing.py" --host "$SOCK" --port "$PORT" --dbname bench \
    --per-case "$PER_CASE" --warmup "$WARMUP_ROUNDS" --seed "$SEED" --password "$PW" \
    --markdown "$OUT/login_timing$SUFFIX.md" --csv "$OUT/login_timing$SUFFIX.csv" || die "the measurement failed"
say "measured in $(( SECONDS - t0 )) s; $OUT/login_timing$SUFFIX.md, $OUT/login_timing$SUFFIX.csv"
CORES="$(nproc)"
echo
echo "machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $CORES cores;" \
     "$("$BIN/postgres" --version); userservice $US_VERSION; synchronous_commit=$SYNC_COMMIT;" \
     "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
