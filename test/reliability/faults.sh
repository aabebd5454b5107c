#!/usr/bin/env bash
# test/reliability/faults.sh: the load of load.sh while the server is
# killed with "pg_ctl stop -m immediate" (no shutdown checkpoint, backends
# killed mid-transaction) and restarted, FAULTS times (default 3); then one
# more run of the load without a fault. Afterwards:
#   - every transaction any pgbench run saw committed is present, with the
#     rows it wrote (the checks of load.sh; a transaction in flight at a
#     crash may have committed unseen, and is checked for consistency too);
#   - after each restart the extension answers at once, without anything
#     else restarted: sign-up, login, a failed login counted by its
#     background worker, a token verified.
#
#   test/reliability/faults.sh [FAULTS]    (RUN_SECONDS=40 per run at most)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/load/load_lib.sh"

FAULTS="${1:-${FAULTS:-3}}"
RUN_SECONDS="${RUN_SECONDS:-40}"
[ "$FAULTS" -ge 1 ] && [ "$FAULTS" -le 20 ] || die "FAULTS must be 1..20"

rel_prereqs bc
make_workdir faults
private_pg
build_extension
cluster_init "$WORK/cluster" "${LOAD_CONF[@]}"
cluster_start
trap 'cluster_stop immediate' EXIT
load_setup
status=0

# smoke RUN: the extension works right after a restart
smoke() {
    local out
    out="$(psql_c 2>&1 <<SQL
SET userservice.login_max_failures = 1000;
SELECT 'signup ' || (id > 0) FROM userservice.create_user('smoke$1@smoke.example', 'smoke-password', 'Smoke');
SELECT 'login ' || (access_token <> '') FROM userservice.login('SMOKE$1@smoke.example', 'smoke-password');
DO \$\$ BEGIN PERFORM userservice.login('smoke$1@smoke.example', 'wrong-password');
          EXCEPTION WHEN invalid_password THEN NULL; END \$\$;
SELECT 'failure counted ' || (failures = 1) FROM userservice.login_attempts('smoke$1@smoke.example')
 WHERE address = '';
SELECT 'verify ' || (userservice.verify_token(access_token) ? 'sub')
  FROM userservice.login('smoke$1@smoke.example', 'smoke-password');
SQL
)"
    echo "   after restart $1: $(echo "$out" | tr '\n' ',' | sed 's/,$//')"
    [ "$(echo "$out" | grep -c ' true$')" -eq 4 ]
}

for i in $(seq 1 "$FAULTS"); do
    say "run $i: load for up to ${RUN_SECONDS}s, server killed (immediate) during it"
    load_run "$i" "$RUN_SECONDS" &
    pgb=$!
    kill_after=$((8 + RANDOM % 12))
    sleep "$kill_after"
    pid=$(head -1 "$PGDATA/postmaster.pid")
    as_owner "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null ||
        { say "pg_ctl stop -m immediate failed"; status=1; }
    say "   killed postmaster $pid after ${kill_after}s"
    wait $pgb
    grep -E "number of transactions actually processed" "$WORK/pgbench.$i.out" | sed 's/^/   /'
    load_acks "$i" 2>/dev/null || true   # the server is down: loaded below
    cp "$CLUSTER_LOG" "$WORK/server-before-restart-$i.log"
    started=$(date +%s.%N)
    cluster_start
    say "   restarted: recovery and start took $(printf "%.2f" "$(echo "$(date +%s.%N) - $started" | bc)")s"
    load_acks "$i"
    smoke "$i" || { say "   the extension did not work after restart $i"; status=1; }
done

final=$((FAULTS + 1))
say "run $final: the load without a fault, ${RUN_SECONDS}s"
load_run "$final" "$RUN_SECONDS" || { say "pgbench failed on the recovered server"; status=1; }
load_summary "$final"
load_acks "$final"

say "checks over all $final runs"
load_check 1 || status=1
psql_c -c "SELECT 'runs: ' || string_agg(format('%s: %s acked', run, c), ', ' ORDER BY run)
           FROM (SELECT run, count(*) c FROM rel.acked GROUP BY run) r" | sed 's/^/   /'
log_findings "$CLUSTER_LOG"
# the crashes were ours: anything else alarming (a backend dying by itself) fails
other=$(grep -E "$LOG_ALARMS" "$CLUSTER_LOG" | grep -vE "terminating any other active server processes" | head)
[ -z "$other" ] || { say "unexpected alarms:"; echo "$other"; status=1; }

cluster_stop
trap - EXIT
say "faults result: $FAULTS immediate stops survived: $([ $status -eq 0 ] && echo PASS || echo FAIL)"
if [ "${KEEP:-0}" = 1 ] || [ $status -ne 0 ]; then say "work directory kept: $WORK"; else rm -rf "$WORK"; fi
exit $status
