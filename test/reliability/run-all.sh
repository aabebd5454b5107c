#!/usr/bin/env bash
# test/reliability/run-all.sh: every reliability test of userservice, one
# after the other, then a summary. About 21 minutes on 2 cores with the
# defaults (test/reliability/README.md has each step's duration).
#
#   test/reliability/run-all.sh
#
# Runs as root (the clusters then run as postgres) or as any user who can
# run initdb. Each step works in its own /tmp/us-* directory with its own
# copy of PostgreSQL (PG_CONFIG, default /usr/lib/postgresql/15/bin/pg_config)
# and its own ports: the system installation and the tree are not touched,
# except test/fuzz/ where the harnesses are built.
# Settings passed through: FUZZ_SECONDS (libFuzzer, 60 per harness),
# FUZZ_CALLS (SQL fuzzer, 100000), LOAD_SECONDS (60), FAULTS (3), CLIENTS (50).
set -uo pipefail
cd "$(dirname "$0")"

results=()
failed=0
step() {
    local name="$1" started rc
    shift
    echo
    echo "################ $name"
    started=$(date +%s)
    "$@"
    rc=$?
    results+=("$(printf '%-44s %s  (%ss)' "$name" "$([ $rc -eq 0 ] && echo PASS || echo FAIL)" $(( $(date +%s) - started )))")
    [ $rc -eq 0 ] || failed=1
}

step "libFuzzer: validate, jwt, phc" make -s -C ../fuzz run FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
step "libFuzzer: replay of the kept corpus" make -s -C ../fuzz replay
step "SQL fuzzer (fuzz.sh)" ./fuzz.sh "${FUZZ_CALLS:-100000}"
step "sanitizers: suites + fuzz (sanitize.sh)" ./sanitize.sh
step "load (load.sh)" ./load.sh "${LOAD_SECONDS:-60}"
step "faults (faults.sh)" ./faults.sh "${FAULTS:-3}"
step "memory bound (memory.sh)" ./memory.sh

echo
echo "################ summary"
printf '%s\n' "${results[@]}"
exit $failed
