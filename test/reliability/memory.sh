#!/usr/bin/env bash
# test/reliability/memory.sh: how much memory the server needs when CLIENTS
# (default 50) sessions log in at the same moment, with
# userservice.password_hash_memory at its default (19 MiB: each argon2id
# verification holds that much until it ends).
#
# Two phases on a throwaway cluster, the server's processes sampled every
# 20 ms (memsample.py: peak sums of resident and private memory):
#   idle   CLIENTS sessions connected, the extension loaded, nothing running
#   login  CLIENTS sessions each logging in LOGINS times (right password),
#          all at once, with userservice.max_concurrent_hashes = 0 (no cap)
#   capped the same with userservice.max_concurrent_hashes = CAP (default 8),
#          when the build has that setting
# and the budget formula checked against the peak footprint
# (shared memory touched + private memory of every process):
#   footprint <= shared_memory_size + processes x idle private memory
#                + CLIENTS x password_hash_memory
#
#   test/reliability/memory.sh        (CLIENTS=50 LOGINS=10 CAP=8 HASH_MEMORY=default)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/load/load_lib.sh"

LOGINS="${LOGINS:-10}"
CAP="${CAP:-8}"
# The first login phase runs without a cap (the default cap is 8).
conf=("${LOAD_CONF[@]}" "userservice.max_concurrent_hashes = 0")
[ -n "${HASH_MEMORY:-}" ] && conf+=("userservice.password_hash_memory = '$HASH_MEMORY'")

rel_prereqs bc
make_workdir memory
private_pg
build_extension
cluster_init "$WORK/cluster" "${conf[@]}"
cluster_start
trap 'cluster_stop immediate' EXIT
load_setup
pm=$(head -1 "$PGDATA/postmaster.pid")
hash_kb=$(psql_c -c "LOAD 'userservice'" -c "SELECT setting FROM pg_settings WHERE name = 'userservice.password_hash_memory'")
shmem_mb=$(psql_c -c "SHOW shared_memory_size" | tr -dc '0-9')
sb=$(psql_c -c "SHOW shared_buffers")
mc=$(psql_c -c "SHOW max_connections")

printf '\\set r random(1, 100)\nSELECT userservice.get_user(:r);\n\\sleep 3 s\n' >"$WORK/idle.sql"
printf '\\set r random(1, 100)\nSELECT access_token FROM userservice.login(format(%s, :r), %s);\n' \
    "'seed%s@seed.example'" "'load-password-1'" >"$WORK/login.sql"

# sample PHASE SCRIPT TRANSACTIONS: pgbench CLIENTS x TRANSACTIONS, sampled
sample() {
    local phase="$1" script="$2" tx="$3" t0 t1
    rm -f "$WORK/mem.$phase" "$WORK/mem.$phase.stop"
    as_owner "$PYTHON" "$REL_DIR/memsample.py" "$pm" "$WORK/mem.$phase" &
    local sampler=$!
    t0=$(date +%s.%N)
    as_owner "$PG_BIN/pgbench" -n -h 127.0.0.1 -p "$PGPORT" -U postgres -c "$CLIENTS" -j 4 -t "$tx" \
        -f "$script" postgres >"$WORK/pgbench.$phase.out" 2>&1 || { cat "$WORK/pgbench.$phase.out"; die "pgbench failed"; }
    t1=$(date +%s.%N)
    as_owner touch "$WORK/mem.$phase.stop"
    wait $sampler
    . "$WORK/mem.$phase"
    eval "${phase}_anon=$anon ${phase}_shmem=$shmem ${phase}_procs=$procs ${phase}_rss=$rss"
    printf '   %-6s %3d processes: private (RssAnon) %5d MiB + shared memory touched %4d MiB = %5d MiB; sum of Rss %5d MiB (%d samples, %.1fs)\n' \
        "$phase" "$procs" $((anon / 1024)) $((shmem / 1024)) $(((anon + shmem) / 1024)) $((rss / 1024)) \
        "$samples" "$(echo "$t1 - $t0" | bc)"
}

say "server: shared_buffers $sb, shared_memory_size ${shmem_mb} MB, max_connections $mc," \
    "password_hash_memory $((hash_kb / 1024)) MiB; $CLIENTS clients"
sample idle "$WORK/idle.sql" 1
sample login "$WORK/login.sql" "$LOGINS"
grep -E "^(latency average|tps)" "$WORK/pgbench.login.out" | sed 's/^/   /'

# the budget
per_proc_kb=$(( idle_anon / idle_procs ))
hash_total_kb=$(( CLIENTS * hash_kb ))
budget_kb=$(( shmem_mb * 1024 + login_procs * per_proc_kb + hash_total_kb ))
foot_kb=$(( login_anon + login_shmem ))
growth_kb=$(( login_anon - idle_anon ))
say "budget = shared_memory_size + processes x idle private memory + clients x password_hash_memory"
printf '   = %d MiB + %d x %.1f MiB + %d x %d MiB = %d MiB\n' "$shmem_mb" "$login_procs" \
    "$(echo "$per_proc_kb / 1024" | bc -l)" "$CLIENTS" $((hash_kb / 1024)) $((budget_kb / 1024))
printf '   measured peak footprint %d MiB (%d%% of the budget); the login burst added %d MiB of private memory = %.1f MiB per client (hash memory %d MiB)\n' \
    $((foot_kb / 1024)) $((foot_kb * 100 / budget_kb)) $((growth_kb / 1024)) \
    "$(echo "$growth_kb / 1024 / $CLIENTS" | bc -l)" $((hash_kb / 1024))
status=0
[ "$foot_kb" -le "$budget_kb" ] || { say "the peak is above the budget"; status=1; }

# With userservice.max_concurrent_hashes = CAP (when the build has it), the
# hash term is CAP x password_hash_memory whatever the number of clients.
if [ "$CAP" -gt 0 ] && [ -n "$(psql_c -c "LOAD 'userservice'" -c "SELECT 1 FROM pg_settings WHERE name = 'userservice.max_concurrent_hashes'")" ]; then
    psql_c -c "LOAD 'userservice'" -c "ALTER SYSTEM SET userservice.max_concurrent_hashes = $CAP" -c "SELECT pg_reload_conf()" >/dev/null
    sleep 1
    sample capped "$WORK/login.sql" "$LOGINS"
    grep -E "^(latency average|tps)" "$WORK/pgbench.capped.out" | sed 's/^/   /'
    cap_budget_kb=$(( shmem_mb * 1024 + capped_procs * per_proc_kb + CAP * hash_kb ))
    cap_foot_kb=$(( capped_anon + capped_shmem ))
    printf '   with max_concurrent_hashes = %d: budget %d MiB + %d x %.1f MiB + %d x %d MiB = %d MiB; measured %d MiB (%d%%)\n' \
        "$CAP" "$shmem_mb" "$capped_procs" "$(echo "$per_proc_kb / 1024" | bc -l)" "$CAP" $((hash_kb / 1024)) \
        $((cap_budget_kb / 1024)) $((cap_foot_kb / 1024)) $((cap_foot_kb * 100 / cap_budget_kb))
    [ "$cap_foot_kb" -le "$cap_budget_kb" ] || { say "the capped peak is above the capped budget"; status=1; }
else
    say "no userservice.max_concurrent_hashes in this build (or CAP=0): capped phase skipped"
fi
grep -qE "$LOG_ALARMS" "$CLUSTER_LOG" && { grep -E "$LOG_ALARMS" "$CLUSTER_LOG" | head; status=1; }

cluster_stop
trap - EXIT
say "memory result: $([ $status -eq 0 ] && echo PASS || echo FAIL)"
if [ "${KEEP:-0}" = 1 ] || [ $status -ne 0 ]; then say "work directory kept: $WORK"; else rm -rf "$WORK"; fi
exit $status
