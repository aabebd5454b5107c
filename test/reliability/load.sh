#!/usr/bin/env bash
# test/reliability/load.sh: 50 concurrent pgbench clients for a fixed time
# (default 60 s) on a throwaway cluster, over loopback TCP only, doing a
# realistic mix: sign-up (40% of them racing for the same few emails in
# random letter case), login (15% wrong password, 5% unknown email), read,
# patch (10% with a stale version) or post, list. Then it proves:
#   - every transaction pgbench acknowledged has its outcome row, and the
#     database holds exactly what the successful calls said they wrote:
#     users created = successful sign-ups, each with its id and email;
#     version = 1 + successful patches; display name = the last patch;
#     every successful post exists;
#   - no email is stored twice in any letter case, and no two sign-ups were
#     both told they got the same email;
#   - every error was a documented SQLSTATE (40001/40P01 allowed);
#   - the server log shows no crash, assertion or sanitizer report.
#
#   test/reliability/load.sh [SECONDS]     (CLIENTS=50 by default)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/load/load_lib.sh"

DURATION="${1:-${LOAD_SECONDS:-60}}"
[ "$DURATION" -ge 1 ] && [ "$DURATION" -le 3600 ] || die "duration must be 1..3600 seconds"

rel_prereqs
make_workdir load
private_pg
build_extension
cluster_init "$WORK/cluster" "${LOAD_CONF[@]}"
cluster_start
trap 'cluster_stop immediate' EXIT
load_setup

say "load: $CLIENTS clients for ${DURATION}s on 127.0.0.1:$PGPORT"
load_run 1 "$DURATION"
pgb=$?
load_summary 1
load_acks 1
status=0
[ $pgb -eq 0 ] || { say "pgbench exited with status $pgb"; status=1; }
say "checks"
load_check 0 || status=1
log_findings "$CLUSTER_LOG"
grep -qE "$LOG_ALARMS" "$CLUSTER_LOG" && { grep -E "$LOG_ALARMS" "$CLUSTER_LOG" | head; status=1; }

cluster_stop
trap - EXIT
say "load result: $([ $status -eq 0 ] && echo PASS || echo FAIL)"
if [ "${KEEP:-0}" = 1 ] || [ $status -ne 0 ]; then say "work directory kept: $WORK"; else rm -rf "$WORK"; fi
exit $status
