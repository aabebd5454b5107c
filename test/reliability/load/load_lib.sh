# test/reliability/load/load_lib.sh: the pgbench load shared by load.sh and
# faults.sh. Sourced after lib.sh, with a running cluster.

LOAD_DIR="$REL_DIR/load"
# postgresql.conf lines for a load cluster
LOAD_CONF=("max_connections = 150" "shared_buffers = 128MB" "max_worker_processes = 64")
CLIENTS="${CLIENTS:-50}"
THREADS="${THREADS:-4}"
# pgbench script numbers 0..4 are the order below (check.sql relies on it)
LOAD_SCRIPTS=(-f "$LOAD_DIR/signup.sql@20" -f "$LOAD_DIR/login.sql@20" -f "$LOAD_DIR/get.sql@30"
              -f "$LOAD_DIR/patch.sql@15" -f "$LOAD_DIR/list.sql@15")

load_setup() {
    psql_c -f "$LOAD_DIR/setup.sql" >"$WORK/setup.log" 2>&1 || { cat "$WORK/setup.log"; die "load setup failed"; }
}

# load_run RUN SECONDS: 50 clients over loopback TCP for SECONDS; the output
# goes to $WORK/pgbench.RUN.out, the transaction log to $WORK/pgbench.RUN.log.*
load_run() {
    local run="$1" secs="$2"
    as_owner "$PG_BIN/pgbench" -n -h 127.0.0.1 -p "$PGPORT" -U postgres -c "$CLIENTS" -j "$THREADS" \
        -T "$secs" -D run="$run" -D n=0 "${LOAD_SCRIPTS[@]}" -P 10 \
        -l --log-prefix="$WORK/pgbench.$run.log" postgres >"$WORK/pgbench.$run.out" 2>&1
}

# load_acks RUN: what pgbench saw committed, into rel.acked
load_acks() {
    local run="$1"
    cat "$WORK"/pgbench."$run".log.* 2>/dev/null |
        awk -v run="$run" '$3 ~ /^[0-9]+$/ { print run "," $1 "," $2 "," $4 }' |
        psql_c -c "\\copy rel.acked FROM STDIN WITH (FORMAT csv)"
}

load_summary() {
    local run="$1"
    grep -E "^(number of (transactions actually processed|failed transactions)|latency average|tps|SQL script| - [0-9]+ transactions|.*aborted)" \
        "$WORK/pgbench.$run.out" | sed 's/^/   /'
}

# load_check ALLOW_UNACKED: run check.sql; prints every check, fails on any f
load_check() {
    local out
    out="$(psql_c -v allow_unacked="$1" -f "$LOAD_DIR/check.sql" 2>&1)" || { echo "$out"; return 1; }
    echo "$out" | sed 's/^/   /'
    ! echo "$out" | grep -qE '\| f$'
}

# Counts of the server log lines worth a look after a load.
log_findings() {
    local log="$1"
    echo "   server log: $(grep -cE "$LOG_ALARMS" "$log") crash/assert/sanitizer lines," \
         "$(grep -c 'could not count a failed login' "$log") failed logins not counted (no worker slot)," \
         "$(grep -c 'ERROR' "$log") ERROR lines (the API's own errors included)"
}
