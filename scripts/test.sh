#!/usr/bin/env bash
# scripts/test.sh: set everything up and run every test: pg_regress suites,
# isolation specs and TAP tests, on throwaway clusters. Safe to run again.
# PostgreSQL refuses to run as root, so as root the tests run as the postgres
# user on a copy of this tree.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
EXTRA_PACKAGES="${EXTRA_PACKAGES:-}" bash scripts/setup.sh || exit 1

PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
WORK="$ROOT"
RUN=()
if [ "$(id -u)" -eq 0 ]; then
    WORK="$(mktemp -d /tmp/userservice-test.XXXXXX)"
    cp -a "$ROOT/." "$WORK/"
    chown -R postgres "$WORK"
    RUN=(runuser -u postgres --)
fi
LOG="$WORK/test.log"

echo "== running the tests in $WORK"
(
    cd "$WORK" &&
    "${RUN[@]}" env PG_CONFIG="$PG_CONFIG" PATH="$PATH" \
        pg_virtualenv -i '--encoding=UTF8 --locale=C.UTF-8' \
        make -s installcheck PG_CONFIG="$PG_CONFIG"
) 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}

# The unit tests of the plain-C input rules need no server (TAP lines).
echo "== unit tests (test/unit)"
(cd "$WORK" && "${RUN[@]}" make -s -C test/unit check) 2>&1 | tee -a "$LOG"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

# The README as a newcomer follows it: run.sh, every SQL example in order,
# run.sh again, uninstall.sh (on a copy of the tree, a cluster of its own).
echo "== the README's steps and SQL examples (test/readme)"
(cd "$WORK" && bash test/readme/run.sh) 2>&1 | tee -a "$LOG"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

# A pass/fail summary that counts tests: each pg_regress suite and
# isolation spec, each TAP assertion (prove's Tests= total), each unit test
# and each check of the README's steps (TAP lines too).
suites_ok=$(grep -Ec '^(ok|test) .*\.\.\. ok' "$LOG")
suites_failed=$(grep -Ec '\.\.\. FAILED' "$LOG")
tap_total=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$LOG" | tail -1)
tap_failed=$(sed -n 's/.*Failed \([0-9]*\)\/[0-9]* subtests.*/\1/p' "$LOG" | awk '{s += $1} END {print s + 0}')
# a TAP file that died without a failed assertion still failed
tap_died=$(grep -Ec '^test/t/.*\(Wstat: [1-9][0-9]* .* Failed: 0\)' "$LOG")
unit_ok=$(grep -Ec '^ok [0-9]+ - ' "$LOG")
unit_failed=$(grep -Ec '^not ok [0-9]+ - ' "$LOG")
passed=$(( suites_ok + ${tap_total:-0} - tap_failed + unit_ok ))
failed=$(( suites_failed + tap_failed + tap_died + unit_failed ))
for d in "$WORK/regression.diffs" "$WORK/output_iso/regression.diffs"; do
    [ -s "$d" ] && { echo "== $d"; cat "$d"; }
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
# As root the copy of the tree is ours to remove: leave nothing behind.
if [ "$WORK" != "$ROOT" ]; then rm -rf "$WORK"; fi
echo
echo "$passed passed, $failed failed"
exit "$status"
