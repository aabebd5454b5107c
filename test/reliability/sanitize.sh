#!/usr/bin/env bash
# test/reliability/sanitize.sh: every test suite of the tree (pg_regress
# suites test/sql/*.sql, isolation specs, TAP tests test/t/*.pl, which include the
# fuzz slice) plus a longer fuzz run, against the extension built with
# AddressSanitizer and UndefinedBehaviorSanitizer, its own Asserts on.
#
# How: a private copy of the PostgreSQL installation gets the extension
# built with -fsanitize=address,undefined (gcc) plus
# test/reliability/sanitizer_selftest.c, which compiles the sanitizer options
# into the module and adds a deliberate-error function. The runtimes load
# with the module (see sanitizer_selftest.c for why they are not preloaded),
# so every backend that uses userservice, in the script's cluster and in the clusters
# TAP tests start, is checked. ASan reports go to files in $WORK/reports,
# UBSan's ("runtime error:") to the server's log, which is scanned too.
#
# Step 0 is a positive control: one deliberate UBSan error and one deliberate
# ASan error must each produce a report, or the script fails. After that,
# any report, crash, Assert failure or failed test fails the script.
#
#   test/reliability/sanitize.sh          (FUZZ_CALLS=5000 by default)
#
# Settings: PG_CONFIG (the installation to copy), FUZZ_CALLS, FUZZ_SEED,
# US_REL_WORK (work directory), KEEP=1 (keep the work directory).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

FUZZ_CALLS="${FUZZ_CALLS:-5000}"
FUZZ_SEED="${FUZZ_SEED:-7}"
SAN_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -DUSE_ASSERT_CHECKING"

rel_prereqs libasan8 libubsan1 binutils
need_psycopg2
make_workdir sanitize
private_pg
REPORTS="$WORK/reports"
mkdir -p "$REPORTS" "$WORK/selftest"
[ "$(id -u)" -eq 0 ] && chown postgres "$REPORTS" "$WORK/selftest"

say "building the extension with $SAN_FLAGS"
sed "s|^#define SANITIZER_REPORT_DIR \"/tmp\"|#define SANITIZER_REPORT_DIR \"$REPORTS\"|" \
    "$REL_DIR/sanitizer_selftest.c" >"$WORK/sanitizer_selftest.c"
build_extension "$SAN_FLAGS" "$WORK/sanitizer_selftest.c"
SO="$("$PRIV_PG_CONFIG" --pkglibdir)/userservice.so"
nm -D "$SO" | grep " __asan_report_load" >/dev/null || die "$SO is not instrumented"

cluster_init "$WORK/main"
cluster_start
trap 'cluster_stop immediate' EXIT
status=0

# -- 0. positive control --------------------------------------------------
say "positive control: one deliberate UBSan and one deliberate ASan error"
psql_c -c "CREATE FUNCTION public.us_sanitizer_selftest(int, int) RETURNS int
           AS '$SO', 'us_sanitizer_selftest' LANGUAGE C STRICT" >/dev/null
psql_c -c "SELECT public.us_sanitizer_selftest(1, 40)" >/dev/null 2>&1
psql_c -c "SELECT public.us_sanitizer_selftest(2, 8)" >/dev/null 2>&1
sleep 2
ub=$(grep -l "shift exponent 40 is too large" "$REPORTS"/* "$CLUSTER_LOG" 2>/dev/null | head -1)
as=$(grep -l "ERROR: AddressSanitizer: stack-buffer-overflow" "$REPORTS"/* 2>/dev/null | head -1)
if [ -n "$ub" ] && [ -n "$as" ]; then
    say "control OK: $(grep -m1 'runtime error' "$ub" | sed 's/^.*runtime error/runtime error/')"
    say "control OK: $(grep -m1 'ERROR: AddressSanitizer' "$as" | sed 's/^.*ERROR/ERROR/')"
else
    say "positive control FAILED: ubsan report '${ub}', asan report '${as}'"; status=1
fi
mv "$REPORTS"/* "$WORK/selftest/" 2>/dev/null
psql_c -c "DROP FUNCTION public.us_sanitizer_selftest(int, int)" >/dev/null
cluster_stop fast
CLUSTER_LOG="$WORK/main/server-tests.log"     # the deliberate crash stays in server.log
cluster_start

# -- 1. every test suite --------------------------------------------------
say "make installcheck (pg_regress suites, isolation specs, TAP tests) in $WORK/build"
started=$(date +%s)
(cd "$WORK/build" && as_owner env PGHOST="$PGHOST" PGPORT="$PGPORT" \
    make installcheck PG_CONFIG="$PRIV_PG_CONFIG") >"$WORK/installcheck.log" 2>&1
ic=$?
grep -E '^(ok|not ok|test) |\.\.\. (ok|FAILED)|^test/t/|All [0-9]+ tests|tests? (passed|failed)|^Result:' "$WORK/installcheck.log" | head -60
[ $ic -eq 0 ] || { status=1; say "installcheck FAILED (status $ic): $WORK/installcheck.log"; }
for d in "$WORK/build/regression.diffs" "$WORK/build/output_iso/regression.diffs"; do
    [ -s "$d" ] && { say "$d"; head -100 "$d"; }
done
say "installcheck took $(( $(date +%s) - started ))s"

# -- 2. the fuzzer, longer than the slice ---------------------------------
say "fuzz_sql.py: $FUZZ_CALLS calls, seed $FUZZ_SEED, against the sanitized build"
started=$(date +%s)
as_owner "$PYTHON" "$REL_DIR/fuzz_sql.py" --host "$PGHOST" --port "$PGPORT" --dbname postgres \
    --seed "$FUZZ_SEED" --calls "$FUZZ_CALLS" --fresh --skip-known --server-log "$CLUSTER_LOG" \
    --timeout 30 >"$WORK/fuzz.log" 2>&1 || status=1
sed -n '/== fuzz_sql summary/,$p' "$WORK/fuzz.log"
say "fuzzing took $(( $(date +%s) - started ))s"

cluster_stop
trap - EXIT

# -- 3. reports -------------------------------------------------------------
nreports=0
for f in "$REPORTS"/*; do
    [ -e "$f" ] || continue
    nreports=$((nreports + 1))
    say "sanitizer report $f"
    head -60 "$f"
done
# The script's own cluster: any crash line is an alarm. The TAP clusters: only sanitizer
# and Assert lines (005_crash.pl kills a backend on purpose, and each TAP
# test judges its own crashes).
alarms=$( { grep -E "$LOG_ALARMS" "$CLUSTER_LOG";
            cat "$WORK"/build/tmp_check/log/*.log 2>/dev/null | grep -E "$SANITIZER_ALARMS"; } | head -20)
if [ -n "$alarms" ]; then
    say "alarms in the server logs:"; echo "$alarms"; status=1
fi
[ $nreports -eq 0 ] || status=1

echo
say "sanitize summary: positive control $([ -n "$ub" ] && [ -n "$as" ] && echo passed || echo FAILED);" \
    "$nreports sanitizer report(s) from the tests; installcheck status $ic;" \
    "fuzz calls $FUZZ_CALLS; result $([ $status -eq 0 ] && echo PASS || echo FAIL)"
if [ "${KEEP:-0}" = 1 ] || [ $status -ne 0 ]; then
    say "work directory kept: $WORK"
else
    rm -rf "$WORK"
fi
exit $status
