#!/usr/bin/env bash
# test/reliability/fuzz.sh: the full SQL fuzz run (fuzz_sql.py) on a
# throwaway cluster: FUZZ_CALLS calls (default 100000) with seed FUZZ_SEED
# (default 1), with --strict: an oracle finding fails the run too. The
# generators of open findings listed in fuzz_sql.py's KNOWN_ISSUES are
# included; their hits are reported as "known issue ... reproduced" and do
# not fail the run. Reproducers of any failure go to $WORK/repro/.
#
#   test/reliability/fuzz.sh [CALLS]
set -uo pipefail
. "$(dirname "$0")/lib.sh"

FUZZ_CALLS="${1:-${FUZZ_CALLS:-100000}}"
FUZZ_SEED="${FUZZ_SEED:-1}"

rel_prereqs
need_psycopg2
make_workdir fuzz
private_pg
build_extension
cluster_init "$WORK/cluster"
cluster_start
trap 'cluster_stop immediate' EXIT

say "fuzz_sql.py: $FUZZ_CALLS calls, seed $FUZZ_SEED"
as_owner "$PYTHON" "$REL_DIR/fuzz_sql.py" --host "$PGHOST" --port "$PGPORT" --dbname postgres \
    --seed "$FUZZ_SEED" --calls "$FUZZ_CALLS" --fresh --server-log "$CLUSTER_LOG" \
    --repro-dir "$WORK/repro" --progress --max-failures 200 --strict >"$WORK/fuzz.log" 2>&1
status=$?
grep -E '^\.\.\. [0-9]+ calls' "$WORK/fuzz.log"
sed -n '/== fuzz_sql summary/,$p' "$WORK/fuzz.log"
alarms=$(grep -E "$LOG_ALARMS" "$CLUSTER_LOG" | head)
[ -z "$alarms" ] || { say "alarms in the server log:"; echo "$alarms"; status=1; }

cluster_stop
trap - EXIT
say "fuzz result: $([ $status -eq 0 ] && echo PASS || echo FAIL) (full log: $WORK/fuzz.log)"
if [ "${KEEP:-0}" = 1 ] || [ $status -ne 0 ]; then say "work directory kept: $WORK"; else rm -rf "$WORK"; fi
exit $status
