#!/usr/bin/env bash
# test/bench/profile.sh: server-side instructions per transaction, for every
# operation x variant of run.sh, counted by callgrind: repeatable on a busy
# machine, where run.sh's TPS is not.
#
#   test/bench/profile.sh [--users N] [--only REGEX] [--out DIR] [--keep]
#
# It builds the same throwaway cluster and data as run.sh (default 10,000
# users, autovacuum off), restarts the postmaster under
# valgrind --tool=callgrind (every backend it forks is counted, one file per
# backend), then runs each pgbench script with one client twice, -t N1 and
# -t N2 transactions, and reports (I(N2) - I(N1)) / (N2 - N1): the
# instructions the server spends per transaction, connection start-up
# excluded. "vs raw" is raw's count divided by the variant's: the TPS ratio
# to expect when the server's CPU is the bottleneck. Kernel time (socket
# round trips) and the client's CPU are not counted.
#
# For each userservice row it also lists the functions that cost the most
# per transaction (inclusive, same subtraction), and it keeps the callgrind
# files in OUT/callgrind/ for callgrind_annotate. Output: OUT/profile.txt
# and OUT/profile.csv (OUT defaults to test/bench/out).
#
# Environment: PG_CONFIG, PORT (54339), USERS, ONLY, OUT, KEEP as in run.sh.
# Like run.sh it needs the extension installed into PG_CONFIG's PostgreSQL;
# it installs valgrind and postgresql-contrib (pgcrypto) from Debian when
# they are missing, as root or through sudo.
set -uo pipefail
export LC_ALL=C

HERE="$(cd "$(dirname "$0")" && pwd)"
USERS="${USERS:-10000}"
PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"
ONLY="${ONLY:-}"
OUT="${OUT:-$HERE/out}"
PORT="${PORT:-54339}"
KEEP="${KEEP:-0}"
CLIENTS=1
SHARED_BUFFERS="${SHARED_BUFFERS:-256MB}"
SYNC_COMMIT="${SYNC_COMMIT:-off}"
TOP="${TOP:-16}"

while [ $# -gt 0 ]; do
    case "$1" in
        --users) USERS="$2"; shift 2 ;;
        --only) ONLY="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        --port) PORT="$2"; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "profile.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

# shellcheck source=lib.sh
. "$HERE/lib.sh"
bench_prereqs valgrind
mkdir -p "$OUT/callgrind" || die "cannot create $OUT"
rm -f "$OUT"/callgrind/cg.*
EXTRA_CONF="autovacuum = off
log_line_prefix = '%p %a '
log_disconnections = on"
bench_cluster
bench_setup
bench_load "$USERS" on
bench_batches 1
bench_tokens
bench_scripts "$HERE/scripts"
bench_vars "$USERS"

say "restarting the server under callgrind"
bench_stop
CG="$TMP/callgrind"
mkdir -p "$CG"
[ ${#RUN[@]} -gt 0 ] && chown postgres "$CG"
"${RUN[@]}" valgrind --tool=callgrind --callgrind-out-file="$CG/cg.%p" \
    "$BIN/postgres" -D "$DATA" >"$TMP/valgrind.log" 2>&1 &
started=1
for _ in $(seq 1 120); do
    "$BIN/pg_isready" -q "${CONN[@]}" -d bench && break
    sleep 1
done
"$BIN/pg_isready" -q "${CONN[@]}" -d bench || die "the server did not start under valgrind"

# instr FILE: the total instructions a callgrind file counted.
instr() { sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$1" | head -1; }

# one_run NAME SCRIPT N [ARGS]: pgbench -t N with one client; prints the
# callgrind file of the backend that ran the transactions, found by pid from
# the server log's disconnection lines of the run's application_name (pgbench
# opens a short first connection too: the busier backend is the one).
one_run() {
    local name="$1" script="$2" n="$3"; shift 3
    local app pids pid best="" best_i=0 i ready
    app="prof_$(date +%s%N)"
    PGAPPNAME="$app" "$BIN/pgbench" -n -M prepared -c 1 -j 1 -t "$n" -f "$RUN_SCRIPTS/$script" \
        "${BENCH_VARS[@]}" "$@" "${CONN[@]}" bench >"$LOGS/$name.$n.out" 2>&1 ||
        { echo "-- $name failed:" >&2; tail -3 "$LOGS/$name.$n.out" >&2; return 1; }
    grep -q 'aborted\|ERROR' "$LOGS/$name.$n.out" && { tail -3 "$LOGS/$name.$n.out" >&2; return 1; }
    for _ in $(seq 1 900); do
        pids="$(sed -n "s/^\([0-9]*\) $app LOG:  disconnection:.*/\1/p" "$TMP/valgrind.log")"
        ready=1
        # pgbench 15 opens one connection of its own before the client's.
        [ "$(echo "$pids" | grep -c .)" -ge 2 ] || ready=0
        for pid in $pids; do
            [ -f "$CG/cg.$pid" ] && [ -n "$(instr "$CG/cg.$pid")" ] || ready=0
        done
        if [ "$ready" = 1 ]; then
            for pid in $pids; do
                i="$(instr "$CG/cg.$pid")"
                if [ "$i" -gt "$best_i" ]; then best_i=$i; best="$CG/cg.$pid"; fi
            done
            mv "$best" "$OUT/callgrind/cg.$name.$n"
            for pid in $pids; do rm -f "$CG/cg.$pid"; done
            echo "$OUT/callgrind/cg.$name.$n"
            return 0
        fi
        sleep 0.2
    done
    echo "-- $name: no callgrind file" >&2
    return 1
}

# functions FILE: "inclusive-count function" per line.
functions() {
    callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null |
        sed -n 's/^ *\([0-9,]*\) ([ 0-9.]*%)  \(.*\)$/\1 \2/p' | tr -d ',' |
        awk '{ c = $1; $1 = ""; sub(/^ /, ""); sub(/ \[.*\]$/, ""); sub(/^.*:/, ""); gsub(/ /, "_"); if (!(($0) in s)) s[$0] = c } END { for (f in s) print s[f], f }'
}

# The operations, with N1 and N2 per variant group (cheap, hashing, heavy).
SPECS=(
    "get_user|get_user||100 600"
    "get_user_by_email|get_user_by_email||100 600"
    "update_user|update_user||100 600"
    "delete_create|delete_create||100 600|2 6"
    "login|login||2 6|2 6"
    "verify_token|verify_token||100 600"
    "list_users|list_users||100 600"
    "uwp_start_offset|uwp_offset|-D deep=0|20 120"
    "uwp_start_keyset|uwp_keyset|-D deep=0|20 120"
    "uwp_end_offset|uwp_offset|-D deep=1|5 25|2 6"
    "uwp_end_keyset|uwp_keyset|-D deep=1|20 120"
    "import_1000|import||1 4"
    "signup|signup||100 600"
)

CSV="$OUT/profile.csv"
REPORT="$OUT/profile.txt"
echo "operation,variant,users,instructions_per_tx,ratio_raw_over_variant,n1,n2" >"$CSV"
declare -A PER
failed=0
{
echo "userservice $US_VERSION: server instructions per transaction (callgrind), $USERS users, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
printf '%-20s %-7s %14s %8s\n' operation variant "instr/tx" "vs raw"
} | tee "$REPORT"
DETAIL="$TMP/detail.txt"
: >"$DETAIL"
for spec in "${SPECS[@]}"; do
    IFS='|' read -r op stem extra ns hashns <<<"$spec"
    [ -z "$ONLY" ] || [[ "$op" =~ $ONLY ]] || continue
    variants="raw recipe us"
    [ "$op" = login ] && variants="recipe us"
    [ "$op" = signup ] && variants="orm us"
    for v in $variants; do
        read -r n1 n2 <<<"$ns"
        if [ -n "$hashns" ] && [ "$v" != raw ]; then read -r n1 n2 <<<"$hashns"; fi
        # shellcheck disable=SC2086
        f1="$(one_run "$op.$v" "$stem.$v.sql" "$n1" $extra)" &&
        f2="$(one_run "$op.$v" "$stem.$v.sql" "$n2" $extra)" || { failed=1; continue; }
        i1="$(instr "$f1")"; i2="$(instr "$f2")"
        per=$(( (i2 - i1) / (n2 - n1) ))
        PER["$op/$v"]=$per
        ref="${PER[$op/raw]:-${PER[$op/orm]:-}}"
        ratio=""
        [ -n "$ref" ] && ratio="$(awk -v r="$ref" -v p="$per" 'BEGIN {printf "%.3f", r / p}')"
        echo "$op,$v,$USERS,$per,$ratio,$n1,$n2" >>"$CSV"
        printf '%-20s %-7s %14d %8s\n' "$op" "$v" "$per" "${ratio:--}" | tee -a "$REPORT"
        if [ "$v" = us ]; then
            {
                echo
                echo "-- $op (userservice): the costliest functions per transaction (inclusive), from the"
                echo "   SECURITY DEFINER call's cost down; the outer statement's own functions (PortalStart,"
                echo "   ExecInitFunctionScan, ...) are listed too. % of the $per instructions of a transaction."
                join -1 2 -2 2 <(functions "$f1" | sort -k2) <(functions "$f2" | sort -k2) |
                    awk -v a="$n1" -v b="$n2" '{ d = ($3 - $2) / (b - a); if (d > 0) printf "%.0f %s\n", d, $1 }' |
                    sort -rn | grep -v ' 0x[0-9a-f]*' |
                    awk -v top="$TOP" -v total="$per" '
                        $2 == "fmgr_security_definer" { on = 1 }
                        on && n < top { printf "%12s %6.1f%%  %s\n", $1, 100 * $1 / total, $2; n++ }'
            } >>"$DETAIL"
        fi
    done
done
cat "$DETAIL" | tee -a "$REPORT"
echo "callgrind files: $OUT/callgrind (callgrind_annotate --inclusive=yes FILE)" | tee -a "$REPORT"
exit "$failed"
